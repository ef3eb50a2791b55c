"""`mandate vote`: a client that votes in an electronic ballot as a member would, from the message that
delivered their credential. It needs no database: it talks to the server over HTTP(S) only.

``cast`` reads the credential message (the voting link, with the credential after ``#``), fetches the
election from the server, asks for a one-time code to the member's personal channel, encrypts, proves and
signs the ballot here with the crypto engine, posts it and prints the receipt (the tracking code). With
``--challenge`` the ballot is opened instead of cast (Benaloh): the client prints what it encrypted and the
numbers that prove it, publishes the challenge, and nothing is counted.

``prepare`` does everything but the post, and appends the sealed ballot (with the sign-in token, valid for
some hours) to a file; ``send`` posts such a file's ballots later, one by one (the load bench's path).
``check`` checks a challenged ballot's text (from the booth page or ``--challenge``) on another device.

The credential key never leaves this process: what goes to the server is the public ballot.
"""

from __future__ import annotations

import email
import json
import re
import sys
import time
from dataclasses import dataclass
from email import policy
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlsplit
from urllib.request import Request, urlopen

import typer

from mandate.cli.errors import BAD_INPUT, fail

app = typer.Typer(no_args_is_help=True, help="Vote in an electronic ballot as a member, from the credential message.")

LINK = re.compile(r"(?P<base>https?://[^\s/]+)(?P<path>/vote/(?P<union>[\w-]+)/(?P<ballot>[\w-]+)/link/"
                  r"(?P<key>[\w.\-]+)/)#credential=(?P<credential>[0-9a-fA-F]{64})")
BARE_LINK = re.compile(r"(?P<base>https?://[^\s/]+)(?P<path>/vote/(?P<union>[\w-]+)/(?P<ballot>[\w-]+)/link/"
                       r"(?P<key>[\w.\-]+)/)")
CREDENTIAL = re.compile(r"credential\W{1,4}(?P<credential>[0-9a-fA-F]{64})\b", re.I)
CODE = re.compile(r"one-time code to vote in .*? is (\d{6})", re.S)
YES = {"yes", "y", "1", "true"}
NO = {"no", "n", "0", "false"}
TIMEOUT = 60


@dataclass(frozen=True)
class Link:
    base: str
    union: str
    ballot: str
    key: str
    credential: str  # the secret key, 64 hex: used here only, never sent
    to: str  # the address the message was sent to (to find the code sent there), if known

    def url(self, tail: str) -> str:
        return f"{self.base}/vote/{quote(self.union)}/{quote(self.ballot)}/{tail}"


def _message_texts(raw: bytes) -> list[tuple[str, str]]:
    """(To, text) of each message in a file: a development mail file (one or more messages, as Django's file
    backend writes them), an SMS file, or plain text holding the link."""
    out: list[tuple[str, str]] = []
    for chunk in re.split(rb"\n-{79}\n", raw):
        if not chunk.strip():
            continue
        msg = email.message_from_bytes(chunk.strip() + b"\n", policy=policy.default)
        to = str(msg.get("To", "") or "")
        if msg.is_multipart() or msg.get_content_type() == "text/plain" and msg.keys():
            parts = [p for p in msg.walk() if p.get_content_type() == "text/plain"]
            body = "\n".join(str(p.get_content()) for p in parts) if parts else chunk.decode("utf-8", "replace")
        else:
            body = chunk.decode("utf-8", "replace")
        out.append((to, body))
    return out


def read_link(path: Path | None, link: str | None) -> Link:
    """The voting link with its credential, from --link or from the delivered message file."""
    texts: list[tuple[str, str]]
    if link:
        texts = [("", link)]
    elif path is not None:
        try:
            texts = _message_texts(path.read_bytes())
        except OSError as exc:
            fail(f"{path} cannot be read ({exc.strerror})", code=BAD_INPUT)
    else:
        fail("give the credential message (--message FILE) or the voting link (--link URL)", code=BAD_INPUT)
    for to, text in texts:
        text = re.sub(r"=\r?\n", "", text)
        m = LINK.search(text)
        if m:
            return Link(m["base"], m["union"], m["ballot"], m["key"], m["credential"].lower(), to)
        bare, cred = BARE_LINK.search(text), CREDENTIAL.search(text)  # the link, and the credential apart
        if bare and cred:
            return Link(bare["base"], bare["union"], bare["ballot"], bare["key"], cred["credential"].lower(), to)
    fail("no voting link with a credential (…/vote/UNION/BALLOT/link/KEY/#credential=…) in "
         f"{path if path else 'the link given'}", code=BAD_INPUT)


def _http(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = Request(url, data=data, method=method, headers=headers)  # noqa: S310 (the server's own URL)
    try:
        with urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except HTTPError as error:
        try:
            answer = json.loads(error.read() or b"{}")
        except ValueError:
            answer = {"error": f"HTTP {error.code}"}
        return error.code, answer
    except (URLError, TimeoutError, OSError) as error:
        fail(f"the server {urlsplit(url).netloc} could not be reached ({getattr(error, 'reason', error)})")


def _refused(what: str, status: int, answer: Any) -> None:
    reason = answer.get("error", f"HTTP {status}") if isinstance(answer, dict) else f"HTTP {status}"
    fail(f"{what} refused (HTTP {status}): {reason}")


def fetch_election(link: Link) -> dict[str, Any]:
    status, answer = _http("GET", link.url("election.json"))
    if status != 200:
        _refused("fetching the election", status, answer)
    return answer


def _find_code(folder: Path, to: str, since: float) -> str | None:
    """The newest one-time code sent to `to` in a development mail or SMS folder since `since`."""
    best: tuple[float, str] | None = None
    for file in folder.iterdir() if folder.is_dir() else []:
        try:
            stat = file.stat()
            if not file.is_file() or stat.st_mtime < since - 1:
                continue
            raw = file.read_bytes()
        except OSError:
            continue
        for msg_to, text in _message_texts(raw):
            addressed = msg_to or (re.search(r"^To: (.+)$", text, re.M) or [None, ""])[1]
            m = CODE.search(text)
            if m and (not to or to.strip().lower() in str(addressed).strip().lower()) and (
                    best is None or stat.st_mtime >= best[0]):
                best = (stat.st_mtime, m[1])
    return best[1] if best else None


def sign_in(link: Link, code: str | None, code_from: list[Path]) -> str:
    """Ask for a one-time code, take it (given, found in a development folder, or typed) and return the token."""
    if not code:
        asked = time.time()
        status, answer = _http("POST", link.url("api/code.json"), {"access": link.key})
        if status != 200:
            _refused("asking for a one-time code", status, answer)
        typer.echo(f"A one-time code was sent to your {answer.get('channel', '')} ({answer.get('sent_to', '')}).",
                   err=True)
        if code_from:
            for _ in range(100):
                found = next((c for folder in code_from if (c := _find_code(folder, link.to, asked))), None)
                if found:
                    code = found
                    break
                time.sleep(0.1)
            if not code:
                fail(f"no one-time code for {link.to or 'this member'} arrived in {', '.join(map(str, code_from))}")
        elif sys.stdin.isatty():
            code = typer.prompt("The six-digit code")
        else:
            fail("give the one-time code (--code) or a development folder to find it in (--code-from)",
                 code=BAD_INPUT)
    status, answer = _http("POST", link.url("api/verify.json"), {"access": link.key, "code": code})
    if status != 200:
        _refused("the one-time code", status, answer)
    return str(answer["token"])


def _votes(election: dict[str, Any], given: list[str]) -> dict[str, int]:
    ids = [q["id"] for q in election["questions"]]
    votes: dict[str, int] = {}
    for item in given:
        q, _, v = item.partition("=")
        q, v = q.strip(), v.strip().lower()
        if q not in ids:
            fail(f"--vote {item}: the election's questions are {', '.join(ids)}", code=BAD_INPUT)
        if v not in YES | NO:
            fail(f"--vote {item}: yes or no", code=BAD_INPUT)
        votes[q] = 1 if v in YES else 0
    for n, q in enumerate(election["questions"], start=1):
        if q["id"] in votes:
            continue
        if not sys.stdin.isatty():
            fail(f"no vote for question {n} ({q['id']}): give --vote {q['id']}=yes or =no", code=BAD_INPUT)
        votes[q["id"]] = 1 if typer.confirm(f"{n}. {q['text']} Yes?") else 0
    return votes


def seal(election: dict[str, Any], credential_hex: str, votes: dict[str, int]) -> tuple[Any, Any]:
    """The ballot, encrypted, proved and signed with the crypto engine, and its secrets (for a challenge)."""
    from mandate.crypto import group
    from mandate.crypto.ballot import ElectionContext, encrypt_ballot
    from mandate.crypto.credentials import VoterCredential
    from mandate.crypto.secrets import Secret

    try:
        x = group.decode_scalar(bytes.fromhex(credential_hex))
    except (ValueError, group.DecodeError):
        fail("the credential in the message is not a valid key", code=BAD_INPUT)
    if x == 0:
        fail("the credential in the message is not a valid key", code=BAD_INPUT)
    secret = Secret("voter signing key", x)
    voter = VoterCredential(secret, group.base_mul(x), "")
    ctx = ElectionContext(bytes.fromhex(election["fingerprint"]), bytes.fromhex(election["public_key"]),
                          tuple(q["id"] for q in election["questions"]))
    return encrypt_ballot(ctx, voter, votes)


Message = typer.Option(None, "--message", help="The message that delivered your credential (a mail or SMS file).")
LinkOpt = typer.Option(None, "--link", help="The voting link itself, with its #credential=… part.")
CodeOpt = typer.Option(None, "--code", help="The one-time code, if you have it already.")
CodeFrom = typer.Option([], "--code-from", help="A development mail or SMS folder to read the code from "
                                                "(var/mail, var/sms); repeat for both.")
VoteOpt = typer.Option([], "--vote", help="QUESTION=yes or QUESTION=no, for each question (asked if missing).")


@app.command()
def cast(
    message: Path | None = Message, link: str | None = LinkOpt, code: str | None = CodeOpt,
    code_from: list[Path] = CodeFrom, vote: list[str] = VoteOpt,
    challenge: bool = typer.Option(False, "--challenge", help="Open the ballot to check it instead of casting "
                                                              "it (it is never counted)."),
    out: Path | None = typer.Option(None, "--out", help="With --challenge: write the challenged ballot here, "
                                                        "for `mandate vote check` on another device."),
    as_json: bool = typer.Option(False, "--json", help="Print the receipt as JSON."),
) -> None:
    """Vote (or, with --challenge, check the encryption) as the member the credential message was sent to."""
    from mandate.crypto.ballot import reveal_json, tracking_code

    target = read_link(message, link)
    election = fetch_election(target)
    if not election.get("voting_open"):
        fail("voting in this ballot is not open")
    votes = _votes(election, vote)
    token = sign_in(target, code, code_from)
    ballot, secrets = seal(election, target.credential, votes)
    mine = tracking_code(ballot)
    if challenge:
        reveal = reveal_json(ballot, secrets)
        status, answer = _http("POST", target.url("api/challenge.json"),
                               {"ballot": ballot.to_json(), "reveal": reveal}, token)
        if status not in (200, 201):
            _refused("publishing the challenge", status, answer)
        opened = {"election": {"fingerprint": election["fingerprint"], "public_key": election["public_key"],
                               "questions": [q["id"] for q in election["questions"]]},
                  "ballot": ballot.to_json(), "tracking_code": mine, "reveal": reveal}
        if out:
            out.write_text(json.dumps(opened, indent=1) + "\n", encoding="ascii")
        if as_json:
            typer.echo(json.dumps({**answer, "reveal": reveal}))
            return
        typer.echo("Challenged (never counted). The ballot encrypted:")
        for n, (q, r) in enumerate(zip(election["questions"], reveal, strict=True), start=1):
            typer.echo(f"  {n}. {q['text']}: {'Yes' if r['vote'] else 'No'}")
        typer.echo(f"Tracking code (published as a challenge): {mine}")
        return
    status, answer = _http("POST", target.url("api/cast.json"), {"ballot": ballot.to_json()}, token)
    if status not in (200, 201):
        _refused("casting the ballot", status, answer)
    if answer.get("tracking_code") != mine:
        fail(f"the server's receipt names tracking code {answer.get('tracking_code')}, not this ballot's {mine}")
    if as_json:
        typer.echo(json.dumps(answer))
        return
    typer.echo("Your vote is cast." if not answer.get("already_received") else "This ballot had arrived already.")
    if answer.get("replaced_earlier_ballot"):
        typer.echo("It replaces the ballot you cast before: only your last ballot counts.")
    typer.echo(f"Tracking code: {mine}")
    typer.echo(f"Receipt: {target.base}{answer.get('receipt_url', '')}")


@app.command()
def prepare(
    message: Path | None = Message, link: str | None = LinkOpt, code: str | None = CodeOpt,
    code_from: list[Path] = CodeFrom, vote: list[str] = VoteOpt,
    out: Path = typer.Option(..., "--out", help="Append the sealed ballot (and the sign-in token) to this file."),
) -> None:
    """Sign in and seal a ballot now; append it to a file to cast later with `mandate vote send` (within the
    token's hours). The file holds no credential key and no vote in the clear, but its token lets anyone
    holding it post that ballot: keep it private."""
    from mandate.crypto.ballot import tracking_code

    target = read_link(message, link)
    election = fetch_election(target)
    votes = _votes(election, vote)
    token = sign_in(target, code, code_from)
    ballot, _secrets = seal(election, target.credential, votes)
    line = {"server": target.base, "union": target.union, "ballot_code": target.ballot, "token": token,
            "ballot": ballot.to_json(), "tracking_code": tracking_code(ballot)}
    with out.open("a", encoding="ascii") as fh:
        fh.write(json.dumps(line) + "\n")
    typer.echo(line["tracking_code"])


@app.command()
def send(file: Path = typer.Argument(..., help="A file written by `mandate vote prepare`."),
         as_json: bool = typer.Option(False, "--json", help="One JSON receipt a line.")) -> None:
    """Cast every ballot of a prepared file, in order; print each receipt. Refusals are listed, not fatal."""
    try:
        lines = [json.loads(x) for x in file.read_text(encoding="ascii").splitlines() if x.strip()]
    except (OSError, ValueError) as exc:
        fail(f"{file} is not a file of prepared ballots ({exc})", code=BAD_INPUT)
    refused = 0
    for n, item in enumerate(lines, start=1):
        target = Link(item["server"], item["union"], item["ballot_code"], "", "", "")
        status, answer = _http("POST", target.url("api/cast.json"), {"ballot": item["ballot"]}, item["token"])
        ok = status in (200, 201) and answer.get("tracking_code") == item["tracking_code"]
        refused += not ok
        if as_json:
            typer.echo(json.dumps({"line": n, "status": status, **answer}))
        else:
            typer.echo(f"{n}: {item['tracking_code']} " + ("cast" if ok else f"refused: {answer.get('error')}"))
    if refused:
        fail(f"{refused} of {len(lines)} ballots were refused")


@app.command()
def check(file: Path = typer.Argument(..., help="A challenged ballot: the booth page's text, or --out of "
                                                  "`mandate vote cast --challenge`.")) -> None:
    """Check on another device that a challenged ballot holds the choices it shows (and print them)."""
    from mandate.crypto import group
    from mandate.crypto.ballot import ElectionContext, check_ballot, check_reveal, parse_ballot, tracking_code

    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        e = data["election"]
        ctx = ElectionContext(bytes.fromhex(e["fingerprint"]), bytes.fromhex(e["public_key"]), tuple(e["questions"]))
        ballot = parse_ballot(data["ballot"])
    except (OSError, ValueError, KeyError, TypeError, group.DecodeError) as exc:
        fail(f"{file} is not a challenged ballot ({exc})", code=BAD_INPUT)
    failed = check_ballot(ctx, ballot)
    if failed:
        fail(f"the ballot does not check: {', '.join(failed)}")
    if data.get("tracking_code") != tracking_code(ballot):
        fail("the tracking code shown is not this ballot's")
    if not check_reveal(ctx, ballot, data.get("reveal")):
        fail("the revealed numbers do not open the ballot: the booth did not encrypt what it shows")
    typer.echo("The ballot holds exactly these choices:")
    for n, r in enumerate(data["reveal"], start=1):
        typer.echo(f"  {n}. {r['question']}: {'Yes' if r['vote'] else 'No'}")
    typer.echo(f"Tracking code: {data['tracking_code']}")
