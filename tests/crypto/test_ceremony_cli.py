"""A whole electronic ballot rehearsed through `mandate trustee` and `mandate credentials`, each step a separate
process in its own folder (so no trustee reads another's secret file), the server's part (appending each message
to the record, casting the members' ballots, closing and tallying) played here with the engine's own code; then
`mandate record verify` on the record, whose verified totals must equal the votes cast."""

from __future__ import annotations

import json
import os
import random
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mandate.crypto import group
from mandate.crypto.ballot import ElectionContext, encrypt_ballot, reveal_json, tracking_code
from mandate.crypto.credentials import VoterCredential
from mandate.crypto.elgamal import Ciphertext
from mandate.crypto.hashing import PROTOCOL
from mandate.crypto.record import RecordWriter
from mandate.crypto.secret_file import read_secret_file
from mandate.crypto.secrets import Secret

SRC = Path(__file__).resolve().parents[2] / "src"
N, K = 5, 3
QUESTIONS = ("strike", "action_short_of_strike")
UNITS = ("unit-1", "unit-2")
MEMBERS = 30


def mandate(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "mandate.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def ok(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc.stdout


class Server:
    """The bulletin board: appends each message to the record as the event it is the payload of."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = path.open("w", encoding="ascii")
        self.w = RecordWriter(self._fh)

    def append(self, type_: str, payload: dict[str, Any]) -> str:
        ev = self.w.append(type_, payload)
        self._fh.flush()
        return ev.hash.hex()

    def publish(self, type_: str, message: Path) -> str:
        return self.append(type_, json.loads(message.read_text()))

    def close(self) -> None:
        self._fh.close()


def _secret_hexes(obj: Any) -> list[str]:
    if isinstance(obj, Secret):
        return [group.encode_scalar(obj.reveal()).hex()]
    if isinstance(obj, dict):
        return [h for v in obj.values() for h in _secret_hexes(v)]
    if isinstance(obj, list):
        return [h for v in obj for h in _secret_hexes(v)]
    return []


def _vote(server: Server, ctx: ElectionContext, cred: dict[str, VoterCredential],
          votes: dict[str, dict[str, int]]) -> tuple[int, int, dict[str, Any]]:
    """Each member casts with their own credential (the booth's code); M0003 challenges a ballot first (Benaloh:
    opened, never counted) and M0005 votes the other way first, then re-votes (the last counts)."""
    n_ballots = n_challenges = 0
    last: dict[str, Any] = {}
    for m in votes:
        if m == "M0003":
            b, s = encrypt_ballot(ctx, cred[m], {q: 1 - v for q, v in votes[m].items()})
            server.append("challenge", {"ballot": b.to_json(), "tracking_code": tracking_code(b),
                                        "reveal": reveal_json(b, s)})
            n_challenges += 1
        if m == "M0005":
            b, _ = encrypt_ballot(ctx, cred[m], {q: 1 - v for q, v in votes[m].items()})
            server.append("ballot", {"ballot": b.to_json(), "tracking_code": tracking_code(b)})
            n_ballots += 1
        b, _ = encrypt_ballot(ctx, cred[m], votes[m])
        server.append("ballot", {"ballot": b.to_json(), "tracking_code": tracking_code(b)})
        n_ballots += 1
        last[m] = b
    return n_ballots, n_challenges, last


@pytest.fixture(scope="module")
def ballot(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("ceremony")
    dirs = {name: root / name for name in ["board", "authority", *(f"trustee-{i}" for i in range(1, N + 1))]}
    for d in dirs.values():
        d.mkdir()
    tdir = {i: dirs[f"trustee-{i}"] for i in range(1, N + 1)}
    record = dirs["board"] / "record.jsonl"
    out: dict[str, Any] = {"root": root, "dirs": dirs, "record": record, "stdout": [], "refusals": {}}

    def run(*args: str | Path, cwd: Path) -> str:
        text = ok(mandate(*args, cwd=cwd))
        out["stdout"].append(text)
        return text

    # the credential authority's key first: the election event names it
    ca_pub = run("credentials", "authority", "--dir", ".", cwd=dirs["authority"]).strip()
    server = Server(record)
    server.append("election", {
        "protocol": PROTOCOL, "group": group.GROUP_NAME, "generator": group.GENERATOR.hex(),
        "election_id": "rehearsal-1", "title": "Rehearsal: statutory industrial action ballot",
        "questions": [{"id": q, "text": f"Are you prepared to take part in {q.replace('_', ' ')}?"}
                      for q in QUESTIONS],
        "units": [{"id": u, "name": f"Ballot unit {n}"} for n, u in enumerate(UNITS, 1)],
        "trustees": N, "threshold": K, "credential_authority": ca_pub})
    # phase 1: each trustee commits, on their own machine
    for i in range(1, N + 1):
        run("trustee", "keygen", "--record", record, "--index", str(i), "--dir", ".", cwd=tdir[i])
    for i in range(1, N):
        server.publish("dkg_commit", tdir[i] / f"commit-{i}.json")
    out["refusals"]["early_reveal"] = mandate("trustee", "reveal", "--record", record, "--secret",
                                              "trustee-1.secret", "--dir", ".", cwd=tdir[1])
    server.publish("dkg_commit", tdir[N] / f"commit-{N}.json")
    # phase 2: reveals, each checked by anyone before it is published; private shares delivered by hand
    for i in range(1, N + 1):
        run("trustee", "reveal", "--record", record, "--secret", f"trustee-{i}.secret", "--dir", ".", cwd=tdir[i])
    for i in range(1, N + 1):
        run("trustee", "check", "--record", record, "--reveal", tdir[i] / f"reveal-{i}.json", cwd=dirs["board"])
        server.publish("dkg_reveal", tdir[i] / f"reveal-{i}.json")
    for i in range(1, N + 1):
        inbox = tdir[i] / "inbox"
        inbox.mkdir()
        for j in range(1, N + 1):
            if j != i:
                shutil.copy2(tdir[j] / f"share-{j}-for-{i}.secret", inbox)
    # phase 3: each trustee checks the shares sent to them and keeps their key share
    vkeys = {}
    for i in range(1, N + 1):
        shares = sorted((tdir[i] / "inbox").iterdir())
        vkeys[i] = run("trustee", "finish", "--record", record, "--secret", f"trustee-{i}.secret", *shares,
                       cwd=tdir[i]).strip()
    run("trustee", "combine", "--record", record, "--out", "election-key.json", cwd=dirs["board"])
    fp = bytes.fromhex(server.publish("election_key", dirs["board"] / "election-key.json"))
    out["check"] = run("trustee", "check", "--record", record, cwd=dirs["board"])
    out["vkeys"] = vkeys
    # credentials, from the member list
    members = [f"M{n:04d}" for n in range(1, MEMBERS + 1)]
    rng = random.Random(15)
    unit_of = {m: rng.choice(UNITS) for m in members}
    csv_path = dirs["authority"] / "members.csv"
    csv_path.write_text("member_id,unit\n" + "".join(f"{m},{unit_of[m]}\n" for m in members))
    run("credentials", "issue", "--authority", "authority.secret", "--record", record, "--members", csv_path,
        "--dir", ".", cwd=dirs["authority"])
    # one member loses their credential before the list is published: reissued, the old one off the list
    _, before = read_secret_file(dirs["authority"] / "credentials-private.secret", "mandate credentials")
    lost = next(m for m in before["members"] if m["member"] == "M0007")
    run("credentials", "reissue", "--authority", "authority.secret", "--record", record, "--private",
        "credentials-private.secret", "--member", "M0007", cwd=dirs["authority"])
    server.publish("credentials", dirs["authority"] / "credentials.json")
    out["lost"] = lost
    # voting: each member casts with their own credential (the booth's code); one re-votes, one challenges
    _, creds = read_secret_file(dirs["authority"] / "credentials-private.secret", "mandate credentials")
    cred = {m["member"]: VoterCredential(m["key"], bytes.fromhex(m["credential"]), m["unit"])
            for m in creds["members"]}
    pk = bytes.fromhex(json.loads((dirs["board"] / "election-key.json").read_text())["public_key"])
    ctx = ElectionContext(fp, pk, QUESTIONS)
    votes = {m: {q: rng.randint(0, 1) for q in QUESTIONS} for m in members}
    n_ballots, n_challenges, last = _vote(server, ctx, cred, votes)
    server.append("end_of_voting", {"ballots": n_ballots, "challenges": n_challenges, "counted": len(last)})
    zero = Ciphertext(group.IDENTITY, group.IDENTITY)
    sums = {(u, q): zero for u in UNITS for q in QUESTIONS}
    for m, b in last.items():
        for a in b.answers:
            sums[(unit_of[m], a.question)] = sums[(unit_of[m], a.question)] + a.ciphertext
    counted = {u: sum(1 for m in members if unit_of[m] == u) for u in UNITS}
    server.append("encrypted_tally", {"tallies": [
        {"unit": u, "question": q, "alpha": ct.alpha.hex(), "beta": ct.beta.hex(), "ballots": counted[u]}
        for (u, q), ct in sums.items()]})
    # the trustees decrypt on their own machines; trustee 5 publishes a wrong share
    secret = tdir[2] / "trustee-2.secret"
    secret.chmod(0o644)
    out["refusals"]["loose"] = mandate("trustee", "decrypt", "--record", record, "--secret", secret.name,
                                       "--dir", ".", cwd=tdir[2])
    secret.chmod(0o600)
    for i in (1, 2, 4, 5):
        run("trustee", "decrypt", "--record", record, "--secret", f"trustee-{i}.secret", "--dir", ".", cwd=tdir[i])
    bad = json.loads((tdir[5] / "decryption-5.json").read_text())
    bad["shares"][0]["share"] = group.add(bytes.fromhex(bad["shares"][0]["share"]), group.GENERATOR).hex()
    (tdir[5] / "decryption-5.json").write_text(json.dumps(bad))
    messages = [tdir[i] / f"decryption-{i}.json" for i in (1, 2, 4, 5)]
    out["refusals"]["too_few"] = mandate("trustee", "result", "--record", record, messages[0], messages[3],
                                         cwd=dirs["board"])
    proc = mandate("trustee", "result", "--record", record, *messages, "--out", "result.json", cwd=dirs["board"])
    out["result_proc"] = proc
    ok(proc)
    for i in (1, 2, 4):
        server.publish("decryption_share", tdir[i] / f"decryption-{i}.json")
    server.publish("result", dirs["board"] / "result.json")
    server.close()
    out["votes"], out["unit_of"] = votes, unit_of
    out["verify"] = mandate("record", "verify", record, "--json", "--workers", "1", cwd=dirs["board"])
    return out


def test_the_record_verifies_and_its_totals_are_the_votes_cast(ballot: dict[str, Any]) -> None:
    proc = ballot["verify"]
    assert proc.returncode == 0, proc.stdout[-3000:]
    rep = json.loads(proc.stdout)
    assert rep["ok"] and all(c["status"] in ("pass", "skip") for c in rep["checks"])
    v = rep["verified"]
    assert v["ballots"] == {"cast": MEMBERS + 1, "counted": MEMBERS, "replaced": 1, "set_aside": 0,
                            "challenged": 1}
    got = {(u["unit"], q["question"]): q["online"] for u in v["units"] for q in u["questions"]}
    for u in UNITS:
        in_unit = [m for m, unit in ballot["unit_of"].items() if unit == u]
        for q in QUESTIONS:
            yes = sum(ballot["votes"][m][q] for m in in_unit)
            assert got[(u, q)] == {"yes": yes, "no": len(in_unit) - yes}


def test_a_wrong_decryption_share_is_named_and_three_honest_shares_decrypt(ballot: dict[str, Any]) -> None:
    proc = ballot["result_proc"]
    assert "trustee 5" in proc.stderr and "wrong share" in proc.stderr
    result = json.loads((ballot["dirs"]["board"] / "result.json").read_text())
    assert result["trustees"] == [1, 2, 4]


def test_fewer_than_k_good_shares_decrypt_nothing(ballot: dict[str, Any]) -> None:
    proc = ballot["refusals"]["too_few"]
    assert proc.returncode == 1 and "1 valid decryption shares; 3 are needed" in proc.stderr
    assert "trustee 5" in proc.stderr and proc.stdout == ""


def test_anyone_checks_the_election_key(ballot: dict[str, Any]) -> None:
    assert "follows from the 5 trustees' reveals" in ballot["check"]
    for i, vk in ballot["vkeys"].items():
        assert f"trustee {i}: verification key {vk}" in ballot["check"]


def test_no_secret_reaches_the_record_a_message_or_the_screen(ballot: dict[str, Any]) -> None:
    root: Path = ballot["root"]
    secret_files = sorted(root.rglob("*.secret"))
    assert len(secret_files) == 1 + N + N * (N - 1) * 2 + 1  # authority, trustees, shares sent and received
    hexes: list[str] = []
    for path in secret_files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        kind = json.loads(path.read_text())["mandate_secret"]
        hexes += _secret_hexes(read_secret_file(path, kind)[1])
    assert len(hexes) > N * K + MEMBERS
    public = [p.read_text() for p in root.rglob("*") if p.is_file() and p.suffix != ".secret"]
    public += ballot["stdout"]
    for h in hexes:
        assert not any(h in text for text in public)


def test_a_reissued_credential_leaves_the_signed_list(ballot: dict[str, Any]) -> None:
    listed = json.loads((ballot["dirs"]["authority"] / "credentials.json").read_text())
    creds = [e["credential"] for e in listed["entries"]]
    assert len(creds) == MEMBERS and ballot["lost"]["credential"] not in creds
    public, _ = read_secret_file(ballot["dirs"]["authority"] / "credentials-private.secret", "mandate credentials")
    assert public["revoked"] == [{"member": "M0007", "credential": ballot["lost"]["credential"]}]
    # and no member id reaches the list the server gets
    assert "M00" not in (ballot["dirs"]["authority"] / "credentials.json").read_text()


def test_a_reveal_before_every_commitment_is_refused(ballot: dict[str, Any]) -> None:
    proc = ballot["refusals"]["early_reveal"]
    assert proc.returncode == 1 and "missing trustee 5" in proc.stderr and "Traceback" not in proc.stderr


def test_a_secret_file_with_loose_permissions_is_refused(ballot: dict[str, Any]) -> None:
    proc = ballot["refusals"]["loose"]
    assert proc.returncode == 2 and "chmod 600" in proc.stderr and "Traceback" not in proc.stderr


def test_an_altered_commitment_is_refused(ballot: dict[str, Any], tmp_path: Path) -> None:
    """A server that swaps trustee 2's commitment: trustee 2 will not reveal, and trustee 2's genuine reveal
    does not check against it."""
    events = [json.loads(line) for line in ballot["record"].read_text().splitlines()]
    forged = Server(tmp_path / "forged.jsonl")
    for ev in events[: 1 + N]:
        p = ev["payload"]
        if ev["type"] == "dkg_commit" and p["trustee"] == 2:
            p = {**p, "commitment": "00" * 32}
        forged.append(ev["type"], p)
    forged.close()
    t2 = ballot["dirs"]["trustee-2"]
    work = tmp_path / "t2"
    work.mkdir()
    shutil.copy2(t2 / "trustee-2.secret", work)
    proc = mandate("trustee", "reveal", "--record", forged.path, "--secret", "trustee-2.secret", "--dir", ".",
                   cwd=work)
    assert proc.returncode == 1 and "altered" in proc.stderr
    assert not list(work.glob("share-*"))
    proc = mandate("trustee", "check", "--record", forged.path, "--reveal", t2 / "reveal-2.json", cwd=tmp_path)
    assert proc.returncode == 1 and "trustee 2's reveal does not match" in proc.stderr


def test_a_member_list_with_a_duplicated_member_is_refused(ballot: dict[str, Any], tmp_path: Path) -> None:
    auth = ballot["dirs"]["authority"]
    work = tmp_path / "ca"
    work.mkdir()
    shutil.copy2(auth / "authority.secret", work)
    (work / "members.csv").write_text("member_id,unit\rM1,unit-1\rM2,unit-2\rM1,unit-2\r")  # CR-only lines
    proc = mandate("credentials", "issue", "--authority", "authority.secret", "--record", ballot["record"],
                   "--members", "members.csv", "--dir", ".", cwd=work)
    assert proc.returncode == 1 and "'M1' is listed twice (first on line 2)" in proc.stderr
    assert not (work / "credentials.json").exists() and not (work / "credentials-private.secret").exists()
