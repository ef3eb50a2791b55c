"""Benchmark: simulate a 100,000-voter, two-question election, verify it with every core; and, in the same run,
Belenios's own verifier (`belenios-tool election verify`, Debian package belenios-tool 2.0) on an election of the
same shape (two yes/no questions), and a like-for-like estimate of Belenios on Ed25519 (the group of its current
releases): its per-ballot group operations replayed with libsodium (bench/belenios_ed25519.py). Prints ballots
verified per second and per CPU-second for each and the ratios, record bytes per ballot and the simulation time.

    .venv/bin/python bench/record_verify.py --voters 100000 --belenios-ballots 500 --replay-ballots 2000

The verifier's ballot arithmetic is libdecaf where its binding is built (dev.py install builds it);
MANDATE_VERIFY_BACKEND=libsodium runs the same verifier on libsodium alone, to compare the two.

To compare two versions of the verifier on the same bytes, verify one existing record with each (no simulation,
no Belenios; --voters is then only the figure printed):

    .venv/bin/python bench/record_verify.py --record RECORD --voters 100000 --skip-belenios

Belenios makes one process per ballot with its tool, so its election is built at --belenios-ballots and its
verification rate (ballots / verification time) is reported at that size and extrapolated, honestly labelled.
Compare per CPU-second: mandate verifies on every core, Belenios's tool and the replay on one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mandate.crypto.simulate import simulate
from mandate.crypto.verifier import verify_record


def _cpu() -> float:
    """CPU seconds used by this process and its reaped children (the worker pools)."""
    me, ch = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime


def smul_us() -> float:
    """Calibration: CPU microseconds of one libsodium variable-base scalar multiplication, now (best of 5 x 2,000).
    On a shared machine this moves with the load; a ballot's CPU time is best read against it."""
    import ctypes

    from mandate.crypto import group

    p, k, out = group.base_mul(12345), group.encode_scalar(group.ORDER - 7), ctypes.create_string_buffer(32)
    best = 1e9
    for _ in range(5):
        t = time.process_time()
        for _ in range(2000):
            group._smul(out, k, p)
        best = min(best, (time.process_time() - t) / 2000)
    return best * 1e6


def bench_mandate(voters: int, workers: int, workdir: Path, record: Path | None = None) -> dict[str, float]:
    """Simulate then verify; with ``record``, verify that existing record only (to compare two versions of the
    verifier on the same bytes)."""
    out = record or workdir / "election.jsonl"
    t0 = time.perf_counter()
    summary = {"decrypted_matches_truth": True} if record else simulate(
        voters=voters, units=4, questions=["strike", "action_short_of_strike"], trustees=5, threshold=3,
        revote_share=0.05, challenge_share=0.01, seed=2026, out=out, workers=workers)
    sim = 0.0 if record else time.perf_counter() - t0
    cal0 = smul_us()
    load0 = os.getloadavg()[0]
    cpu0 = _cpu()
    t0 = time.perf_counter()
    rep = verify_record(out, workers=workers)
    ver = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    load1 = os.getloadavg()[0]
    cal = (cal0 + smul_us()) / 2
    assert rep.ok, rep.failed()
    assert summary["decrypted_matches_truth"]
    n = rep.ballots
    return {"voters": voters, "ballots": n, "simulate_s": sim, "verify_s": ver, "ballots_per_s": n / ver,
            "verify_cpu_s": cpu, "ballots_per_cpu_s": n / cpu, "cpu_ms_per_ballot": cpu / n * 1e3,
            "smul_us": cal, "smul_per_ballot": cpu / n * 1e6 / cal, "load_before": load0, "load_after": load1,
            "bytes_per_ballot": out.stat().st_size / n, "record_mb": out.stat().st_size / 1e6,
            "arithmetic": rep.arithmetic}


def _run(args: list[str], cwd: Path, stdin: str | None = None) -> str:
    env = dict(os.environ, BELENIOS_USE_URANDOM="1")
    return subprocess.run(["belenios-tool", *args], cwd=cwd, input=stdin, capture_output=True, text=True,
                          check=True, env=env).stdout


def bench_belenios(ballots: int, workdir: Path, questions: int = 2) -> dict[str, float] | None:
    if shutil.which("belenios-tool") is None:
        print("belenios-tool is not installed (apt-get install -y belenios-tool): Belenios skipped")
        return None
    d = workdir / "belenios"
    d.mkdir()
    uuid = _run(["setup", "generate-token"], d).strip()
    (d / "voters.txt").write_text("".join(f"voter{i}@example.org,voter{i},1\n" for i in range(ballots)))
    _run(["setup", "generate-credentials", "--uuid", uuid, "--group", "BELENIOS-2048", "--file", "voters.txt"], d)
    for f in d.glob("*.pubcreds"):
        f.rename(d / "public_creds.json")
    for f in d.glob("*.privcreds"):
        f.rename(d / "private_creds.txt")
    for _ in range(3):
        _run(["setup", "generate-trustee-key", "--group", "BELENIOS-2048"], d)
    (d / "public_keys.jsons").write_text("".join(p.read_text() for p in sorted(d.glob("*.pubkey"))))
    _run(["setup", "make-trustees"], d)
    # mandate's ballot shape: yes/no questions (strike; action short of strike), each one Yes or No
    texts = ["Are you prepared to take part in strike action?",
             "Are you prepared to take part in action short of a strike?"]
    (d / "q.json").write_text(json.dumps({"description": "Industrial action ballot", "name": "Industrial action",
                                          "questions": [{"answers": ["Yes", "No"], "min": 1, "max": 1,
                                                         "question": texts[k % 2]} for k in range(questions)],
                                          "administrator": "bench", "credential_authority": "bench"}))
    _run(["setup", "make-election", "--uuid", uuid, "--group", "BELENIOS-2048", "--template", "q.json"], d)
    _run(["archive", "init"], d)
    for f in ("election.json", "trustees.json", "public_creds.json"):
        (d / f).unlink(missing_ok=True)
    creds = [line.split()[1] for line in (d / "private_creds.txt").read_text().splitlines()]

    def make(i: int) -> str:
        vote = json.dumps([[1, 0] if (i + k) % 3 else [0, 1] for k in range(questions)])
        with tempfile.NamedTemporaryFile("w", dir=d, delete=False) as c, \
                tempfile.NamedTemporaryFile("w", dir=d, delete=False) as b:
            c.write(creds[i] + "\n")
            b.write(vote + "\n")
        try:
            return _run(["election", "generate-ballot", "--privcred", c.name, "--ballot", b.name], d)
        finally:
            os.unlink(c.name)
            os.unlink(b.name)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        made = list(pool.map(make, range(ballots)))
    for ballot in made:
        _run(["archive", "add-event", "--type=Ballot"], d, stdin=ballot)
    build = time.perf_counter() - t0
    cpu0 = _cpu()
    t0 = time.perf_counter()
    _run(["election", "verify"], d)
    ver = time.perf_counter() - t0
    cpu = _cpu() - cpu0
    return {"ballots": ballots, "questions": questions, "build_s": build, "verify_s": ver,
            "ballots_per_s": ballots / ver,
            "verify_cpu_s": cpu, "ballots_per_cpu_s": ballots / cpu}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--voters", type=int, default=100_000)
    ap.add_argument("--belenios-ballots", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--belenios-questions", type=int, default=2, help="questions on the Belenios ballot (mandate's: 2)")
    ap.add_argument("--replay-ballots", type=int, default=2000,
                    help="ballots for the Ed25519 replay of Belenios's checks (bench/belenios_ed25519.py)")
    ap.add_argument("--skip-belenios", action="store_true")
    ap.add_argument("--record", type=Path, help="verify this existing record instead of simulating one")
    args = ap.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        m = bench_mandate(args.voters, args.workers, Path(tmp), args.record)
        print(f"mandate: {m['voters']:,} voters, {m['ballots']:,} ballots; simulate {m['simulate_s']:.1f} s; "
              f"verify {m['verify_s']:.1f} s = {m['ballots_per_s']:,.0f} ballots/s (2 questions, signatures and "
              f"proofs checked, {args.workers} workers, ballot arithmetic {m['arithmetic']}); record {m['record_mb']:.1f} MB = "
              f"{m['bytes_per_ballot']:,.0f} bytes per ballot")
        print(f"mandate CPU: {m['verify_cpu_s']:.1f} CPU-s for verification = {m['ballots_per_cpu_s']:,.0f} "
              f"ballots per CPU-second (x2 cores = {2 * m['ballots_per_cpu_s']:,.0f} ballots/s on an idle 2-core "
              f"machine; wall-clock rates depend on other load)")
        print(f"mandate calibration: {m['cpu_ms_per_ballot']:.3f} ms CPU per ballot = {m['smul_per_ballot']:.1f} times "
              f"one libsodium variable-base scalar multiplication ({m['smul_us']:.1f} us during the run); load "
              f"average {m['load_before']:.1f} before, {m['load_after']:.1f} after verification")
        b = None if args.skip_belenios else bench_belenios(args.belenios_ballots, Path(tmp), args.belenios_questions)
        if b:
            print(f"Belenios 2.0 (belenios-tool, BELENIOS-2048, {b['questions']} yes/no questions): {b['ballots']:,} ballots; "
                  f"election verify {b['verify_s']:.1f} s = {b['ballots_per_s']:,.1f} ballots/s "
                  f"(measured at {b['ballots']:,} ballots; building them took {b['build_s']:.0f} s)")
            print(f"Belenios CPU: {b['verify_cpu_s']:.1f} CPU-s = {b['ballots_per_cpu_s']:,.1f} ballots per CPU-second "
                  "(its verifier uses one core)")
            print(f"ratio mandate / Belenios: wall clock {m['ballots_per_s'] / b['ballots_per_s']:.1f}x, "
                  f"per CPU-second {m['ballots_per_cpu_s'] / b['ballots_per_cpu_s']:.1f}x")
        e = None
        if not args.skip_belenios:
            from belenios_ed25519 import run as replay

            e = replay(args.replay_ballots, args.belenios_questions)
            print(f"Belenios's checks on Ed25519 replayed with libsodium (bench/belenios_ed25519.py): {e['ballots']:,} "
                  f"ballots of {e['questions']} questions, {e['cpu_ms_per_ballot']:.2f} ms CPU per ballot = "
                  f"{e['ballots_per_cpu_s']:,.0f} ballots per CPU-second (per ballot: {e['ops_per_ballot']}; one call, "
                  f"us: {', '.join(f'{k} {v:.1f}' for k, v in e['op_us'].items())})")
            print(f"ratio mandate / Belenios-on-Ed25519 estimate, per CPU-second: "
                  f"{m['ballots_per_cpu_s'] / e['ballots_per_cpu_s']:.1f}x (mandate {m['cpu_ms_per_ballot']:.3f} ms, "
                  f"estimate {e['cpu_ms_per_ballot']:.2f} ms CPU per ballot)")
        print(json.dumps({"mandate": m, "belenios": b, "belenios_ed25519_replay": e}))


if __name__ == "__main__":
    main()
