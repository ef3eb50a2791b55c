"""Bad input to the union wing: a clear one-line refusal, never a traceback, a half-made ballot or a 500."""

from __future__ import annotations

import io
from datetime import date

import pytest
from tests.union.helpers import register_csv
from tests.union.test_cli_journey import SPEC
from typer.testing import CliRunner

from mandate.cli import app
from mandate.union import ballots as svc
from mandate.union.models import Ballot, Dispute, Employer, Member
from mandate.union.register import RegisterImportError, import_register

pytestmark = pytest.mark.django_db
runner = CliRunner()


def ballot_cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ballot", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output


def write_spec(tmp_path, text: str, name: str = "ballot.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------------------------------------------------------
# ballot create: atomic, and ordinary mistakes named in one line
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("change", [
    ('employers = ["ons"]', 'employers = ["ons"]\ncategories = ["Nobody has this job"]'),
    ("sent_on = 2026-10-20", 'sent_on = "20 October 2026"'),
])
def test_a_failed_create_leaves_nothing_behind_and_can_be_rerun(union_org, tmp_path, change):
    spec = write_spec(tmp_path, SPEC.replace(*change))
    first = ballot_cli("create", spec, "--no-papers")
    assert first[0] != 0
    assert not Ballot.objects.exists() and not Dispute.objects.exists()
    second = ballot_cli("create", spec, "--no-papers")
    assert second == first
    assert "IntegrityError" not in second[1] and len(second[1].strip().splitlines()) == 1


def test_a_ballot_code_already_used_is_refused_up_front(union_org, tmp_path):
    dispute = Dispute.objects.create(union=union_org, code="other", title="t", matters="m", opened_on=date(2025, 1, 1))
    Ballot.objects.create(union=union_org, dispute=dispute, code="ons-2026-11", title="Earlier",
                          opening_day=date(2026, 1, 5), closing_day=date(2026, 1, 19))
    code, out = ballot_cli("create", write_spec(tmp_path, SPEC), "--no-papers")
    assert code == 2 and "a ballot with code 'ons-2026-11' already exists" in out
    assert not Dispute.objects.filter(code="ons-attendance").exists()


@pytest.mark.parametrize(("spec", "expected"), [
    (None, "cannot read"),
    ('union = "pcs"\ncode = [', "not valid TOML"),
    (SPEC.replace('union = "pcs"\n', ""), "union: missing"),
    (SPEC.replace("opening_day = 2026-11-02", 'opening_day = "2026-02-30"'),
     "opening_day: not a valid date (YYYY-MM-DD): '2026-02-30'"),
    (SPEC.replace("opened_on = 2024-04-01", 'opened_on = "yesterday"'),
     "dispute_details.opened_on: not a valid date (YYYY-MM-DD): 'yesterday'"),
    (SPEC.replace("[questions.strike]\n[questions.action_short_of_strike]\n", "")
         .replace('action_types = "Refusing to comply with the 40% attendance requirement\\\\nOvertime ban"\n', ""),
     "questions: missing"),
])
def test_create_names_an_ordinary_mistake_in_one_line(union_org, tmp_path, spec, expected):
    path = str(tmp_path / "missing.toml") if spec is None else write_spec(tmp_path, spec)
    code, out = ballot_cli("create", path, "--no-papers")
    assert code == 2 and expected in out, out
    assert len(out.strip().splitlines()) == 1
    assert not Ballot.objects.exists()


def test_create_names_bad_json(union_org, tmp_path):
    code, out = ballot_cli("create", write_spec(tmp_path, '{"union": "pcs",', "b.json"), "--no-papers")
    assert code == 2 and "not valid JSON" in out


# ---------------------------------------------------------------------------------------------------------------
# other commands: date options and files
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("mandates", "pcs", "--on", "2026-02-30"),
    ("turnout", "pcs", "nope", "--on", "soon"),
])
def test_a_bad_date_option_is_named(union_org, args):
    code, out = ballot_cli(*args)
    assert code == 2 and "--on: not a valid date (YYYY-MM-DD)" in out


def test_register_and_returns_files_that_cannot_be_read(union_org, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes(register_csv({"newport": 1}).replace("Member", "Zoë").encode("latin-1"))
    code, out = ballot_cli("import-register", "pcs", str(latin))
    assert code == 2 and "not UTF-8 text" in out
    assert Member.objects.count() == 3
    code, out = ballot_cli("import-register", "pcs", str(tmp_path / "gone.csv"))
    assert code == 2 and "cannot read" in out
    dispute = Dispute.objects.create(union=union_org, code="d", title="t", matters="m", opened_on=date(2025, 1, 1))
    Ballot.objects.create(union=union_org, dispute=dispute, code="b", title="B",
                          opening_day=date(2026, 1, 5), closing_day=date(2026, 1, 19))
    code, out = ballot_cli("import-returns", "pcs", "b", str(tmp_path / "gone.csv"))
    assert code == 2 and "cannot read" in out
    code, out = ballot_cli("export-register", "pcs", str(tmp_path / "no-such-folder" / "out.csv"))
    assert code == 2 and "cannot write" in out


# ---------------------------------------------------------------------------------------------------------------
# web forms
# ---------------------------------------------------------------------------------------------------------------


def test_register_upload_refuses_a_file_that_is_not_utf8(union_org, client, make_user):
    client.force_login(make_user("union_official", "pcs"))
    upload = io.BytesIO(register_csv({"newport": 2}).replace("Member", "Zoë").encode("latin-1"))
    upload.name = "r.csv"
    response = client.post("/union/register/", {"file": upload}, follow=True)  # to the import's job page
    assert response.redirect_chain[0][1] == 302 and "The job failed: The file is not UTF-8 text" in (
        response.content.decode())
    assert not Member.objects.filter(name__startswith="Zo").exists()


def test_returns_upload_refuses_a_file_that_is_not_utf8(union_org, client, make_user):
    import_register(union_org, register_csv({"newport": 3}))
    dispute = Dispute.objects.create(union=union_org, code="d", title="t", matters="m", opened_on=date(2025, 1, 1))
    b = svc.create_ballot(union_org, dispute, code="b", title="B", opening_day=date(2026, 11, 2),
                          closing_day=date(2026, 11, 16), employers=[Employer.objects.get(code="ons")],
                          questions={"strike": {}}, scrutineer_name="Civica", return_address="PO Box 1")
    client.force_login(make_user("scrutineer", "pcs"))
    upload = io.BytesIO("paper_number,received_on,strike\n1,2026-11-05,oui \xe9\n".encode("latin-1"))
    upload.name = "returns.csv"
    response = client.post(f"/union/ballots/{b.pk}/returns/", {"file": upload})
    assert response.status_code == 400 and "The file is not UTF-8 text" in response.content.decode()


def test_web_refuses_a_dispute_or_ballot_code_already_used(union_org, client, make_user):
    client.force_login(make_user("union_official", "pcs"))
    ons = Employer.objects.get(code="ons")
    dispute = Dispute.objects.create(union=union_org, code="pay", title="Pay", matters="m", opened_on=date(2025, 1, 1))
    response = client.post("/union/disputes/", {"code": "pay", "title": "Pay again", "matters": "m",
                                                "employers": [ons.pk], "opened_on": "2025-02-01"})
    assert response.status_code == 200 and "A dispute with this code already exists" in response.content.decode()
    Ballot.objects.create(union=union_org, dispute=dispute, code="b1", title="B",
                          opening_day=date(2026, 1, 5), closing_day=date(2026, 1, 19))
    response = client.post("/union/ballots/new/", {
        "dispute": dispute.pk, "code": "b1", "title": "Again", "employers": [ons.pk], "strike": "on",
        "units_mode": "separate", "voting_method": "postal", "return_address": "PO Box 1", "caller": "GS",
        "opening_day": "2026-11-02", "closing_day": "2026-11-16"})
    assert response.status_code == 200 and "A ballot with this code already exists" in response.content.decode()
    assert Ballot.objects.count() == 1 and Dispute.objects.count() == 1


# ---------------------------------------------------------------------------------------------------------------
# line numbers and extra fields
# ---------------------------------------------------------------------------------------------------------------


def test_register_errors_name_the_line_where_a_record_starts(union_org):
    text = ("membership_number,name,home_address,employer,workplace,job_category,join_date\n"
            'A1,Ann,"1 High Street\nNewport",ons,newport,Statistician,2020-01-01\n'
            "A2,Bob,2 High Street,ons,leeds,Statistician,2020-01-01\n")
    with pytest.raises(RegisterImportError) as caught:
        import_register(union_org, text)
    assert [e.line for e in caught.value.errors] == [4]


@pytest.fixture
def open_ballot(union_org) -> Ballot:
    from mandate.union import services

    import_register(union_org, register_csv({"newport": 3}))
    ons = Employer.objects.get(code="ons")
    dispute = Dispute.objects.create(union=union_org, code="d", title="t", matters="m", opened_on=date(2025, 1, 1))
    b = svc.create_ballot(union_org, dispute, code="b", title="B", opening_day=date(2026, 11, 2),
                          closing_day=date(2026, 11, 16), employers=[ons], questions={"strike": {}},
                          scrutineer_name="Civica", return_address="PO Box 1")
    svc.freeze_electorate(b)
    services.issue_notices(b, sent_on=date(2026, 10, 20), received_on=date(2026, 10, 22))
    services.issue_voting_papers(b)
    services.open_ballot(b)
    return b


def test_returns_refuse_a_row_with_extra_fields_and_count_lines_by_record(open_ballot):
    text = ('paper_number,received_on,strike\n1,2026-11-05,"yes"\n2,2026-11-05,yes,no\n'
            '3,"2026-11-05",no\n99,2026-11-05,yes\n')
    with pytest.raises(svc.ReturnsImportError) as caught:
        svc.import_returns(open_ballot, text)
    assert caught.value.errors[0].startswith("line 3: ") and "more fields than the header" in caught.value.errors[0]
    assert caught.value.errors[1].startswith("line 5: ")
    assert not open_ballot.returns.exists()
    multi = 'paper_number,received_on,strike\n"1\n",2026-11-05,yes\n99,2026-11-05,yes\n'
    with pytest.raises(svc.ReturnsImportError) as caught:
        svc.import_returns(open_ballot, multi)
    assert [e.split(":")[0] for e in caught.value.errors] == ["line 4"]
