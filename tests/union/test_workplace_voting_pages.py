"""The ballot stations page: officials record the agreement and set up stations; only the ballot's scrutineer
marks the register, seals and counts the boxes; nobody else gets in; the page shows counts, never who voted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests.union.test_workplace_voting import _ballot, data_dir  # noqa: F401 - the fixture

from mandate.union import ballots as svc
from mandate.union import services
from mandate.union.models import MarkedRegisterEntry

pytestmark = pytest.mark.django_db
# The page marks the register on the real today: a ballot open around it.
OPEN, CLOSE = date.today() - timedelta(days=2), date.today() + timedelta(days=12)


@pytest.fixture
def ballot(data_dir, union_org):  # noqa: F811 - the imported fixture
    b = _ballot(union_org, opening=OPEN, closing=CLOSE)
    b.scrutineer_username = "scrutineer-appointed"
    b.save(update_fields=["scrutineer_username"])
    return b


def _as(client, make_user, role, username):
    client.force_login(make_user(role, "pcs", username=username))
    return client


def test_the_journey_through_the_page(ballot, client, make_user):
    url = reverse("union:stations", args=[ballot.pk])
    official = _as(client, make_user, "union_official", "official")
    answer = official.post(url, {"action": "agreement", "a-union_agreed_by": "A. Official",
                                 "a-union_agreed_on": "2026-10-01", "a-scrutineer_agreed_by": "Civica",
                                 "a-scrutineer_agreed_on": "2026-10-02", "a-employer_agreed_by": "HR director",
                                 "a-employer_agreed_on": "2026-10-05"}, follow=True)
    assert "The agreement to workplace voting is recorded." in answer.content.decode()
    units = list(ballot.units.values_list("name", flat=True))
    for i, unit in enumerate(units):
        answer = official.post(url, {"action": "station", "s-unit": unit, "s-code": f"st-{i}", "s-name": f"Room {i}",
                                     "s-place": "Ground floor", "s-papers": "30"}, follow=True)
        assert f"Room {i}: papers" in answer.content.decode()
    refused = official.post(url, {"action": "issue", "station": "st-0", "membership_number": "P000101"})
    assert refused.status_code == 403  # an official never marks the register
    services.issue_voting_papers(ballot)
    services.open_ballot(ballot, today=OPEN)
    client.logout()

    scrutineer = _as(client, make_user, "scrutineer", "scrutineer-appointed")
    member = ballot.electors.get(unit__name=units[0], paper_number=1)
    page = scrutineer.get(url).content.decode()
    assert "Mark the register" in page and "Set up a station" not in page
    answer = scrutineer.post(url, {"action": "issue", "station": "st-0",
                                   "membership_number": member.membership_number}, follow=True)
    text = answer.content.decode()
    assert f"{member.membership_number} is marked on the register: hand them one paper" in text
    again = scrutineer.post(url, {"action": "issue", "station": "st-0",
                                  "membership_number": member.membership_number}, follow=True).content.decode()
    assert "already marked here today: do not hand over a second paper" in again  # a double submit
    assert MarkedRegisterEntry.objects.filter(ballot=ballot).count() == 1
    assert member.name not in text  # the page names no one
    table = text[text.index('data-testid="stations"'):]
    row = [r for r in table.split("<tr>") if "Room 0" in r][0]
    assert "<td>1</td><td>29</td>" in row  # issued 1, left 29


def test_who_may_open_the_page(ballot, client, make_user):
    url = reverse("union:stations", args=[ballot.pk])
    expected = {("union_official", "official"): 200, ("scrutineer", "scrutineer-appointed"): 200,
                ("scrutineer", "scrutineer-other"): 403, ("branch_rep", "rep"): 403, ("member", "member"): 403,
                ("trustee", "trustee"): 403}
    for (role, username), status in expected.items():
        _as(client, make_user, role, username)
        assert client.get(url).status_code == status, (role, username)
        client.logout()


def test_a_refused_box_file_writes_nothing_and_says_why(ballot, client, make_user):
    from tests.union.test_workplace_voting import _agree

    from mandate.union import workplace_voting as wv

    unit = ballot.units.first()
    _agree(ballot)
    for u in ballot.units.all():
        wv.add_station(ballot, unit=u, code=f"st-{u.pk}", name=f"Room {u.pk}", place="Hall", papers=5)
    services.issue_voting_papers(ballot)
    services.open_ballot(ballot, today=OPEN)
    st = ballot.stations.get(unit=unit)
    wv.issue_paper(ballot, st.code, unit.electors.first().membership_number, today=OPEN,
                   actor="scrutineer-appointed")
    wv.seal_box(ballot, st.code, "SEAL-1")
    svc.close_ballot(ballot, today=CLOSE + timedelta(days=1))
    scrutineer = _as(client, make_user, "scrutineer", "scrutineer-appointed")
    bad = SimpleUploadedFile("box.csv", f"paper_number,strike\n{st.first_number},perhaps\n".encode())
    answer = scrutineer.post(reverse("union:stations", args=[ballot.pk]),
                             {"action": "box", "station": st.code, "file": bad}, follow=True)
    assert "line 2: &#x27;perhaps&#x27; is not a mark" in answer.content.decode()
    assert ballot.returns.count() == 0
    good = SimpleUploadedFile("box.csv", f"paper_number,strike\n{st.first_number},yes\n".encode())
    answer = scrutineer.post(reverse("union:stations", args=[ballot.pk]),
                             {"action": "box", "station": st.code, "file": good}, follow=True)
    assert f"Box {st.code}: 1 paper to count, 0 set aside" in answer.content.decode()
    assert ballot.returns.filter(status="counted").count() == 1
