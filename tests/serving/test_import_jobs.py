"""The big imports and the evidence pack run as jobs on the real database queue (django-tasks-db), never in
the request: each is started through the web, its page read while it waits, then worked, then its result
read. The uploaded file waits for the worker in MANDATE_UPLOAD_DIR, owner-only, and is gone afterwards; the
job's page and result are for the account that started it, in the role it started it with."""

from __future__ import annotations

import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from tests.union.helpers import register_csv
from tests.workplace.conftest import INDIVIDUAL_40

from mandate.platform.models import AuditEntry, Job, RoleAssignment
from mandate.union.models import Member
from mandate.workplace.models import Absence, AttendancePolicy, ImportBatch, Team

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.job_queue]

LEAVE = b"staff_id,date,kind\nS00000,2026-11-02,annual_leave\nS00001,2026-11-03,sickness\n"


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.JOB_HEARTBEAT_SECONDS = 0  # the worker runs in this process (test_jobs.py says why)
    settings.MANDATE_UPLOAD_DIR = tmp_path / "uploads"
    return settings.MANDATE_UPLOAD_DIR


def work() -> None:
    call_command("db_worker", queue_name="default,mail", batch=True, reload=False, startup_delay=False,
                 interval=0, verbosity=0)


def kept(folder) -> list:
    return sorted(folder.glob("*.upload")) if folder.exists() else []


def test_a_ledger_import_is_a_job_with_its_file_kept_for_the_worker(client, make_user, employer_org,
                                                                    _uploads) -> None:
    hr = make_user("hr_admin")
    client.force_login(hr)
    response = client.post(reverse("workplace:imports"), {"kind": "absences",
                                                          "file": SimpleUploadedFile("leave.csv", LEAVE)})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("job", args=[job.pk])
    assert not Absence.objects.exists() and not ImportBatch.objects.exists()  # nothing done in the request
    [waiting] = kept(_uploads)
    assert waiting.read_bytes() == LEAVE and stat.S_IMODE(waiting.stat().st_mode) == 0o600
    assert str(waiting.name) == job.arguments["upload"] and "S00000" not in str(job.arguments)
    page = client.get(response["Location"]).content.decode()
    assert "Waiting for a worker" in page and 'http-equiv="refresh"' in page
    # the same file sent again while it waits (a double click): the same job, one file kept
    again = client.post(reverse("workplace:imports"), {"kind": "absences",
                                                       "file": SimpleUploadedFile("leave.csv", LEAVE)})
    assert again["Location"] == response["Location"] and Job.objects.count() == 1 and len(kept(_uploads)) == 1
    work()
    job.refresh_from_db()
    assert (job.status, job.result_url) == ("succeeded", reverse("workplace:imports"))
    assert job.result_text == "Imported leave.csv: 2 rows read, 2 records written."
    assert Absence.objects.count() == 2 and ImportBatch.objects.get().written == 2
    assert kept(_uploads) == []  # removed once the job finished
    page = client.get(response["Location"]).content.decode()
    assert "Imported leave.csv: 2 rows read, 2 records written." in page and "http-equiv" not in page
    # once finished, the same file is a new job that changes nothing
    client.post(reverse("workplace:imports"), {"kind": "absences", "file": SimpleUploadedFile("l.csv", LEAVE)})
    work()
    assert "already imported" in Job.objects.latest("created_at").result_text and Absence.objects.count() == 2


def test_a_refused_file_names_line_and_field_on_the_job_page_and_writes_nothing(client, make_user,
                                                                                employer_org, _uploads) -> None:
    client.force_login(make_user("hr_admin"))
    bad = LEAVE + b"S00002,2026-11-04,gardening\nS99999,2026-11-05,sickness\n"
    response = client.post(reverse("workplace:imports"), {"kind": "absences",
                                                          "file": SimpleUploadedFile("leave.csv", bad)})
    work()
    job = Job.objects.get()
    assert job.status == "failed" and job.error_lines[0] == "The file was refused; nothing of it was written."
    assert job.error_lines[1:] == ["Line 4, field \u2018kind\u2019: 'gardening' is not one of annual_leave, "
                                   "official_business, sickness, special_leave, training",
                                   "Line 5, field \u2018staff_id\u2019: 'S99999' is not a member of staff of "
                                   "Office for National Statistics"]
    page = client.get(response["Location"]).content.decode()
    assert "The job failed: The file was refused" in page and "<li>Line 5, field \u2018staff_id\u2019" in page
    assert not Absence.objects.exists() and not ImportBatch.objects.exists() and kept(_uploads) == []


def test_an_organisation_import_is_a_job(client, make_user, employer_org) -> None:
    client.force_login(make_user("hr_admin"))
    teams = b"team_code,name,directorate\nprices,Prices,Economic\ncensus,Census,Population\n"
    response = client.post(reverse("workplace:imports"), {"kind": "teams",
                                                          "file": SimpleUploadedFile("teams.csv", teams)})
    assert not Team.objects.filter(code="census").exists()
    work()
    page = client.get(response["Location"]).content.decode()
    assert "Imported teams.csv: 2 rows read; 1 added, 1 updated, 0 unchanged." in page
    assert Team.objects.filter(code="census").exists()


def test_a_register_import_is_a_job_and_its_review_too(client, make_user, union_org, _uploads) -> None:
    official = make_user("union_official", "pcs")
    client.force_login(official)
    text = register_csv({"newport": 4}, start=700)
    response = client.post("/union/register/", {"file": SimpleUploadedFile("r.csv", text.encode())})
    assert response.status_code == 302 and Member.objects.count() == 3
    work()
    page = client.get(response["Location"]).content.decode()
    assert "Imported 4 members: 4 new, 0 updated, 0 unchanged." in page and Member.objects.count() == 7
    # the review: a job, whose file stays for the confirmation, which is a job too, once
    review = client.post("/union/register/", {"file": SimpleUploadedFile("r.csv", text.encode()),
                                              "mark_missing_left": "on"})
    work()
    job = Job.objects.get(kind="register-review")
    assert job.result_url == reverse("union:register_review", args=[job.pk]) and len(kept(_uploads)) == 1
    page = client.get(review["Location"]).content.decode()
    assert "Nothing has changed yet: 3 members would be marked as left" in page
    assert "3 members" in client.get(job.result_url).content.decode()
    assert client.get(reverse("job_result", args=[job.pk])).status_code == 200  # only its owner: see below
    first = client.post("/union/register/confirm/", {"token": str(job.pk)})
    second = client.post("/union/register/confirm/", {"token": str(job.pk)})
    assert first["Location"] == second["Location"] and Job.objects.filter(kind="register-import").count() == 2
    work()
    assert Member.objects.filter(left_on__isnull=False).count() == 3 and kept(_uploads) == []
    assert "3 marked as left" in client.get(first["Location"]).content.decode()


def test_the_evidence_pack_is_a_job_whose_pdf_only_its_owner_reads(client, make_user, employer_org) -> None:
    policy = AttendancePolicy.objects.create(organisation=employer_org, toml=INDIVIDUAL_40, is_default=True)
    analyst = make_user("analyst")
    client.force_login(analyst)
    form = {"date_from": "2026-10-01", "date_to": "2026-10-31", "policy": policy.pk, "days_a_week": "2"}
    response = client.post(reverse("workplace:evidence_pdf"), form)
    job = Job.objects.get()
    assert client.post(reverse("workplace:evidence_pdf"), form)["Location"] == response["Location"]  # once
    assert not AuditEntry.objects.filter(action="equality_evidence.read").exists()  # not read yet
    assert "Waiting for a worker" in client.get(response["Location"]).content.decode()
    assert client.get(reverse("job_result", args=[job.pk])).status_code == 404  # nothing made yet
    work()
    job.refresh_from_db()
    page = client.get(response["Location"]).content.decode()
    assert job.status == "succeeded" and f'href="{reverse("job_result", args=[job.pk])}"' in page
    pdf = client.get(reverse("job_result", args=[job.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf["Content-Type"] == "application/pdf"
    assert "no-store" in pdf["Cache-Control"] and "equality-evidence-ons-2026-10-01" in pdf["Content-Disposition"]
    assert AuditEntry.objects.filter(action="equality_evidence.read", actor="analyst-ons").count() == 1
    assert AuditEntry.objects.filter(action="job.result_read", object_id=str(job.pk)).count() == 1
    # anyone else, even an HR administrator of the same organisation, or a union official: no such job
    for other in (make_user("hr_admin"), make_user("union_official", "pcs")):
        client.force_login(other)
        for name in ("job", "job_status", "job_result"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, name
    # the analyst who lost the role: no longer theirs to read
    RoleAssignment.objects.filter(user=analyst).delete()
    client.force_login(analyst)
    assert client.get(reverse("job_result", args=[job.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("job_result", args=[job.pk])).status_code == 302  # to the sign-in page


def test_a_job_whose_file_was_lost_says_so(client, make_user, employer_org, _uploads) -> None:
    client.force_login(make_user("hr_admin"))
    response = client.post(reverse("workplace:imports"), {"kind": "absences",
                                                          "file": SimpleUploadedFile("leave.csv", LEAVE)})
    for path in kept(_uploads):
        path.unlink()  # a worker on a machine that cannot read the web server's upload folder
    work()
    page = client.get(response["Location"]).content.decode()
    assert "The uploaded file is no longer there" in page and "MANDATE_UPLOAD_DIR" in page


def test_unconfirmed_reviews_files_are_swept(settings, _uploads) -> None:
    from mandate.platform import jobs

    name = jobs.keep_upload(b"membership_number\n")
    assert jobs.sweep_uploads(older_than=3600) == 0 and jobs.read_upload(name)
    assert jobs.sweep_uploads(older_than=-1) == 1 and kept(_uploads) == []


SEED_BOTH = """
from mandate.cli.django_setup import setup_django
setup_django()
from datetime import date
from django.contrib.auth import get_user_model
from mandate.platform.models import RoleAssignment
from mandate.union.models import Employer, Union
from mandate.workplace.models import Organisation, Site, StaffMember, Team
users = get_user_model().objects
for name, role, scope in [("hr1", "hr_admin", "ons"), ("hr2", "hr_admin", "ons"), ("official1", "union_official", "pcs"),
                          ("official2", "union_official", "pcs")]:
    RoleAssignment.objects.create(user=users.create_user(name, password={password!r}), role=role, scope=scope)
org = Organisation.objects.create(code="ons", name="Office for National Statistics")
site = Site.objects.create(organisation=org, code="newport", name="Newport", nation="england-and-wales")
team = Team.objects.create(organisation=org, code="prices", name="Prices")
StaffMember.objects.bulk_create([StaffMember(organisation=org, staff_id=f"S{{i:05d}}", name=f"Staff {{i}}",
    home_site=site, team=team, grade="HEO", working_days="Mon;Tue;Wed;Thu;Fri", hours_per_day="7.40", fte="1.000",
    start_date=date(2020, 1, 1)) for i in range({staff})])
pcs = Union.objects.create(code="pcs", name="Public and Commercial Services Union")
ons = Employer.objects.create(union=pcs, code="ons", name="Office for National Statistics")
ons.workplaces.create(code="newport", name="Newport")
"""

COUNTS = """
from mandate.cli.django_setup import setup_django
setup_django()
import json
from mandate.platform.models import Job
from mandate.union.models import Member
from mandate.workplace.models import Absence, ImportBatch
print(json.dumps({"absences": Absence.objects.count(), "batches": ImportBatch.objects.count(),
                  "members": Member.objects.count(), "jobs": sorted(Job.objects.values_list("status", flat=True))}))
"""


@pytest.mark.slow
def test_two_imports_of_one_file_at_once_by_real_workers(make_site) -> None:
    """Two HR administrators import the same 3,000-row ledger file, and two officials the same 3,000-member
    register, at the same moment, through the production server, with two worker processes taking the four
    jobs (on PostgreSQL in the PostgreSQL run): every job succeeds, the ledger is written once, one batch, the
    register once; the workers' upload folder is empty afterwards."""
    import json
    import threading
    import time

    from tests.serving.conftest import PASSWORD, Browser

    site = make_site()
    site.python(SEED_BOTH.format(password=PASSWORD, staff=300))
    base = site.serve(workers=3)
    ledger = "staff_id,date,kind\n" + "".join(f"S{i % 300:05d},2026-10-{1 + i // 300:02d},annual_leave\n"
                                              for i in range(3000))
    register = register_csv({"newport": 3000}, start=10_000)
    people = {name: Browser(base) for name in ("hr1", "hr2", "official1", "official2")}
    for name, browser in people.items():
        browser.sign_in(name)
    jobs_of: dict[str, str] = {}

    def send(name: str) -> None:
        browser = people[name]
        if name.startswith("hr"):
            status, headers, _ = browser.upload("/workplace/imports/", {"kind": "absences"}, "file", "leave.csv",
                                                ledger.encode())
        else:
            status, headers, _ = browser.upload("/union/register/", {}, "file", "register.csv", register.encode())
        assert status == 302, (name, status)
        jobs_of[name] = headers["Location"]

    threads = [threading.Thread(target=send, args=(n,)) for n in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(jobs_of) == 4, site.logs()[-3000:]
    site.worker("a"), site.worker("b")  # both start on a full queue
    deadline = time.monotonic() + 300
    states = {}
    for name, url in jobs_of.items():
        while (state := people[name].json(url + "status.json"))["status"] not in {"succeeded", "failed"}:
            assert time.monotonic() < deadline, site.logs()[-3000:]
            time.sleep(0.3)
        states[name] = state
    assert all(s["status"] == "succeeded" for s in states.values()), states
    texts = sorted(s["result_text"] for n, s in states.items() if n.startswith("hr"))
    assert texts[0].startswith("Imported leave.csv: 3,000 rows read, 3,000 records written") or (
        "already imported" in texts[0]), texts
    counts = json.loads(site.python(COUNTS))
    assert counts["absences"] == 3000 and counts["batches"] == 1 and counts["members"] == 3000, counts
    registers = sorted(s["result_text"] for n, s in states.items() if n.startswith("official"))
    assert registers == ["Imported 3000 members: 0 new, 0 updated, 3000 unchanged.",
                         "Imported 3000 members: 3000 new, 0 updated, 0 unchanged."], registers
    assert list((site.data / "uploads").glob("*.upload")) == []
    assert "Traceback" not in site.logs(), site.logs()[-3000:]
