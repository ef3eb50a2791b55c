"""Writing and checking the hash-chained audit log.

Call `record(actor, action, object_type, object_id, **detail)` for every read of an individual's attendance
and every change to a ballot. Detail must never hold a secret: keys that look like one are refused.

The chain alone shows a changed or removed entry in the middle. Three more checks cover the rest:
- the newest entries removed: the last entry must be the head recorded in AuditHead;
- the head moved back with them, or the whole chain rewritten with new hashes: checkpoints of the head are
  signed with an Ed25519 key (libsodium, through rbcl's bundled library) kept in a file outside the database
  (MANDATE_AUDIT_KEY, 0600), stored in the database and appended to a file beside the key; every checkpoint
  must carry a good signature and match the chain's entry of its number, and none may be beyond the chain.
A checkpoint is signed every MANDATE_AUDIT_CHECKPOINT_EVERY entries, by `mandate audit checkpoint`, and by a
`mandate audit verify` that finds the log intact.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

GENESIS = "0" * 64
_FORBIDDEN_KEYS = ("password", "secret", "nonce", "private", "token", "credential_key")


def entry_hash(seq: int, at: datetime, actor: str, action: str, object_type: str, object_id: str,
               detail: dict[str, Any], prev_hash: str) -> str:
    payload = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), actor, action, object_type, object_id, detail, prev_hash],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _actor_name(actor: Any) -> str:
    if actor is None:
        return "system"
    if isinstance(actor, str):
        return actor
    return getattr(actor, "username", None) or "anonymous"


def record(actor: Any, action: str, object_type: str, object_id: Any = "", **detail: Any) -> Any:
    """Append one entry and return it."""
    from mandate.platform.models import AuditEntry, AuditHead

    for key in detail:
        if any(word in key.lower() for word in _FORBIDDEN_KEYS):
            raise ValueError(f"audit detail may not carry {key!r}: secrets never reach the log")
    detail = json.loads(json.dumps(detail, default=str))
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
        seq = head.seq + 1
        at = timezone.now()
        name = _actor_name(actor)
        digest = entry_hash(seq, at, name, action, object_type, str(object_id), detail, head.hash)
        entry = AuditEntry.objects.create(
            seq=seq, at=at, actor=name, action=action, object_type=object_type, object_id=str(object_id),
            detail=detail, prev_hash=head.hash, hash=digest,
        )
        AuditHead.objects.filter(pk=1).update(seq=seq, hash=digest)
        every = int(getattr(settings, "MANDATE_AUDIT_CHECKPOINT_EVERY", 100) or 0)
        if every and seq % every == 0:
            _sign_checkpoint(seq, digest)
    return entry


@dataclass
class ChainCheck:
    ok: bool
    entries: int
    head: str
    broken_seq: int | None = None
    reason: str = ""
    checkpoints: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_chain() -> ChainCheck:
    """Walk the log in order; report the first entry whose hash, link or number is wrong, then check the last
    entry against the recorded head and the chain against every signed checkpoint."""
    from mandate.platform.models import AuditHead

    result = _walk_chain()
    if not result.ok:
        return result
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq, head.hash) != (result.entries, result.head):
        if head.seq > result.entries:
            reason = (f"the head records {head.seq} entries but the log ends at entry {result.entries}: "
                      f"the newest entries were removed")
        else:
            reason = f"the last entry ({result.entries}) is not the head the log recorded (entry {head.seq})"
        return ChainCheck(False, result.entries, result.head, result.entries + 1, reason)
    return _check_checkpoints(result)


def _walk_chain() -> ChainCheck:
    from mandate.platform.models import AuditEntry

    prev = GENESIS
    expected_seq = 1
    count = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
        if entry.seq != expected_seq:
            return ChainCheck(False, count, prev, entry.seq, f"expected entry {expected_seq}: an entry is missing")
        if entry.prev_hash != prev:
            return ChainCheck(False, count, prev, entry.seq, "it does not link to the entry before it")
        recomputed = entry_hash(entry.seq, entry.at, entry.actor, entry.action, entry.object_type,
                                entry.object_id, entry.detail, entry.prev_hash)
        if recomputed != entry.hash:
            return ChainCheck(False, count, prev, entry.seq, "its contents were changed after it was written")
        prev = entry.hash
        expected_seq += 1
        count += 1
    return ChainCheck(True, count, prev)


# -- signed checkpoints -----------------------------------------------------------------------------------------

SIGNATURE_CONTEXT = b"mandate audit checkpoint v1"


def _sodium() -> Any:
    from rbcl._sodium import _sodium as lib  # the libsodium that rbcl bundles and has initialised

    return lib


def _keypair_from_seed(seed: bytes) -> tuple[bytes, bytes]:
    """(public key, secret key) of libsodium's crypto_sign (Ed25519) from a 32-byte seed."""
    pk, sk = ctypes.create_string_buffer(32), ctypes.create_string_buffer(64)
    if _sodium().crypto_sign_seed_keypair(pk, sk, seed) != 0:
        raise RuntimeError("libsodium could not make the audit signing key")
    return pk.raw, sk.raw


def key_path() -> Path:
    return Path(settings.MANDATE_AUDIT_KEY)


def checkpoint_file() -> Path:
    """The file of checkpoints beside the key, one per database (several databases may share a data folder)."""
    from django.db import connection

    db = connection.settings_dict
    which = hashlib.sha256(f"{connection.vendor}|{db.get('HOST') or ''}|{db.get('PORT') or ''}|{db['NAME']}"
                           .encode()).hexdigest()[:12]
    path = key_path()
    return path.with_name(f"{path.name}.{which}.checkpoints")


def _load_key(create: bool) -> tuple[bytes, bytes] | None:
    path = key_path()
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        # written whole to a private temporary file, then linked into place: two processes making the key at
        # once end with one key (the second link fails and that process reads the first's), never a half file
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(os.urandom(32).hex() + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    seed = bytes.fromhex(path.read_text().strip())
    if len(seed) != 32:
        raise RuntimeError(f"the audit signing key {path} is not a 32-byte seed in hexadecimal")
    return _keypair_from_seed(seed)


def public_key() -> str | None:
    keys = _load_key(create=False)
    return keys[0].hex() if keys else None


def _message(seq: int, digest: str, at: datetime) -> bytes:
    return b"|".join([SIGNATURE_CONTEXT, str(seq).encode(), digest.encode(),
                      at.isoformat(timespec="microseconds").encode()])


def _sign(message: bytes, sk: bytes) -> bytes:
    sig = ctypes.create_string_buffer(64)
    if _sodium().crypto_sign_detached(sig, None, message, ctypes.c_ulonglong(len(message)), sk) != 0:
        raise RuntimeError("libsodium could not sign the audit checkpoint")
    return sig.raw


def signature_valid(message: bytes, signature: bytes, pk: bytes) -> bool:
    if len(signature) != 64 or len(pk) != 32:
        return False
    return _sodium().crypto_sign_verify_detached(signature, message, ctypes.c_ulonglong(len(message)), pk) == 0


def _sign_checkpoint(seq: int, digest: str) -> Any:
    from mandate.platform.models import AuditCheckpoint

    keys = _load_key(create=True)
    assert keys is not None
    pk, sk = keys
    at = timezone.now()
    signature = _sign(_message(seq, digest, at), sk).hex()
    checkpoint = AuditCheckpoint.objects.create(seq=seq, hash=digest, at=at, public_key=pk.hex(), signature=signature)
    line = json.dumps({"seq": seq, "hash": digest, "at": at.isoformat(timespec="microseconds"),
                       "public_key": pk.hex(), "signature": signature}, sort_keys=True)
    path = checkpoint_file()

    def append() -> None:  # only once the entry and its checkpoint are committed
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    transaction.on_commit(append)
    return checkpoint


def checkpoint() -> Any:
    """Sign a checkpoint of the current head (None for an empty log)."""
    from mandate.platform.models import AuditHead

    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None or head.seq == 0:
            return None
        return _sign_checkpoint(head.seq, head.hash)


def _all_checkpoints() -> list[dict[str, Any]]:
    """Checkpoints from the database and from the file beside the key (a copy the database cannot remove)."""
    from mandate.platform.models import AuditCheckpoint

    found = [{"seq": c.seq, "hash": c.hash, "at": c.at, "public_key": c.public_key, "signature": c.signature,
              "where": "database"} for c in AuditCheckpoint.objects.order_by("seq")]
    path = checkpoint_file()
    if path.exists():
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                found.append({**item, "at": datetime.fromisoformat(item["at"]), "where": f"{path.name} line {n}"})
            except (ValueError, KeyError, TypeError):
                found.append({"seq": 0, "hash": "", "at": None, "public_key": "", "signature": "",
                              "where": f"{path.name} line {n}", "unreadable": True})
    return found


def _check_checkpoints(result: ChainCheck) -> ChainCheck:
    from mandate.platform.models import AuditEntry

    found = _all_checkpoints()
    result.checkpoints = len(found)
    if not found:
        return result
    keys = _load_key(create=False)
    if keys is None:
        return ChainCheck(False, result.entries, result.head, None,
                          f"{len(found)} signed checkpoints exist but the signing key {key_path()} is missing: "
                          f"they cannot be checked", len(found))
    pk = keys[0]
    wanted = {c["seq"] for c in found if not c.get("unreadable")}
    hashes = dict(AuditEntry.objects.filter(seq__in=wanted).values_list("seq", "hash"))
    for c in found:
        where = c["where"]
        if c.get("unreadable"):
            return ChainCheck(False, result.entries, result.head, None, f"the checkpoint in {where} is unreadable",
                              len(found))
        try:
            good = signature_valid(_message(c["seq"], c["hash"], c["at"]), bytes.fromhex(c["signature"]), pk)
        except (ValueError, TypeError, AttributeError):
            good = False
        if not good:
            return ChainCheck(False, result.entries, result.head, c["seq"],
                              f"the checkpoint of entry {c['seq']} ({where}) is not signed by this log's key",
                              len(found))
        if c["seq"] > result.entries:
            return ChainCheck(False, result.entries, result.head, result.entries + 1,
                              f"a signed checkpoint records entry {c['seq']} but the log ends at entry "
                              f"{result.entries}: the newest entries were removed", len(found))
        if hashes.get(c["seq"]) != c["hash"]:
            return ChainCheck(False, result.entries, result.head, c["seq"],
                              f"entry {c['seq']} is not the entry signed at {c['at'].isoformat(timespec='seconds')}: "
                              f"the chain was rewritten", len(found))
    return result
