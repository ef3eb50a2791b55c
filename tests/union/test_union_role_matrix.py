"""Every union page, opened by every union-side role: who gets in and who is refused, from a table written out here.

The routes come from the URL resolver's `union` namespace, so a page added later fails the coverage test until
someone decides, in the table below, who may open it. Path parameters are filled with real objects: a dispute,
a ballot with its electorate frozen, its notice of ballot and its voting papers issued, and a mandate.

What the roles are for (platform/roles.py):
- union official: disputes, the register, ballots, notices and mandates; sets up and runs ballots.
- branch representative: disputes, turnout and mandates, read-only; never the register, never the voting
  papers (every elector's name and home address).
- member: their ballots' results, with the result (s.231) and the scrutineer's report (s.231B(2)); nothing of
  the register or the running of a ballot.
- scrutineer: the papers, returns, count and report of the ballot they are appointed to, and nothing of
  another ballot whose appointed scrutineer is someone else (the "other scrutineer" column).
- trustee: holds a share of an e-ballot's key; sees the dashboard and results, nothing else.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.urls import URLResolver, get_resolver, reverse
from tests.union.test_action_role_matrix import ROUTES as ACTION_ROUTES

from mandate.platform.models import Document
from mandate.platform.roles import UNION_ROLES
from mandate.union import ballots as svc
from mandate.union import documents as docs
from mandate.union import mandates
from mandate.union.models import Ballot, Dispute, DisputeEvent, Employer, Mandate, Member, Union

pytestmark = pytest.mark.django_db

# The accounts: (role, username). The ballot names "scrutineer-appointed" as its scrutineer's account.
ACCOUNTS = {
    "official": ("union_official", "official"),
    "rep": ("branch_rep", "rep"),
    "member": ("member", "member"),
    "scrutineer": ("scrutineer", "scrutineer-appointed"),
    "other scrutineer": ("scrutineer", "scrutineer-other"),
    "trustee": ("trustee", "trustee"),
}
COLUMNS = list(ACCOUNTS)

# route label -> (url name, method, path parameters, status for each account in COLUMNS order).
# 200 or 302 is let in (302 where a step redirects back to its page); 403 or 404 is refused.
# A POST with no data to a page that takes a form tests who may write there: the form comes back (200) with
# its errors for someone allowed; nothing is written either way.
MATRIX: dict[str, tuple[str, str, str, tuple[int, ...]]] = {
    #                                                                  official rep member scrut other trustee
    "dashboard": ("dashboard", "get", "", (200, 200, 200, 200, 200, 200)),
    "disputes": ("disputes", "get", "", (200, 200, 403, 403, 403, 403)),
    "disputes, open one": ("disputes", "post", "", (200, 403, 403, 403, 403, 403)),
    "dispute": ("dispute", "get", "dispute", (200, 200, 403, 403, 403, 403)),
    "dispute, add an event": ("dispute", "post", "dispute", (200, 403, 403, 403, 403, 403)),
    "register": ("register", "get", "", (200, 403, 403, 403, 403, 403)),
    "register, import": ("register", "post", "", (200, 403, 403, 403, 403, 403)),
    "register export": ("register_export", "get", "", (200, 403, 403, 403, 403, 403)),
    "register, confirm marking left": ("register_confirm", "post", "", (302, 403, 403, 403, 403, 403)),
    # a review is its job's: another official's (here: none) is not found, even by an official
    "register, a review": ("register_review", "get", "review", (404, 403, 403, 403, 403, 403)),
    "ballots": ("ballots", "get", "", (200, 200, 403, 200, 200, 403)),
    "new ballot": ("ballot_new", "get", "", (200, 403, 403, 403, 403, 403)),
    "new ballot, create": ("ballot_new", "post", "", (200, 403, 403, 403, 403, 403)),
    "ballot": ("ballot", "get", "ballot", (200, 200, 403, 200, 403, 403)),
    "ballot step": ("ballot_action", "post", "step", (302, 403, 403, 403, 403, 403)),
    "document dates": ("document_dates", "post", "notice dates", (302, 403, 403, 403, 403, 403)),
    "notice of ballot": ("document_file", "get", "notice", (200, 200, 403, 200, 403, 403)),
    "voting papers": ("document_file", "get", "papers", (200, 404, 403, 200, 403, 403)),
    "address sheets (names and addresses)": ("address_sheets", "get", "ballot", (200, 403, 403, 200, 404, 403)),
    "turnout": ("turnout", "get", "ballot", (200, 200, 403, 200, 403, 403)),
    "returned papers": ("returns", "get", "ballot", (403, 403, 403, 200, 403, 403)),
    "returned papers, record": ("returns", "post", "ballot", (403, 403, 403, 200, 403, 403)),
    "ballot stations (a postal ballot has none)": ("stations", "get", "ballot", (403, 403, 403, 403, 403, 403)),
    "count": ("count", "post", "ballot", (403, 403, 403, 302, 403, 403)),
    "results": ("results", "get", "ballot", (200, 200, 200, 200, 200, 200)),
    "result to members (s.231)": ("result_document", "get", "result", (200, 200, 200, 200, 200, 200)),
    "the employer's result notice, by the members' route": ("result_document", "get", "employer result",
                                                            (404, 404, 404, 404, 404, 404)),
    "the voting papers, by the members' route": ("result_document", "get", "papers", (404, 404, 404, 404, 404, 404)),
    "scrutineer's report": ("scrutineer_report", "post", "ballot", (403, 403, 403, 302, 403, 403)),
    # an electronic ballot's pages (the table's ballot is postal: those let in find no election record, 404)
    "electronic ballot": ("election", "get", "ballot", (404, 404, 403, 404, 404, 404)),
    "electronic ballot, make its record": ("election", "post", "ballot", (404, 404, 403, 404, 404, 404)),
    "members an e-ballot cannot reach": ("election_unreachable", "get", "ballot", (200, 403, 403, 403, 403, 403)),
    "trustee's page": ("trustee", "get", "ballot", (403, 403, 403, 404, 404, 404)),
    "trustee's upload": ("trustee", "post", "ballot", (403, 403, 403, 404, 404, 404)),
    # the demo's page for the member (MANDATE_DEMO=1 only: here it is off, so even the member finds nothing)
    "demo: vote as a member": ("demo_vote", "get", "", (403, 403, 404, 403, 403, 403)),
    "mandates": ("mandates", "get", "", (200, 200, 403, 403, 403, 403)),
    "mandates, enter one": ("mandates", "post", "", (200, 403, 403, 403, 403, 403)),
    "renewal": ("renewal", "get", "mandate", (200, 200, 403, 403, 403, 403)),
    "mandate agreed with the employer": ("mandate_agreement", "post", "mandate", (302, 403, 403, 403, 403, 403)),
    "court order for a mandate": ("mandate_court_order", "post", "mandate", (302, 403, 403, 403, 403, 403)),
}


def union_patterns() -> dict[str, set[str]]:
    """url name -> its path parameters, for every pattern of the union app, from the resolver."""
    resolvers = [e for e in get_resolver().url_patterns if isinstance(e, URLResolver) and e.namespace == "union"]
    assert len(resolvers) == 1
    return {p.name: set(p.pattern.converters) for p in resolvers[0].url_patterns}


def test_the_table_covers_every_union_route_and_every_union_role() -> None:
    patterns = union_patterns()
    assert {name for name, _, _, _ in MATRIX.values()} == set(patterns) - ACTION_ROUTES  # those: their own table
    assert {role for role, _ in ACCOUNTS.values()} == UNION_ROLES
    for label, (_, _, _, statuses) in MATRIX.items():
        assert len(statuses) == len(COLUMNS), label
        assert set(statuses) <= {200, 302, 403, 404}, label


@pytest.fixture
def world(union_org, make_user):
    """The demo-like union of the other union tests, with a dispute, a frozen ballot whose notice and voting
    papers are issued, a mandate, and one account for each column of the table."""
    ons = Employer.objects.get(code="ons")
    dispute = Dispute.objects.create(union=union_org, code="attendance", title="Office attendance",
                                     matters="The 40% office attendance rule.", opened_on=date(2024, 4, 1))
    dispute.employers.set([ons])
    ballot = svc.create_ballot(union_org, dispute, code="ons-2026-11", title="Industrial action ballot",
                               opening_day=date(2027, 1, 4), closing_day=date(2027, 1, 25), employers=[ons],
                               questions={"strike": {}}, scrutineer_name="Civica Election Services",
                               scrutineer_username="scrutineer-appointed", return_address="PO Box 1")
    svc.freeze_electorate(ballot)
    notice = docs.issue_notice(ballot, ons, sent_on=date(2026, 12, 14), expected_receipt=date(2026, 12, 16))
    papers = docs.issue_voting_papers(ballot)
    mandate = mandates.enter_mandate(union_org, employer=ons, unit_name="Newport", kind="strike",
                                opening_day=date(2026, 9, 1), date_of_ballot=date(2026, 9, 22), entitled=100,
                                voted=60, yes=40, no=20, dispute=dispute)
    result, employer_result = (
        Document.objects.create(kind=kind, title=kind, issued_by_side="union", issued_by_scope="pcs",
                                html=f"<p>{kind}</p>", sha256="0" * 64, related_type="Ballot",
                                related_id=str(ballot.pk), sent_on=date(2027, 1, 26))
        for kind in ("s231-result", "s231a-result"))
    users = {column: make_user(role, "pcs", username=username) for column, (role, username) in ACCOUNTS.items()}
    params = {
        "": {},
        "dispute": {"pk": dispute.pk},
        "ballot": {"pk": ballot.pk},
        "step": {"pk": ballot.pk, "action": "dates"},
        "notice": {"pk": ballot.pk, "doc": notice.pk, "fmt": "html"},
        "notice dates": {"pk": ballot.pk, "doc": notice.pk},
        "papers": {"pk": ballot.pk, "doc": papers.pk, "fmt": "pdf"},
        "result": {"pk": ballot.pk, "doc": result.pk, "fmt": "html"},
        "employer result": {"pk": ballot.pk, "doc": employer_result.pk, "fmt": "html"},
        "mandate": {"pk": mandate.pk},
        "review": {"pk": uuid.uuid4()},
    }
    return {"ballot": ballot, "users": users, "params": params}


def _snapshot(ballot: Ballot) -> tuple[object, ...]:
    ballot.refresh_from_db()
    return (Dispute.objects.count(), DisputeEvent.objects.count(), Member.objects.count(), Ballot.objects.count(),
            Mandate.objects.count(), Document.objects.count(), ballot.status, ballot.opening_day,
            ballot.closing_day, ballot.returns.count())


@pytest.mark.parametrize("label", list(MATRIX))
def test_who_may_open_it(label, world, client) -> None:
    name, method, params, statuses = MATRIX[label]
    kwargs = world["params"][params]
    assert set(kwargs) == union_patterns()[name], f"{name} takes {union_patterns()[name]}"
    url = reverse(f"union:{name}", kwargs=kwargs)
    before = _snapshot(world["ballot"])
    got = {}
    for column in COLUMNS:
        client.force_login(world["users"][column])
        got[column] = getattr(client, method)(url).status_code
    assert got == dict(zip(COLUMNS, statuses, strict=True)), f"{method.upper()} {url}"
    assert _snapshot(world["ballot"]) == before  # empty posts and refused requests write nothing


def test_a_scrutineer_lists_only_the_ballots_they_scrutinise(world, client) -> None:
    ballot = world["ballot"]
    client.force_login(world["users"]["other scrutineer"])
    for url in ("/union/", "/union/ballots/"):
        assert ballot.title not in client.get(url).content.decode()
    for column in ("scrutineer", "official", "rep"):
        client.force_login(world["users"][column])
        assert ballot.title in client.get("/union/ballots/").content.decode(), column


def test_an_official_of_another_union_finds_none_of_these_records(world, client, make_user) -> None:
    Union.objects.create(code="prospect", name="Prospect")
    client.force_login(make_user("union_official", "prospect"))
    for label, (name, method, params, _) in MATRIX.items():
        if params:
            url = reverse(f"union:{name}", kwargs=world["params"][params])
            status = getattr(client, method)(url).status_code
            expected = 403 if name in ("returns", "count", "scrutineer_report", "trustee") else 404
            assert status == expected, (label, status)
    assert world["ballot"].title not in client.get("/union/ballots/").content.decode()


def test_the_ballot_page_offers_the_voting_papers_only_to_who_may_open_them(world, client) -> None:
    papers = reverse("union:document_file", kwargs=world["params"]["papers"])
    notice = reverse("union:document_file", kwargs=world["params"]["notice"])
    for column, offered in (("official", True), ("scrutineer", True), ("rep", False)):
        client.force_login(world["users"][column])
        page = client.get(reverse("union:ballot", kwargs=world["params"]["ballot"])).content.decode()
        assert (papers in page) is offered and notice in page, column


def test_every_opening_of_a_ballot_document_is_in_the_audit_log(world, client) -> None:
    """The voting papers hold every elector's name and home address: each time someone opens them (or any other
    document of the ballot, by either route) the audit log says who, which document and in which format; a
    refused request leaves no such entry."""
    from mandate.platform.models import AuditEntry

    opened = []
    for column in COLUMNS:
        client.force_login(world["users"][column])
        for params, name in (("papers", "document_file"), ("notice", "document_file"), ("result", "result_document")):
            kwargs = world["params"][params]
            if client.get(reverse(f"union:{name}", kwargs=kwargs)).status_code == 200:
                opened.append((ACCOUNTS[column][1], str(kwargs["doc"]), kwargs["fmt"]))
    logged = [(e.actor, e.object_id, e.detail["format"])
              for e in AuditEntry.objects.filter(action="document.viewed").order_by("seq")]
    assert logged == opened
    papers = str(world["params"]["papers"]["doc"])
    assert [a for a, doc, _ in logged if doc == papers] == ["official", "scrutineer-appointed"]
