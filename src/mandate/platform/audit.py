"""Writing and checking the hash-chained audit log.

Call `record(actor, action, object_type, object_id, **detail)` for every read of an individual's attendance
and every change to a ballot. Detail must never hold a secret: keys that look like one are refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

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
    return entry


@dataclass
class ChainCheck:
    ok: bool
    entries: int
    head: str
    broken_seq: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_chain() -> ChainCheck:
    """Walk the log in order; report the first entry whose hash, link or number is wrong."""
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
