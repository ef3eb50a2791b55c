"""Casting at the close of a national ballot, with faults: sustained acknowledged casts per second and p50/p99
latency, against the same server's rate on a trivial signed-in page in the same run; then a worker killed (-9),
PostgreSQL restarted and the whole server killed during the casting, and afterwards every ballot whose receipt
the client got is in the record exactly once, no ballot is in twice, and the verifier passes on the record.

    .venv/bin/python bench/casting_faults.py [--members 3000] [--users 20] [--seconds 30] [--workers 4]
                                             [--no-faults] [--json FILE]

Everything runs on this machine against its own throwaway PostgreSQL (bench/pg_throwaway.py: the shared server
is never restarted): the production server (`mandate serve`, gunicorn), Locust (headless) for the load, and the
`mandate vote` client's own code (mandate.cli.vote: sign in with the one-time code from the development mail
folder, encrypt, prove and sign) to make every member's ballot in advance, as `mandate vote prepare` does.
The election (3 trustees, threshold 2) is set up and, at the end, closed and decrypted by a helper process
holding the trustees' secrets (bench only: in a real ballot each trustee holds their own).

A ballot whose cast got no acknowledgement (the server killed under it, the database restarting) is sent again
by its Locust user, as a voter's client would: the same ballot again answers with the same receipt, never a
second entry. The table printed (Markdown) is what docs/benchmarks.md shows.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from pg_throwaway import ThrowawayPostgres, free_port  # noqa: E402

UNION, BALLOT = "pcs", "eb-load"
PASSWORD = "bench-password-1"
QUESTIONS = ("action_short_of_strike", "strike")


# ---------------------------------------------------------------------------------------------------------------
# The keeper: a Django process that sets the election up, holds the trustees, and at the end closes, decrypts,
# verifies and checks the receipts against the record.
# ---------------------------------------------------------------------------------------------------------------


def keeper(members: int, base: str) -> None:
    from mandate.cli.django_setup import setup_django

    setup_django()
    trustees = _setup_election(members, base)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="member-load"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    print(json.dumps({"ready": True, "session": cookie, "cookie_name": settings.SESSION_COOKIE_NAME}), flush=True)
    for line in sys.stdin:
        if line.strip() == "finish":
            break
    from django.db import connections

    connections.close_all()  # the database was restarted under us
    receipts = Path(os.environ["BENCH_RECEIPTS"])
    print(json.dumps(_finish(trustees, receipts)), flush=True)


def _setup_election(members: int, base: str) -> list[Any]:
    import random
    from datetime import UTC, date, datetime, timedelta

    from django.conf import settings
    from django.contrib.auth import get_user_model

    from mandate.crypto import group
    from mandate.law import recorded
    from mandate.platform.models import RoleAssignment
    from mandate.union import ballots as svc
    from mandate.union.electronic import rehearsal
    from mandate.union.models import Ballot, Dispute, Employer, Union, Workplace
    from mandate.union.register import import_register
    from mandate.union.voting import delivery

    data = Path(settings.DATA_DIR)
    rc = recorded.RecordedCommencement(
        id="EBALLOT_ORDER", si_number="2026/1234", in_force=date.today() - timedelta(days=90),
        url="https://www.legislation.gov.uk/uksi/2026/1234/made", recorded_by="bench",
        recorded_at=datetime.now(UTC).isoformat())
    (data / recorded.RECORDS_FILE).parent.mkdir(parents=True, exist_ok=True)
    (data / recorded.RECORDS_FILE).write_text(recorded.dumps([rc]), encoding="utf-8")
    union = Union.objects.create(code=UNION, name="Public and Commercial Services Union")
    ons = Employer.objects.create(union=union, code="ons", name="Office for National Statistics")
    sites = ["newport", "titchfield", "darlington", "london"]
    for code in sites:
        Workplace.objects.create(employer=ons, code=code, name=code.title())
    rng = random.Random(16)
    rows = ["membership_number,name,personal_email,mobile,home_address,employer,workplace,job_category,overseas,"
            "join_date"]
    for n in range(1, members + 1):
        rows.append(f"B{n:07d},Member {n},member{n}@example.org,,{n} Station Road,ons,{rng.choice(sites)},"
                    "Statistician,no,2019-05-01")
    import_register(union, "\n".join(rows) + "\n")
    dispute = Dispute.objects.create(union=union, code="d", title="Attendance", matters="40%",
                                     opened_on=date(2024, 4, 1))
    today = date.today()
    b = svc.create_ballot(union, dispute, code=BALLOT, title="Industrial action ballot (load)",
                          opening_day=today - timedelta(days=13), closing_day=today + timedelta(days=1),
                          employers=[ons], questions={q: {} for q in QUESTIONS}, scrutineer_name="Civica",
                          return_address="PO Box 1")
    svc.freeze_electorate(b)
    # The set-up steps are tested elsewhere (tests/union/electronic/); here the ballot is put straight at 'open'.
    Ballot.objects.filter(pk=b.pk).update(voting_method="electronic", stage="open", status="open")
    b.refresh_from_db()
    made = rehearsal.set_up(b, f"{UNION}/{BALLOT}")
    issued = made.credentials
    delivery.deliver(b, [(n, group.encode_scalar(c.secret.reveal()).hex()) for n, c in issued.items()],
                     base_url=base)
    user = get_user_model().objects.create_user("member-load", password=PASSWORD)
    RoleAssignment.objects.create(user=user, role="member", scope=UNION)
    return made.trustees


def _finish(trustees: list[Any], receipts: Path) -> dict[str, Any]:
    from collections import Counter

    from mandate.crypto import group
    from mandate.crypto.ballot import parse_point
    from mandate.crypto.elgamal import Ciphertext
    from mandate.crypto.tally import decryption_share, share_context
    from mandate.union.electronic import record as rec
    from mandate.union.electronic import services as esvc
    from mandate.union.models import Ballot, Election, RecordEvent

    election = Election.objects.get(election_id=f"{UNION}/{BALLOT}")
    acknowledged = [line.split()[0] for line in receipts.read_text(encoding="ascii").splitlines() if line.strip()]
    in_record = Counter(RecordEvent.objects.filter(election=election, kind="ballot")
                        .values_list("tracking_code", flat=True))
    credentials = Counter(RecordEvent.objects.filter(election=election, kind="ballot")
                          .values_list("credential", flat=True))
    events = RecordEvent.objects.filter(election=election).count()
    esvc.close_record(election)
    # The close step's stage, as the scrutineer's close would leave it (the step itself is tested elsewhere).
    Ballot.objects.filter(pk=election.ballot_id).update(stage="closed")
    tally = rec.payload_of(RecordEvent.objects.get(election=election, kind="encrypted_tally"))
    fp, pk = bytes.fromhex(election.fingerprint), bytes.fromhex(election.public_key)
    for t in trustees[:2]:
        vk = group.base_mul(t.key_share.reveal())
        shares = []
        for item in tally["tallies"]:
            ct = Ciphertext(parse_point(item["alpha"], allow_identity=True),
                            parse_point(item["beta"], allow_identity=True))
            d, proof = decryption_share(t.key_share, vk, ct, share_context(fp, pk, t.index, item["unit"],
                                                                           item["question"]))
            shares.append({"unit": item["unit"], "question": item["question"], "share": d.hex(),
                           "proof": proof.to_json()})
        esvc.upload_trustee_message(election, {"trustee": t.index, "shares": shares})
    outcome = esvc.verify(election)
    missing = sorted(set(acknowledged) - set(in_record))
    return {
        "acknowledged": len(set(acknowledged)), "acknowledged_lines": len(acknowledged),
        "ballot_events": sum(in_record.values()), "missing_from_record": len(missing),
        "in_record_twice": sum(1 for n in in_record.values() if n > 1),
        "credentials_twice": sum(1 for n in credentials.values() if n > 1),
        "events_before_close": events, "verify_ok": outcome["ok"], "verify_status": outcome["status"],
        "verify_failed": outcome["failed"], "verified_ballots": outcome["ballots"], "head": outcome["head"],
    }


# ---------------------------------------------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------------------------------------------


def _wait_up(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


class Server:
    def __init__(self, env: dict[str, str], port: int, workers: int, log: Path) -> None:
        self.env, self.port, self.workers, self.log = env, port, workers, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([str(BIN / "mandate"), "serve", "--port", str(self.port), "--workers",
                                          str(self.workers)], env=self.env, cwd=ROOT, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        _wait_up(f"http://127.0.0.1:{self.port}/accounts/login/")

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def kill_one_worker(self) -> None:
        pids = self.worker_pids()
        if pids:
            os.kill(pids[0], signal.SIGKILL)

    def kill_all(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def prepare_ballots(mail: Path, out: Path, threads: int = 4) -> int:
    """Every member's ballot made in advance by the `mandate vote` client's code: read the link and the
    credential from the delivered message, sign in with the one-time code sent to the same mailbox, seal."""
    import random

    from mandate.cli import vote
    from mandate.crypto.ballot import tracking_code

    election: dict[str, Any] | None = None
    lock = threading.Lock()
    lines: list[str] = []
    # Django's file backend may append several messages to one file: each is read on its own.
    links = []
    for path in sorted(p for p in mail.iterdir() if p.is_file()):
        for to, text in vote._message_texts(path.read_bytes()):
            m = vote.LINK.search(re.sub(r"=\r?\n", "", text))
            if m:
                links.append(vote.Link(m["base"], m["union"], m["ballot"], m["key"], m["credential"].lower(), to))

    def one(link: Any) -> None:
        nonlocal election
        if election is None:
            election = vote.fetch_election(link)
        rng = random.Random(link.key)
        votes = {q["id"]: int(rng.random() < 0.7) for q in election["questions"]}
        token = vote.sign_in(link, None, [mail])
        ballot, _ = vote.seal(election, link.credential, votes)
        line = json.dumps({"server": link.base, "union": link.union, "ballot_code": link.ballot, "token": token,
                           "ballot": ballot.to_json(), "tracking_code": tracking_code(ballot)})
        with lock:
            lines.append(line)

    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()):  # the client's "a code was sent" line, once a member
        one(links[0])
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one, links[1:]))
    out.write_text("\n".join(lines) + "\n", encoding="ascii")
    return len(lines)


def locust(host: str, users: int, seconds: int, prefix: Path, env: dict[str, str], task: str) -> dict[str, Any]:
    subprocess.run([str(BIN / "locust"), "-f", str(ROOT / "bench" / "casting_locustfile.py"), "--headless",
                    "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", host, "--csv", str(prefix),
                    "--only-summary", "--stop-timeout", "10", "-L", "WARNING"],
                   env={**env, "BENCH_TASK": task}, cwd=ROOT, check=False, capture_output=True, timeout=seconds + 300)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        rows = {r["Name"]: r for r in csv.DictReader(fh)}
    return rows


def resend_unacknowledged(ballots: Path, receipts: Path) -> int:
    """Send again, one by one, every prepared ballot with no receipt (the client's retry after the run)."""
    from mandate.cli import vote

    got = {line.split()[0] for line in receipts.read_text(encoding="ascii").splitlines() if line.strip()}
    sent = 0
    with receipts.open("a", encoding="ascii") as fh:
        for raw in ballots.read_text(encoding="ascii").splitlines():
            item = json.loads(raw)
            if item["tracking_code"] in got:
                continue
            target = vote.Link(item["server"], item["union"], item["ballot_code"], "", "", "")
            status, answer = vote._http("POST", target.url("api/cast.json"), {"ballot": item["ballot"]}, item["token"])
            if status in (200, 201) and answer.get("tracking_code") == item["tracking_code"]:
                fh.write(f"{item['tracking_code']} resent\n")
                sent += 1
    return sent


def run(args: argparse.Namespace) -> dict[str, Any]:
    work = Path(args.dir or Path("/tmp") / f"mandate-casting-{os.getpid()}")
    (work / "mail").mkdir(parents=True, exist_ok=True)
    (work / "data").mkdir(parents=True, exist_ok=True)
    with ThrowawayPostgres() as pg:
        url = pg.create_database("mandate")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATABASE_URL": url, "MANDATE_DATA_DIR": str(work / "data"),
               "MANDATE_EMAIL_URL": f"file://{work / 'mail'}", "MANDATE_SMS_URL": f"file://{work / 'sms'}",
               "MANDATE_DEMO": "1", "MANDATE_ALLOWED_HOSTS": "127.0.0.1,localhost",
               "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
               "BENCH_RECEIPTS": str(work / "receipts.txt"), "BENCH_BALLOTS": str(work / "ballots.jsonl"),
               "BENCH_USER": "member-load", "BENCH_PASSWORD": PASSWORD}
        subprocess.run([str(BIN / "mandate"), "manage", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
        t0 = time.monotonic()
        helper = subprocess.Popen([sys.executable, __file__, "keeper", "--members", str(args.members),
                                   "--base", base], env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)
        assert helper.stdout is not None and helper.stdin is not None
        ready = json.loads(helper.stdout.readline() or "{}")
        if not ready.get("ready"):
            raise SystemExit("the election could not be set up (see above)")
        setup_s = time.monotonic() - t0
        server = Server(env, port, args.workers, work / "server.log")
        server.start()
        faults: list[str] = []
        try:
            t0 = time.monotonic()
            prepared = prepare_ballots(work / "mail", work / "ballots.jsonl", threads=args.prepare_threads)
            prepare_s = time.monotonic() - t0
            (work / "receipts.txt").write_text("", encoding="ascii")
            env["BENCH_SESSION"], env["BENCH_COOKIE"] = ready["session"], ready["cookie_name"]
            page = locust(base, args.users, args.seconds, work / "page", env, "page")
            # The throughput figure: casting with nothing killed, the same users and seconds as the page.
            cast = locust(base, args.users, args.seconds, work / "cast", env, "cast")
            faulted: dict[str, Any] = {}
            if not args.no_faults:
                def inject() -> None:
                    time.sleep(args.fault_seconds * 0.2)
                    server.kill_one_worker()
                    faults.append(f"{time.strftime('%H:%M:%S')} a server worker killed (-9)")
                    time.sleep(args.fault_seconds * 0.2)
                    pg.restart()
                    faults.append(f"{time.strftime('%H:%M:%S')} PostgreSQL restarted (fast shutdown)")
                    time.sleep(args.fault_seconds * 0.2)
                    server.kill_all()
                    faults.append(f"{time.strftime('%H:%M:%S')} the whole server killed (-9), then started again")
                    server.start()

                injector = threading.Thread(target=inject)
                injector.start()
                faulted = locust(base, args.users, args.fault_seconds, work / "faults", env, "cast")
                injector.join()
            resent = resend_unacknowledged(work / "ballots.jsonl", work / "receipts.txt")
        finally:
            server.stop()
        helper.stdin.write("finish\n")
        helper.stdin.flush()
        checks = json.loads(helper.stdout.readline() or "{}")
        helper.wait(timeout=600)

    def stats(rows: dict[str, Any], name: str) -> dict[str, Any]:
        r = rows.get(name) or {}
        return {"requests": int(r.get("Request Count", 0)), "failures": int(r.get("Failure Count", 0)),
                "rps": float(r.get("Requests/s", 0)), "p50_ms": float(r.get("50%", 0) or 0),
                "p99_ms": float(r.get("99%", 0) or 0)}

    page_s, cast_s = stats(page, "trivial signed-in page"), stats(cast, "cast")
    # Acknowledged casts a second over the phase (a failed attempt, sent again, is not a cast).
    cast_s["acknowledged"] = cast_s["requests"] - cast_s["failures"]
    cast_s["rps"] = round(cast_s["acknowledged"] / args.seconds, 1)
    return {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
            "load_before": os.getloadavg(), "members": args.members, "users": args.users, "seconds": args.seconds,
            "workers": args.workers, "setup_s": round(setup_s, 1), "prepared": prepared,
            "prepare_s": round(prepare_s, 1), "page": page_s, "cast": cast_s,
            "ratio": round(cast_s["rps"] / page_s["rps"], 3) if page_s["rps"] else None,
            "faults": faults, "fault_phase": stats(faulted, "cast"), "resent_after": resent, "checks": checks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command")
    k = sub.add_parser("keeper")
    k.add_argument("--members", type=int, required=True)
    k.add_argument("--base", required=True)
    parser.add_argument("--members", type=int, default=3000, help="members in the electorate (each casts once)")
    parser.add_argument("--users", type=int, default=20, help="concurrent Locust users")
    parser.add_argument("--seconds", type=int, default=30, help="seconds of the page and the casting phases")
    parser.add_argument("--fault-seconds", type=int, default=30, help="seconds of the casting phase with faults")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--prepare-threads", type=int, default=4)
    parser.add_argument("--no-faults", action="store_true", help="cast without killing anything")
    parser.add_argument("--dir", help="working folder (default: a new one under /tmp)")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    if args.command == "keeper":
        keeper(args.members, args.base)
        return
    load = os.getloadavg()
    result = run(args)
    result["load_before"] = load
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    c, p = result["cast"], result["page"]
    print(f"{result['members']:,} members, {result['users']} users, {result['seconds']} s a phase, "
          f"{result['workers']} workers; load average before {load[0]:.1f}")
    print("| path | requests | failures | requests/s | p50 (ms) | p99 (ms) |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| trivial signed-in page | {p['requests']:,} | {p['failures']:,} | {p['rps']:.1f} | {p['p50_ms']:.0f} | "
          f"{p['p99_ms']:.0f} |")
    print(f"| cast (acknowledged) | {c['requests']:,} | {c['failures']:,} | {c['rps']:.1f} | {c['p50_ms']:.0f} | "
          f"{c['p99_ms']:.0f} |")
    print(f"casting at {result['ratio']} of the trivial page's rate")
    for f in result["faults"]:
        print("fault:", f)
    print("checks:", json.dumps(result["checks"]))


if __name__ == "__main__":
    main()
