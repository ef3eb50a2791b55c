"""The booth module in a real headless Chromium: a ballot encrypted in the page passes the Python verifier.

The page (tests/browser/booth_page/) loads build/booth/booth.js with subresource integrity under a strict
Content-Security-Policy (no inline script, no eval), fetches a test case, calls the booth module and writes
the JSON result into the page, where the test reads it. Chromium is tests/conftest.py's session-wide `browser`
(Debian's /usr/bin/chromium through Playwright).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build" / "booth"
PAGE = Path(__file__).resolve().parent / "booth_page"
CHROMIUM = Path("/usr/bin/chromium")
CSP = ("default-src 'none'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'; require-trusted-types-for 'script'")

if not CHROMIUM.exists():
    pytest.fail("Chromium is not installed at /usr/bin/chromium: run `python3 dev.py test`, which installs it")
if not (ROOT / "node_modules").is_dir():
    pytest.fail("node_modules is missing: run `npm ci && npm run build` (python3 dev.py install does it)")
if not (BUILD / "booth.js").exists() or not (BUILD / "booth.js.sri").exists():
    pytest.fail("build/booth/booth.js is missing although node_modules exists: run `npm run build`")

from playwright.sync_api import Browser  # noqa: E402

from mandate.crypto import group  # noqa: E402
from mandate.crypto.ballot import (  # noqa: E402
    ElectionContext,
    ballot_digest,
    check_reveal,
    parse_ballot,
    signature_items,
    tracking_code,
)
from mandate.crypto.credentials import CredentialAuthority, VoterCredential, sign_credential_list  # noqa: E402
from mandate.crypto.elgamal import Ciphertext  # noqa: E402
from mandate.crypto.hashing import PROTOCOL, TAG_BALLOT_SIGNATURE  # noqa: E402
from mandate.crypto.keygen import election_public_key, run_dkg, verification_key  # noqa: E402
from mandate.crypto.proofs import schnorr_prove  # noqa: E402
from mandate.crypto.record import RecordWriter  # noqa: E402
from mandate.crypto.tally import combine, decryption_share, discrete_log, share_context  # noqa: E402
from mandate.crypto.verifier import Report, verify_record  # noqa: E402


class BoothServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), BoothHandler)
        self.cases: dict[str, bytes] = {}
        self.sri = (BUILD / "booth.js.sri").read_text().strip()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class BoothHandler(BaseHTTPRequestHandler):
    server: BoothServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in ("/", "/index.html", "/bad-integrity.html"):
            sri = self.server.sri if path != "/bad-integrity.html" else "sha384-" + "A" * 64
            html = (PAGE / "index.html").read_text().replace("{{BOOTH_SRI}}", sri)
            return self.send(html.encode(), "text/html; charset=utf-8")
        if path.startswith("/case/") and path.endswith(".json"):
            body = self.server.cases.get(path[len("/case/"):-len(".json")])
            if body is not None:
                return self.send(body, "application/json")
        for prefix, folder in (("/booth/", BUILD), ("/page/", PAGE)):
            if path.startswith(prefix) and path.endswith(".js"):
                file = folder / path[len(prefix):]
                if file.parent == folder and file.is_file():
                    return self.send(file.read_bytes(), "text/javascript; charset=utf-8")
        self.send_error(404)

    def send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", CSP)
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[BoothServer]:
    httpd = BoothServer()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


class PageRun:
    def __init__(self, state: str, text: str, console: list[str]) -> None:
        self.state, self.text, self.console = state, text, console

    def json(self) -> Any:
        assert self.state == "done", f"the page reported {self.state}: {self.text}; console: {self.console}"
        return json.loads(self.text)


def run_in_page(browser: Browser, server: BoothServer, call: str, data: Any,
                page_path: str = "/index.html") -> PageRun:
    """Serve one case, open the page on it and return what the page wrote into <output id=result>."""
    name = f"case{len(server.cases)}"
    server.cases[name] = json.dumps({"call": call, "input": data}).encode()
    context = browser.new_context()
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    try:
        page.goto(f"{server.url}{page_path}?case={name}")
        try:
            page.wait_for_selector("#result:not([data-state=waiting])", state="attached", timeout=30_000)
        except Exception:  # noqa: BLE001 - the page never finished: report what it said
            return PageRun("waiting", "", console)
        result = page.locator("#result")
        return PageRun(result.get_attribute("data-state") or "", result.text_content() or "", console)
    finally:
        context.close()


QUESTIONS = ("strike", "action_short_of_strike", "overtime_ban")
UNIT = "newport"


class Election:
    """An election set up by the Python engine as a real record: manifest, 3 trustees' key generation
    (threshold 2), election key, and a signed credential list of two members; the test then appends ballots
    made in Chromium and runs the verifier (`mandate record verify`'s engine) over the record."""

    def __init__(self) -> None:
        authority = CredentialAuthority()
        self.lines: list[str] = []
        writer = RecordWriter(self)
        manifest = {
            "protocol": PROTOCOL, "group": "ristretto255", "generator": group.GENERATOR.hex(),
            "election_id": "booth-test", "title": "Booth test ballot",
            "questions": [{"id": q, "text": f"Are you prepared to take part in {q.replace('_', ' ')}?"}
                          for q in QUESTIONS],
            "units": [{"id": UNIT, "name": "Newport"}], "trustees": 3, "threshold": 2,
            "credential_authority": authority.public.hex(),
        }
        manifest_hash = writer.append("election", manifest).hash
        self.first_hash = manifest_hash.hex()
        self.trustees, commits, reveals = run_dkg(3, 2, manifest_hash)
        for t, c in zip(self.trustees, commits, strict=True):
            writer.append("dkg_commit", {"trustee": t.index, "commitment": c.hex()})
        for t, (coefficients, proof) in zip(self.trustees, reveals, strict=True):
            writer.append("dkg_reveal", {"trustee": t.index, "coefficients": [c.hex() for c in coefficients],
                                         "proof": proof.to_json()})
        everyone = [c for c, _ in reveals]
        self.public_key = election_public_key(everyone)
        self.vkeys = {t.index: verification_key(everyone, t.index) for t in self.trustees}
        self.fingerprint = writer.append("election_key", {"public_key": self.public_key.hex(), "verification_keys": [
            {"trustee": j, "key": k.hex()} for j, k in sorted(self.vkeys.items())]}).hash
        issued = authority.issue([("member-1", UNIT), ("member-2", UNIT), ("member-3", UNIT)])
        self.voter: VoterCredential = issued["member-1"]
        self.second_voter: VoterCredential = issued["member-2"]
        self.other_voter: VoterCredential = issued["member-3"]
        entries = authority.public_list()
        signature = sign_credential_list(authority.secret, authority.public, self.fingerprint, entries)
        writer.append("credentials", {"entries": [{"credential": e.credential.hex(), "unit": e.unit}
                                                  for e in entries], "signature": signature.to_json()})
        self.head, self.seq = writer.head, writer.seq
        self.context = ElectionContext(self.fingerprint, self.public_key, QUESTIONS)

    def write(self, line: str) -> None:  # RecordWriter writes the setup events here, one line each
        self.lines.append(line)

    def booth_input(self, answers: dict[str, Any], voter: VoterCredential | None = None) -> dict[str, Any]:
        voter = voter or self.voter
        return {
            "electionPublicKey": self.public_key.hex(),
            "electionFingerprint": self.fingerprint.hex(),
            "questions": list(QUESTIONS),
            "credentialSecret": group.encode_scalar(voter.secret.reveal()).hex(),
            "credential": voter.public.hex(),
            "answers": answers,
        }

    def verify(self, folder: Path, events: list[tuple[str, dict[str, Any]]], *, close: bool = False) -> Report:
        """Write the setup, then the events, and (close=True) end of voting, tally, 2 of 3 trustees'
        decryption shares and the result; run the verifier. An unclosed record is checked as a snapshot
        taken while voting runs (extending the election event)."""
        record = folder / f"record-{len(list(folder.iterdir()))}.jsonl"
        with record.open("w", encoding="ascii") as fh:
            fh.writelines(self.lines)
            writer = RecordWriter(fh)
            writer.head, writer.seq = self.head, self.seq
            for type_, payload in events:
                writer.append(type_, payload)
            if close:
                self._close(writer, events)
        return verify_record(record, workers=1, since=None if close else self.first_hash)

    def _close(self, writer: RecordWriter, events: list[tuple[str, dict[str, Any]]]) -> None:
        cast = [parse_ballot(p["ballot"]) for t, p in events if t == "ballot"]
        last = {b.credential: b for b in cast}  # re-voting: the last ballot of each credential counts
        writer.append("end_of_voting", {"ballots": len(cast), "challenges": len(events) - len(cast),
                                        "counted": len(last)})
        tallies = {}
        for qi, q in enumerate(QUESTIONS):
            total = Ciphertext(group.IDENTITY, group.IDENTITY)
            for b in last.values():
                total = total + b.answers[qi].ciphertext
            tallies[q] = total
        writer.append("encrypted_tally", {"tallies": [
            {"unit": UNIT, "question": q, "alpha": ct.alpha.hex(), "beta": ct.beta.hex(), "ballots": len(last)}
            for q, ct in tallies.items()]})
        shares: dict[str, dict[int, bytes]] = {q: {} for q in QUESTIONS}
        for t in self.trustees[:2]:
            assert t.key_share is not None
            items = []
            for q, ct in tallies.items():
                context = share_context(self.fingerprint, self.public_key, t.index, UNIT, q)
                d, proof = decryption_share(t.key_share, self.vkeys[t.index], ct, context)
                shares[q][t.index] = d
                items.append({"unit": UNIT, "question": q, "share": d.hex(), "proof": proof.to_json()})
            writer.append("decryption_share", {"trustee": t.index, "shares": items})
        results = []
        for q, ct in tallies.items():
            yes = discrete_log(combine(ct, shares[q]), len(last))
            results.append({"unit": UNIT, "question": q, "yes": yes, "no": len(last) - yes})
        writer.append("result", {"trustees": [1, 2], "results": results})
        self.results = {r["question"]: r["yes"] for r in results}

    def resign(self, ballot_json: dict[str, Any]) -> dict[str, Any]:
        """Sign an altered ballot again with the voter's key, as a malicious booth holding the key could."""
        ballot = parse_ballot(ballot_json)
        digest = ballot_digest(ballot.election, ballot.credential, ballot.answers)
        signature = schnorr_prove(TAG_BALLOT_SIGNATURE, self.voter.secret, self.voter.public,
                                  signature_items(ballot.election, digest))
        return {**ballot_json, "signature": signature.to_json()}


def cast(sealed: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A ballot event's payload for a ballot sealed in the page."""
    return "ballot", {"ballot": sealed["ballot"], "tracking_code": sealed["trackingCode"]}


@pytest.fixture(scope="module")
def election() -> Election:
    return Election()


@pytest.fixture(scope="module")
def browser_ballot(browser: Browser, server: BoothServer, election: Election) -> dict[str, Any]:
    """One ballot encrypted, proved and signed in Chromium by member 1: Yes, No, Yes."""
    sealed = run_in_page(browser, server, "encryptBallot",
                         election.booth_input({"strike": 1, "action_short_of_strike": 0, "overtime_ban": True}))
    result = sealed.json()
    assert not [line for line in sealed.console if "Content Security Policy" in line], sealed.console
    return result


@pytest.fixture(scope="module")
def challenged(browser: Browser, server: BoothServer, election: Election) -> dict[str, Any]:
    """Member 2 seals a ballot (No, Yes, No), challenges it, then tries to cast it anyway."""
    run = run_in_page(browser, server, "encryptChallengeThenCast",
                      election.booth_input({"strike": 0, "action_short_of_strike": 1, "overtime_ban": 0},
                                           voter=election.second_voter))
    return run.json()


def test_a_ballot_encrypted_in_chromium_passes_the_python_verifier(
    election: Election, browser_ballot: dict[str, Any], tmp_path: Path
) -> None:
    ballot = browser_ballot["ballot"]
    report = election.verify(tmp_path, [cast(browser_ballot)])
    assert report.ok and report.ballots == 1, report.failed()
    parsed = parse_ballot(ballot)
    assert parsed.to_json() == ballot  # the same JSON, field for field and in order, as the Python engine's
    assert list(ballot) == ["election", "credential", "answers", "signature"]
    assert ballot["credential"] == election.voter.public.hex()
    assert browser_ballot["trackingCode"] == tracking_code(parsed)


def test_a_whole_election_voted_in_chromium_verifies_and_counts_the_last_ballots(
    browser: Browser, server: BoothServer, election: Election, browser_ballot: dict[str, Any],
    challenged: dict[str, Any], tmp_path: Path,
) -> None:
    sealed = run_in_page(browser, server, "encryptMany", [
        election.booth_input({"strike": 0, "action_short_of_strike": 0, "overtime_ban": 1},
                             voter=election.second_voter),
        election.booth_input({"strike": 0, "action_short_of_strike": 1, "overtime_ban": 1}),  # member 1 again
    ]).json()
    events = [
        cast(browser_ballot),
        ("challenge", {"ballot": challenged["ballot"], "tracking_code": challenged["trackingCode"],
                       "reveal": challenged["reveal"]}),
        cast(sealed[0]),
        cast(sealed[1]),
    ]
    report = election.verify(tmp_path, events, close=True)
    assert report.ok, report.failed()
    assert report.ballots == 3
    # member 1's second ballot replaced the first; member 2's challenged ballot was never counted
    assert election.results == {"strike": 0, "action_short_of_strike": 1, "overtime_ban": 2}


def test_the_same_choices_never_make_the_same_ballot(
    browser: Browser, server: BoothServer, election: Election, browser_ballot: dict[str, Any], tmp_path: Path
) -> None:
    again = run_in_page(browser, server, "encryptBallot",
                        election.booth_input({"strike": 1, "action_short_of_strike": 0, "overtime_ban": 1})).json()
    assert election.verify(tmp_path, [cast(again)]).ok
    first, second = browser_ballot["ballot"], again["ballot"]
    assert {a["alpha"] for a in first["answers"]}.isdisjoint(a["alpha"] for a in second["answers"])
    assert again["trackingCode"] != browser_ballot["trackingCode"]


def _flip_low_byte(hex_value: str) -> str:
    return f"{int(hex_value[:2], 16) ^ 1:02x}{hex_value[2:]}"


def _altered(election: Election, sealed: dict[str, Any], how: str) -> dict[str, Any]:
    """The ballot event of a sealed ballot altered after encryption (the tracking code is the page's)."""
    b = json.loads(json.dumps(sealed["ballot"]))
    code = sealed["trackingCode"]
    if how == "signature byte":
        b["signature"]["c"] = _flip_low_byte(b["signature"]["c"])
    elif how == "proof byte":
        b["answers"][1]["proof"]["v0"] = _flip_low_byte(b["answers"][1]["proof"]["v0"])
    elif how == "vote changed":  # beta + G turns No into Yes
        b["answers"][1]["beta"] = group.add(bytes.fromhex(b["answers"][1]["beta"]), group.GENERATOR).hex()
    elif how == "vote changed and signed again":  # the signature holds, the 0/1 proof does not
        b["answers"][1]["beta"] = group.add(bytes.fromhex(b["answers"][1]["beta"]), group.GENERATOR).hex()
        b = election.resign(b)
    elif how == "proof moved to another question":  # ciphertexts and proofs swapped, names kept, signed again
        first, second = b["answers"][0], b["answers"][1]
        for key in ("alpha", "beta", "proof"):
            first[key], second[key] = second[key], first[key]
        b = election.resign(b)
    elif how == "another voter's credential":
        b["credential"] = election.other_voter.public.hex()
    elif how == "another election":
        b["election"] = _flip_low_byte(b["election"])
    elif how == "questions reordered":
        b["answers"][0], b["answers"][1] = b["answers"][1], b["answers"][0]
    elif how == "non-canonical point":  # the field element p + 1 written out: not a canonical encoding
        b["answers"][0]["alpha"] = ((2**255 - 19) + 1).to_bytes(32, "little").hex()
    elif how == "upper-case hex":
        b["answers"][0]["alpha"] = b["answers"][0]["alpha"].upper()
    elif how == "tracking code":
        code = _flip_low_byte(code)
    else:
        raise AssertionError(how)
    return {"ballot": b, "tracking_code": code}


@pytest.mark.parametrize(
    ("how", "checks"),
    [
        ("signature byte", [(12, "ballots.signature")]),
        ("proof byte", [(12, "ballots.signature"), (13, "ballots.proofs")]),
        ("vote changed", [(12, "ballots.signature"), (13, "ballots.proofs")]),
        ("vote changed and signed again", [(13, "ballots.proofs")]),
        ("proof moved to another question", [(13, "ballots.proofs")]),
        ("another voter's credential", [(12, "ballots.signature"), (13, "ballots.proofs")]),
        ("another election", [(10, "ballots.election"), (12, "ballots.signature")]),
        ("questions reordered", [(9, "ballots.well_formed")]),
        ("non-canonical point", [(9, "ballots.well_formed")]),
        ("upper-case hex", [(9, "ballots.well_formed")]),
        ("tracking code", [(14, "ballots.tracking_codes")]),
    ],
)
def test_a_ballot_altered_after_encryption_is_rejected_by_the_named_check(
    election: Election, browser_ballot: dict[str, Any], tmp_path: Path, how: str, checks: list[tuple[int, str]]
) -> None:
    report = election.verify(tmp_path, [("ballot", _altered(election, browser_ballot, how))])
    assert report.failed() == checks


def test_a_replayed_ballot_is_rejected(election: Election, browser_ballot: dict[str, Any], tmp_path: Path) -> None:
    report = election.verify(tmp_path, [cast(browser_ballot), cast(browser_ballot)])
    assert report.failed() == [(14, "ballots.tracking_codes")]


def test_a_ballot_signed_with_a_key_the_authority_never_issued_is_rejected(
    browser: Browser, server: BoothServer, election: Election, tmp_path: Path
) -> None:
    stranger = election.booth_input({"strike": 1, "action_short_of_strike": 1, "overtime_ban": 1})
    stranger["credentialSecret"] = group.encode_scalar(group.random_scalar()).hex()
    del stranger["credential"]
    sealed = run_in_page(browser, server, "encryptBallot", stranger).json()
    report = election.verify(tmp_path, [cast(sealed)])
    assert report.failed() == [(11, "ballots.credential")]


def test_a_challenged_ballot_opens_to_the_chosen_votes_and_cannot_be_cast(
    election: Election, challenged: dict[str, Any], tmp_path: Path
) -> None:
    ballot, reveal = challenged["ballot"], challenged["reveal"]
    event = {"ballot": ballot, "tracking_code": challenged["trackingCode"], "reveal": reveal}
    assert election.verify(tmp_path, [("challenge", event)]).ok
    assert [(r["question"], r["vote"]) for r in reveal] == [
        ("strike", 0), ("action_short_of_strike", 1), ("overtime_ban", 0)]
    assert challenged["castAfterChallenge"] == "this ballot was already challenged: encrypt a new one"
    # A reveal that claims another vote does not open the ballot.
    forged = [dict(r) for r in reveal]
    forged[0]["vote"] = 1
    report = election.verify(tmp_path, [("challenge", {**event, "reveal": forged})])
    assert report.failed() == [(15, "challenges.reveals")]
    # The page's own second-device checks agree with the Python verifier.
    assert challenged["checkBallot"] is None
    assert challenged["checkReveal"] is True and challenged["checkForgedReveal"] is False
    assert check_reveal(election.context, parse_ballot(ballot), reveal)


def test_the_booth_checks_a_ballot_made_by_the_python_engine(
    browser: Browser, server: BoothServer, election: Election, tmp_path: Path
) -> None:
    from mandate.crypto.ballot import encrypt_ballot

    ballot, _secrets = encrypt_ballot(election.context, election.voter,
                                      {"strike": 1, "action_short_of_strike": 1, "overtime_ban": 0})
    good = {"ballot": ballot.to_json(), "trackingCode": tracking_code(ballot)}
    bad = _altered(election, good, "vote changed")["ballot"]
    base = election.booth_input({})
    del base["credentialSecret"], base["answers"], base["credential"]
    verdicts = run_in_page(browser, server, "checkBallots", {**base, "ballots": [good["ballot"], bad]}).json()
    assert verdicts == [{"check": None, "trackingCode": good["trackingCode"]}, {"check": "signature"}]


def test_the_booth_refuses_bad_input(browser: Browser, server: BoothServer, election: Election) -> None:
    wrong_key = election.booth_input({"strike": 1, "action_short_of_strike": 0, "overtime_ban": 0},
                                     voter=election.other_voter)
    wrong_key["credential"] = election.voter.public.hex()
    missing = election.booth_input({"strike": 1})
    not_a_vote = election.booth_input({"strike": 2, "action_short_of_strike": 0, "overtime_ban": 0})
    unreduced = election.booth_input({"strike": 1, "action_short_of_strike": 0, "overtime_ban": 0})
    unreduced["credentialSecret"] = group.encode_scalar(1)[:31].hex() + "ff"
    errors = run_in_page(browser, server, "errorsOf", [wrong_key, missing, not_a_vote, unreduced]).json()
    assert errors == [
        "credential: does not match the signing key",
        "answers: every question of the election, and only those",
        "answer to strike: 1 (Yes) or 0 (No)",
        "credentialSecret: scalar not reduced below the group order",
    ]


def test_a_booth_build_with_the_wrong_integrity_hash_is_refused(browser: Browser, server: BoothServer) -> None:
    run = run_in_page(browser, server, "encryptBallot", {}, page_path="/bad-integrity.html")
    assert (run.state, run.text) == ("error", "the booth module was not loaded")
    assert any("integrity" in line for line in run.console), run.console
