"""Every page of calling the action (union:action*) and of documents received (workplace:received*), opened by
every role of both sides: who gets in and who is refused, from a table written out here. The routes come from
the URL resolver, so a page added later fails the coverage test until someone decides who may open it; the
wings' own role tables leave these routes to this one (ROUTES)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import URLResolver, get_resolver, reverse

from mandate.platform.models import Document
from mandate.platform.roles import ROLES, UNION_ROLES

pytestmark = pytest.mark.django_db

OFFICIAL, REP = {"union_official"}, {"union_official", "branch_rep"}
HR = {"hr_admin"}
# (namespace, url name) -> (method, path parameters, roles let in). Empty POSTs come back 400 with the form's
# errors for those let in (platform/inputs.py's convention for refused input); nothing is written.
MATRIX = {
    ("union", "action"): ("get", "", REP),
    ("union", "action_notice_new"): ("post", "", OFFICIAL),
    ("union", "action_notice_file"): ("get", "notice file", REP),
    ("union", "action_document_package"): ("get", "document", REP),
    ("union", "action_notice_change"): ("get", "notice", OFFICIAL),
    ("union", "action_employer_key"): ("post", "", OFFICIAL),
    ("union", "action_receipt_import"): ("post", "", OFFICIAL),
    ("union", "action_calendar"): ("get", "", REP),
    ("union", "action_calendar_feed_new"): ("post", "", OFFICIAL),
    ("union", "action_calendar_feed_revoke"): ("post", "", OFFICIAL),
    ("workplace", "received"): ("get", "", HR),
    ("workplace", "received_import"): ("post", "", HR),
    ("workplace", "received_sender_key"): ("post", "", HR),
    ("workplace", "received_detail"): ("get", "received", HR),
    ("workplace", "received_pdf"): ("get", "received", HR),
    ("workplace", "received_ack"): ("post", "received", HR),
    ("workplace", "received_dispute_mode"): ("post", "received", HR),
    ("workplace", "received_record"): ("post", "result", HR),
}
ROUTES = {name for _, name in MATRIX}  # the wings' role tables (test_union_role_matrix, test_roles) skip these


def _patterns() -> set[tuple[str, str]]:
    out = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in ("union", "workplace"):
            out |= {(entry.namespace, p.name) for p in entry.url_patterns
                    if p.name == "action" or p.name.startswith(("action_", "received"))}
    return out


def test_the_table_covers_every_route_and_each_is_one_side():
    assert _patterns() == set(MATRIX)
    for (namespace, name), (_, _, roles) in MATRIX.items():
        side = {ROLES[r].side for r in roles}
        assert len(side) == 1, name
        assert (namespace == "union") is (roles <= UNION_ROLES), name


@pytest.fixture
def world(union_org, employer_org, make_user):
    from mandate.union.models import ActionNotice, Employer, SentPackage
    from mandate.union.models import Mandate as UnionMandate
    from mandate.workplace.models import ReceivedPackage, SenderKey

    ons = Employer.objects.get(code="ons")
    mandate = UnionMandate.objects.create(union=union_org, unit_name="Newport", employer=ons, kind="strike",
                                          opening_day=date(2026, 11, 2), date_of_ballot=date(2026, 11, 16),
                                          last_day=date(2027, 11, 15), entitled=10, voted=6, yes=5, no=1,
                                          created_by="t")
    doc = Document.objects.create(kind="s234a-notice", title="Notice", issued_by_side="union", issued_by_scope="pcs",
                                  html="<p>n</p>", pdf=b"%PDF-1.7", sha256="0" * 64)
    package = SentPackage.objects.create(union=union_org, employer=ons, document=doc, package=b"{}", digest="1" * 64)
    notice = ActionNotice.objects.create(union=union_org, mandate=mandate, employer=ons, days=["2026-12-01"],
                                         expected_receipt=date(2026, 11, 19), sent_on=date(2026, 11, 18),
                                         package=package, created_by="t")
    ballot_doc = Document.objects.create(kind="s226a-notice", title="Notice of ballot", issued_by_side="union",
                                         issued_by_scope="pcs", html="<p>n</p>", pdf=b"%PDF-1.7", sha256="5" * 64,
                                         related_type="Ballot", related_id="1")
    SentPackage.objects.create(union=union_org, employer=ons, document=ballot_doc, package=b"{}", digest="6" * 64)
    key = SenderKey.objects.create(organisation=employer_org, sender_name="PCS", public_key="2" * 64, recorded_by="t")
    received = ReceivedPackage.objects.create(organisation=employer_org, sender_key=key, digest="3" * 64,
                                              kind="s234a-notice", title="Notice", issuer="PCS", facts={},
                                              pdf=b"%PDF-1.7", pdf_sha256="4" * 64, received_on=date(2026, 11, 19),
                                              imported_by="t")
    result = ReceivedPackage.objects.create(organisation=employer_org, sender_key=key, digest="7" * 64,
                                            kind="s231a-result", title="Result", issuer="PCS", facts={},
                                            pdf=b"%PDF-1.7", pdf_sha256="8" * 64, received_on=date(2026, 11, 19),
                                            imported_by="t")
    users = {role: make_user(role, "pcs" if role in UNION_ROLES else "ons") for role in ROLES}
    params = {"": {}, "notice file": {"pk": notice.pk, "fmt": "pdf"}, "notice": {"pk": notice.pk},
              "document": {"pk": ballot_doc.pk},
              "received": {"pk": received.pk}, "result": {"pk": result.pk}}
    return {"users": users, "params": params}


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_who_may_open_it(route, world, client):
    from mandate.union.models import ActionNotice
    from mandate.workplace.models import ReceivedPackage, SenderKey

    namespace, name = route
    method, params, allowed = MATRIX[route]
    url = reverse(f"{namespace}:{name}", kwargs=world["params"][params])
    assert getattr(client, method)(url).status_code == 302  # anonymous: to the sign-in page
    before = (ActionNotice.objects.count(), ReceivedPackage.objects.count(), SenderKey.objects.count())
    for role, user in world["users"].items():
        client.force_login(user)
        status = getattr(client, method)(url).status_code
        if role in allowed:
            assert status in ((200,) if method == "get" else (200, 302, 400)), (role, status)
        else:
            assert status == 403, (role, status)
    assert (ActionNotice.objects.count(), ReceivedPackage.objects.count(), SenderKey.objects.count()) == before


def test_another_union_or_organisation_finds_none_of_these_records(world, client, make_user):
    from mandate.union.models import Union
    from mandate.workplace.models import Organisation

    Union.objects.create(code="prospect", name="Prospect")
    Organisation.objects.create(code="hmrc", name="HMRC")
    for role, scope, namespace in (("union_official", "prospect", "union"), ("hr_admin", "hmrc", "workplace")):
        client.force_login(make_user(role, scope, username=f"{role}-{scope}-other"))
        for (ns, name), (method, params, _) in MATRIX.items():
            if ns == namespace and params:
                url = reverse(f"{ns}:{name}", kwargs=world["params"][params])
                assert getattr(client, method)(url).status_code == 404, (name, role)
