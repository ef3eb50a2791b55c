"""The register as officials use it: search, pages, members marked left apart, the CSV export of what the
list shows, the audit log of each read, and the review before members missing from a file are marked left."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from tests.union.helpers import HEADER, register_csv

from mandate.platform.models import AuditEntry
from mandate.union.models import Member, Workplace
from mandate.union.register import import_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(client, make_user, union_org):
    client.force_login(make_user("union_official", "pcs", username="official"))
    return client


def upload(text: str, name: str = "register.csv") -> io.BytesIO:
    f = io.BytesIO(text.encode())
    f.name = name
    return f


def names(page: str) -> list[str]:
    """The members' names in the list's table, in order."""
    table = page.split('data-testid="register-members"', 1)
    return re.findall(r'<th scope="row">([^<]+)</th>', table[1].split("</table>", 1)[0]) if len(table) > 1 else []


def test_search_by_name_number_and_workplace(official, union_org):
    import_register(union_org, register_csv({"newport": 5, "titchfield": 4}, start=100))
    Member.objects.filter(membership_number="P000103").update(name="Zoë Llewellyn")
    page = official.get("/union/register/", {"q": "llewellyn"}).content.decode()
    assert names(page) == ["Zoë Llewellyn"]
    assert names(official.get("/union/register/", {"q": "P000107"}).content.decode()) == ["Member 107"]
    at_titchfield = names(official.get("/union/register/", {"q": "Titchfield"}).content.decode())
    assert len(at_titchfield) == 4 + 1  # the 4 imported and the fixture's Member 2 at Titchfield
    assert names(official.get("/union/register/", {"q": "member 10 titch"}).content.decode()) == [
        "Member 106", "Member 107", "Member 108", "Member 109"]  # every word must match
    assert "No current members match" in official.get("/union/register/", {"q": "nobody"}).content.decode()


def test_pages_with_a_page_size_and_links_that_keep_the_search(official, union_org):
    import_register(union_org, register_csv({"newport": 60}, start=100))
    default = official.get("/union/register/", {"q": "member 1"}).content.decode()
    assert len(names(default)) == 25 and "1 to 25 of 61" in default  # Member 1 (the fixture) and 101-160
    first = official.get("/union/register/", {"q": "member 1", "per": 50}).content.decode()
    assert len(names(first)) == 50 and "1 to 50 of 61" in first
    links = [link.replace("&amp;", "&") for link in re.findall(r'href="\?([^"]*page=\d+)"', first)]
    assert links and all("q=member+1" in link and "per=50" in link for link in links)
    second = official.get("/union/register/?" + links[-1]).content.decode()
    assert "51 to 61 of 61" in second and len(names(second)) == 11
    assert 'rel="prev"' in second and 'rel="next"' not in second


@pytest.mark.parametrize("params", [
    {"page": "abc"}, {"page": "-3"}, {"page": "99999"}, {"per": "7"}, {"per": "x"}, {"status": "bogus"},
    {"q": "a\x00b"}, {"q": "x" * 10_000}, {"q": "'; DROP TABLE union_member; --"}, {"q": "%_%"},
])
def test_odd_input_to_the_list_is_never_an_error(official, union_org, params):
    response = official.get("/union/register/", params)
    assert response.status_code == 200
    assert Member.objects.count() == 3


def test_members_marked_left_are_listed_apart(official, union_org):
    Member.objects.filter(membership_number="P000001").update(left_on=date(2026, 10, 1))
    current = official.get("/union/register/").content.decode()
    assert names(current) == ["Member 0", "Member 2"]
    assert "1 marked as left" in current and "Members marked as left (1)" in current
    left = official.get("/union/register/", {"status": "left"}).content.decode()
    assert names(left) == ["Member 1"]
    assert "These members are marked as left" in left and "1 October 2026" in left
    every = official.get("/union/register/", {"status": "all"}).content.decode()
    assert names(every) == ["Member 0", "Member 1", "Member 2"] and "Current" in every


def test_each_read_of_the_register_is_in_the_audit_log_without_the_search_words(official, union_org):
    official.get("/union/register/", {"q": "Member 2"})
    entry = AuditEntry.objects.filter(action="register.read").latest("seq")
    assert entry.actor == "official" and entry.object_id == "pcs"
    assert entry.detail == {"searched": True, "status": "current", "page": 1, "members": ["P000002"]}
    assert "Member 2" not in str(entry.detail)


def rows(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_export_is_what_the_list_shows_with_formula_cells_escaped(official, union_org):
    Member.objects.filter(membership_number="P000000").update(name="=HYPERLINK(\"http://x\",\"y\")",
                                                              mobile="+44 7700 900123")
    Member.objects.filter(membership_number="P000001").update(name="@SUM(A1)", left_on=date(2026, 10, 1))
    exported = rows(official.get("/union/register/export.csv", {"q": "hyperlink"}))
    assert exported[0] == HEADER
    assert [r[0] for r in exported[1:]] == ["P000000"]
    assert exported[1][1] == "'=HYPERLINK(\"http://x\",\"y\")" and exported[1][3] == "'+44 7700 900123"
    left = official.get("/union/register/export.csv", {"status": "left"})
    assert "register-left-" in left["Content-Disposition"]
    assert rows(left)[0] == [*HEADER, "left_on"] and rows(left)[1:] == [
        ["P000001", "'@SUM(A1)", "m1@example.org", "", "1 High Street", "ons", "newport", "Statistician", "no",
         "2019-01-01", "2026-10-01"]]
    entry = AuditEntry.objects.filter(action="register.exported").latest("seq")
    assert entry.detail == {"members": 1, "status": "left", "searched": False}


def test_marking_missing_members_as_left_is_reviewed_then_confirmed_once(official, union_org):
    kept = ",".join(HEADER) + "\nP000000,Member 0,m0@example.org,,0 High Street,ons,newport,Statistician,no,2019-01-01\n"
    job = official.post("/union/register/", {"file": upload(kept), "mark_missing_left": "on"}, follow=True)
    assert "Nothing has changed yet" in job.content.decode()  # the review's job, done
    review_url = re.search(r'href="(/union/register/review/[^"]+)"', job.content.decode()).group(1)  # type: ignore[union-attr]
    review = official.get(review_url).content.decode()
    assert "Nothing has changed yet" in review
    assert re.search(r'data-testid="review-leaving-count">2<', review)
    assert "Member 1" in review and "P000002" in review and "Member 0</th>" not in review
    assert Member.objects.filter(left_on__isnull=False).count() == 0  # nothing changed by the review
    assert not AuditEntry.objects.filter(action="register.imported").exists()
    token = re.search(r'name="token" value="([0-9a-f-]+)"', review).group(1)  # type: ignore[union-attr]

    done = official.post("/union/register/confirm/", {"token": token}, follow=True)
    assert "2 marked as left" in done.content.decode()
    assert set(Member.objects.filter(left_on__isnull=False).values_list("membership_number", flat=True)) == {
        "P000001", "P000002"}
    imported = AuditEntry.objects.filter(action="register.imported").count()

    again = official.post("/union/register/confirm/", {"token": token}, follow=True).content.decode()
    assert "already confirmed: nothing changed the second time" in again and "2 marked as left" in again
    assert "review-confirmed" in official.get(review_url).content.decode()  # the review says it was confirmed
    assert AuditEntry.objects.filter(action="register.imported").count() == imported
    assert Member.objects.filter(left_on__isnull=False).count() == 2


def test_a_confirmation_that_names_no_reviewed_file_changes_nothing(official, union_org):
    page = official.post("/union/register/confirm/", {"token": "0" * 32}, follow=True).content.decode()
    assert "upload the file again to review it" in page
    assert official.get("/union/register/confirm/").status_code == 405
    assert Member.objects.filter(left_on__isnull=False).count() == 0


def test_a_bad_file_is_refused_at_the_review_and_nothing_changes(official, union_org):
    bad = ",".join(HEADER) + "\nP000000,Member 0,not-an-email,,0 High Street,ons,newport,Statistician,no,2019-01-01\n"
    page = official.post("/union/register/", {"file": upload(bad), "mark_missing_left": "on"},
                         follow=True).content.decode()  # the review's job page
    assert "The job failed" in page and "line 2: personal_email" in page and "/union/register/review/" not in page
    assert Member.objects.filter(left_on__isnull=False).count() == 0
    nul = official.post("/union/register/", {"file": upload("membership_number\x00,name\n")},
                        follow=True).content.decode()
    assert "NUL character" in nul


def test_an_import_without_marking_left_needs_no_review(official, union_org):
    text = register_csv({"newport": 2}, start=500)
    page = official.post("/union/register/", {"file": upload(text)}, follow=True).content.decode()
    assert "Imported 2 members: 2 new" in page
    assert Member.objects.filter(left_on__isnull=False).count() == 0
    assert Workplace.objects.get(code="newport").members.count() == 4
