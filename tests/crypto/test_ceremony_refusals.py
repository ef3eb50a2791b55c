"""`mandate trustee` and `mandate credentials` refuse what they cannot do, clearly (exit 1 refused, 2 unusable
input, never a traceback), and the one writer of secret files keeps them secret. In process, for speed; the
whole ceremony as separate processes is tests/crypto/test_ceremony_cli.py."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from mandate.cli import app
from mandate.crypto import group
from mandate.crypto.ceremony import message_json
from mandate.crypto.hashing import PROTOCOL
from mandate.crypto.record import RecordWriter
from mandate.crypto.secret_file import SecretFileError, read_secret_file, write_secret_file
from mandate.crypto.secrets import Secret, SecretLeakError, random_secret_scalar

runner = CliRunner()
N, K = 3, 2


def cli(*args: str | Path) -> Any:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


class Board:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fh = path.open("w", encoding="ascii")
        self.w = RecordWriter(self.fh)

    def add(self, type_: str, payload: Any) -> str:
        h = self.w.append(type_, payload).hash.hex()
        self.fh.flush()
        return h

    def publish(self, type_: str, path: Path) -> str:
        return self.add(type_, json.loads(path.read_text()))


@pytest.fixture
def keyed(tmp_path: Path) -> dict[str, Any]:
    """A 2-of-3 election through its key ceremony, each trustee in a folder of their own."""
    ca = tmp_path / "ca"
    assert cli("credentials", "authority", "--dir", ca).exit_code == 0
    ca_pub, _ = read_secret_file(ca / "authority.secret", "mandate credential authority")
    board = Board(tmp_path / "record.jsonl")
    board.add("election", {"protocol": PROTOCOL, "group": group.GROUP_NAME, "generator": group.GENERATOR.hex(),
                           "election_id": "e", "title": "T", "questions": [{"id": "strike", "text": "Strike?"}],
                           "units": [{"id": "u1", "name": "Unit 1"}], "trustees": N, "threshold": K,
                           "credential_authority": ca_pub["public"]})
    t = {i: tmp_path / f"t{i}" for i in range(1, N + 1)}
    for i in t:
        assert cli("trustee", "keygen", "--record", board.path, "--index", i, "--dir", t[i]).exit_code == 0
    return {"board": board, "t": t, "ca": ca, "tmp": tmp_path}


def _commit_all(k: dict[str, Any]) -> None:
    for i, d in k["t"].items():
        k["board"].publish("dkg_commit", d / f"commit-{i}.json")


def _reveal_all(k: dict[str, Any]) -> None:
    _commit_all(k)
    for i, d in k["t"].items():
        assert cli("trustee", "reveal", "--record", k["board"].path, "--secret", d / f"trustee-{i}.secret",
                   "--dir", d).exit_code == 0
        k["board"].publish("dkg_reveal", d / f"reveal-{i}.json")


def test_keygen_refuses_a_number_outside_the_trustees_and_a_second_run(keyed: dict[str, Any]) -> None:
    b, t = keyed["board"], keyed["t"]
    for index in ("0", "4"):
        r = cli("trustee", "keygen", "--record", b.path, "--index", index, "--dir", keyed["tmp"] / "x")
        assert r.exit_code == 1 and "between 1 and 3" in r.stderr
    r = cli("trustee", "keygen", "--record", b.path, "--index", "1", "--dir", t[1])
    assert r.exit_code == 2 and "exists already" in r.stderr
    _commit_all(keyed)
    r = cli("trustee", "keygen", "--record", b.path, "--index", "1", "--dir", keyed["tmp"] / "y")
    assert r.exit_code == 1 and "already committed" in r.stderr


def test_a_missing_or_broken_record_is_unusable_input(keyed: dict[str, Any]) -> None:
    tmp = keyed["tmp"]
    r = cli("trustee", "combine", "--record", tmp / "nothing.jsonl")
    assert r.exit_code == 2 and "does not exist" in r.stderr
    lines = keyed["board"].path.read_text().splitlines()
    broken = tmp / "broken.jsonl"
    broken.write_text(lines[0].replace('"T"', '"T2"') + "\n")
    r = cli("trustee", "keygen", "--record", broken, "--index", "1", "--dir", tmp / "z")
    assert r.exit_code == 2 and "hash chain is broken at line 1" in r.stderr
    (tmp / "float.jsonl").write_text(lines[0].replace('"threshold":2', '"threshold":2.0') + "\n")
    r = cli("trustee", "keygen", "--record", tmp / "float.jsonl", "--index", "1", "--dir", tmp / "z")
    assert r.exit_code == 2 and "cannot be read" in r.stderr


def test_a_wrong_or_missing_share_is_refused_naming_the_sender(keyed: dict[str, Any]) -> None:
    _reveal_all(keyed)
    t, b = keyed["t"], keyed["board"]
    inbox = keyed["tmp"] / "inbox1"
    inbox.mkdir()
    # trustee 3 sends trustee 1 a share that is not f_3(1)
    write_secret_file(inbox / "share-3-for-1.secret", "mandate trustee share",
                      {"election": json.loads(b.path.read_text().splitlines()[0])["hash"], "from": 3, "to": 1},
                      {"share": random_secret_scalar("x")})
    os.link(t[2] / "share-2-for-1.secret", inbox / "share-2-for-1.secret")
    secret = t[1] / "trustee-1.secret"
    r = cli("trustee", "finish", "--record", b.path, "--secret", secret, inbox / "share-2-for-1.secret",
            inbox / "share-3-for-1.secret")
    assert r.exit_code == 1 and "trustee 3 sent a wrong share" in r.stderr
    r = cli("trustee", "finish", "--record", b.path, "--secret", secret, inbox / "share-2-for-1.secret")
    assert r.exit_code == 1 and "missing trustee 3" in r.stderr
    r = cli("trustee", "finish", "--record", b.path, "--secret", secret, t[2] / "share-2-for-3.secret")
    assert r.exit_code == 1 and "not a share for trustee 1" in r.stderr
    # a share file given as the trustee's own secret file is the wrong kind of file
    r = cli("trustee", "decrypt", "--record", b.path, "--secret", t[2] / "share-2-for-1.secret")
    assert r.exit_code == 2 and "not a 'mandate trustee secret'" in r.stderr
    # a refused finish writes no key share
    assert "key_share" not in read_secret_file(secret, "mandate trustee secret")[1]


def test_decrypt_refuses_before_the_key_share_and_before_the_tally(keyed: dict[str, Any]) -> None:
    _reveal_all(keyed)
    t, b = keyed["t"], keyed["board"]
    r = cli("trustee", "decrypt", "--record", b.path, "--secret", t[1] / "trustee-1.secret", "--dir", t[1])
    assert r.exit_code == 1 and "run `mandate trustee finish` first" in r.stderr
    for i in t:
        shares = [t[j] / f"share-{j}-for-{i}.secret" for j in t if j != i]
        assert cli("trustee", "finish", "--record", b.path, "--secret", t[i] / f"trustee-{i}.secret",
                   *shares).exit_code == 0
    r = cli("trustee", "finish", "--record", b.path, "--secret", t[1] / "trustee-1.secret",
            *[t[j] / f"share-{j}-for-1.secret" for j in (2, 3)])
    assert r.exit_code == 1 and "already holds your key share" in r.stderr
    r = cli("trustee", "decrypt", "--record", b.path, "--secret", t[1] / "trustee-1.secret", "--dir", t[1])
    assert r.exit_code == 1 and "no election key yet" in r.stderr
    r = cli("trustee", "combine", "--record", b.path, "--out", keyed["tmp"] / "key.json")
    assert r.exit_code == 0
    b.publish("election_key", keyed["tmp"] / "key.json")
    r = cli("trustee", "decrypt", "--record", b.path, "--secret", t[1] / "trustee-1.secret", "--dir", t[1])
    assert r.exit_code == 1 and "no encrypted tally yet" in r.stderr
    r = cli("credentials", "issue", "--authority", keyed["tmp"] / "t1" / "trustee-1.secret", "--record", b.path,
            "--members", keyed["tmp"] / "none.csv")
    assert r.exit_code == 2 and "not a 'mandate credential authority'" in r.stderr


@pytest.mark.parametrize(("body", "code", "says"), [
    (b"", 2, "is empty"),
    (b"id,unit\nM1,u1\n", 2, "no member_id column"),
    (b"member_id,member_id\nM1,M2\n", 2, "named twice"),
    (b"member_id\nM1\x00\n", 2, "NUL byte"),
    (b"member_id,unit\nM1,u9\n", 1, "unknown unit 'u9'"),
    (b"member_id\n" + b"M" * 10_000 + b"\n", 1, "1 to 200 printable characters"),
    (b"member_id\nM1,extra\n", 1, "2 columns, the header has 1"),
    (b"member_id\n\n\n", 2, "lists no member"),
    (b"\xff\xfe", 2, "not UTF-8"),
])
def test_a_member_list_that_cannot_be_used_is_refused_whole(keyed: dict[str, Any], body: bytes, code: int,
                                                            says: str) -> None:
    _reveal_all(keyed)
    b = keyed["board"]
    assert cli("trustee", "combine", "--record", b.path, "--out", keyed["tmp"] / "key.json").exit_code == 0
    b.publish("election_key", keyed["tmp"] / "key.json")
    csv_path = keyed["tmp"] / "members.csv"
    csv_path.write_bytes(body)
    out = keyed["tmp"] / "issued"
    r = cli("credentials", "issue", "--authority", keyed["ca"] / "authority.secret", "--record", b.path,
            "--members", csv_path, "--dir", out)
    assert r.exit_code == code and says in r.stderr, r.stderr
    assert not out.exists() or not list(out.iterdir())


def test_credentials_need_the_election_key_and_this_authority(keyed: dict[str, Any]) -> None:
    b, tmp = keyed["board"], keyed["tmp"]
    (tmp / "m.csv").write_text("member_id\nM1\n")
    r = cli("credentials", "issue", "--authority", keyed["ca"] / "authority.secret", "--record", b.path,
            "--members", tmp / "m.csv", "--dir", tmp / "out")
    assert r.exit_code == 1 and "no election key yet" in r.stderr
    other = tmp / "other-ca"
    assert cli("credentials", "authority", "--dir", other).exit_code == 0
    r = cli("credentials", "issue", "--authority", other / "authority.secret", "--record", b.path,
            "--members", tmp / "m.csv", "--dir", tmp / "out")
    assert r.exit_code == 1 and "another credential authority" in r.stderr


def test_revoke_takes_the_credential_off_the_list_once(keyed: dict[str, Any]) -> None:
    _reveal_all(keyed)
    b, tmp, ca = keyed["board"], keyed["tmp"], keyed["ca"]
    assert cli("trustee", "combine", "--record", b.path, "--out", tmp / "key.json").exit_code == 0
    b.publish("election_key", tmp / "key.json")
    (tmp / "m.csv").write_text("member_id\nM1\nM2\n")
    auth = ca / "authority.secret"
    assert cli("credentials", "issue", "--authority", auth, "--record", b.path, "--members", tmp / "m.csv",
               "--dir", ca).exit_code == 0
    private = ca / "credentials-private.secret"
    _, before = read_secret_file(private, "mandate credentials")
    m1 = next(m["credential"] for m in before["members"] if m["member"] == "M1")
    r = cli("credentials", "revoke", "--authority", auth, "--record", b.path, "--private", private, "--member", "M1")
    assert r.exit_code == 0
    listed = json.loads((ca / "credentials.json").read_text())
    assert [e["credential"] for e in listed["entries"]] == [
        m["credential"] for m in before["members"] if m["member"] == "M2"]
    assert m1 not in (ca / "credentials.json").read_text()
    r = cli("credentials", "revoke", "--authority", auth, "--record", b.path, "--private", private, "--member", "M1")
    assert r.exit_code == 1 and "holds no credential" in r.stderr
    r = cli("credentials", "revoke", "--authority", auth, "--record", b.path, "--private", private, "--member", "M2")
    assert r.exit_code == 1 and "empty list" in r.stderr
    public, _ = read_secret_file(private, "mandate credentials")
    assert public["revoked"] == [{"member": "M1", "credential": m1}]
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_a_message_never_holds_a_secret() -> None:
    with pytest.raises(SecretLeakError):
        message_json({"trustee": 1, "share": random_secret_scalar("key share")})


def test_the_writer_refuses_links_and_existing_files_and_the_reader_loose_modes(tmp_path: Path) -> None:
    s = random_secret_scalar("k")
    path = write_secret_file(tmp_path / "a.secret", "kind", {"n": 1}, {"k": s})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(SecretFileError, match="exists already"):
        write_secret_file(path, "kind", {}, {"k": s})
    (tmp_path / "link.secret").symlink_to(path)
    with pytest.raises(SecretFileError, match="symbolic link"):
        write_secret_file(tmp_path / "link.secret", "kind", {}, {"k": s}, replace=True)
    with pytest.raises(SecretFileError, match="symbolic link"):
        read_secret_file(tmp_path / "link.secret", "kind")
    for mode in (0o640, 0o604, 0o620):
        path.chmod(mode)
        with pytest.raises(SecretFileError, match="chmod 600"):
            read_secret_file(path, "kind")
    path.chmod(0o600)
    with pytest.raises(SecretFileError, match="not a 'other'"):
        read_secret_file(path, "other")
    with pytest.raises(TypeError):
        write_secret_file(tmp_path / "b.secret", "kind", {}, {"k": object()})
    assert not (tmp_path / "b.secret").exists() and not list(tmp_path.glob(".b.secret*"))


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.integers(min_value=0, max_value=group.ORDER - 1), min_size=1, max_size=5),
       name=st.text(min_size=1, max_size=20))
def test_a_secret_file_gives_back_what_was_written(tmp_path_factory: pytest.TempPathFactory, values: list[int],
                                                   name: str) -> None:
    d = tmp_path_factory.mktemp("s")
    secrets = [Secret("scalar", v) for v in values]
    path = write_secret_file(d / "x.secret", "kind", {"name": name}, {"list": secrets, "one": secrets[0]})
    public, back = read_secret_file(path, "kind")
    assert public == {"name": name}
    assert back["list"] == secrets and back["one"] == secrets[0]
    assert all(isinstance(x, Secret) for x in back["list"])
