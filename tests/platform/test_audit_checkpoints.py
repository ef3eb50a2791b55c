"""The audit log against truncation, deletion of its newest entries and a whole-chain rewrite: the recorded
head and checkpoints signed with an Ed25519 key kept outside the database."""

from __future__ import annotations

import importlib
import json

import pytest
from django.db import connection
from django.utils import timezone

from mandate.platform import audit
from mandate.platform.models import AuditCheckpoint, AuditEntry, AuditHead

TRIGGERS = importlib.import_module("mandate.platform.migrations.0002_audit_append_only_triggers")


def _as_attacker(*statements: tuple[str, list]) -> None:
    """An attacker with the database's password (not the key file): the triggers lifted, rows changed."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_no_update")
            cursor.execute("DROP TRIGGER audit_no_delete")
        else:
            cursor.execute("ALTER TABLE platform_auditentry DISABLE TRIGGER audit_no_update_delete")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "sqlite":
            for statement in TRIGGERS.SQLITE:
                cursor.execute(statement)
        else:
            cursor.execute("ALTER TABLE platform_auditentry ENABLE TRIGGER audit_no_update_delete")


def _log(n: int) -> list[AuditEntry]:
    return [audit.record("alice", "read", "attendance", i) for i in range(n)]


@pytest.mark.django_db
def test_an_intact_log_with_checkpoints_verifies(django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _log(5)
        audit.checkpoint()
        _log(3)
        audit.checkpoint()
    result = audit.verify_chain()
    assert result.ok and result.entries == 8 and result.checkpoints == 4  # two in the database, two in the file
    assert audit.key_path().stat().st_mode & 0o777 == 0o600
    assert audit.public_key() == AuditCheckpoint.objects.first().public_key


@pytest.mark.django_db
def test_deleting_the_newest_entry_is_detected_by_the_head() -> None:
    entries = _log(5)
    _as_attacker(("DELETE FROM platform_auditentry WHERE id = %s", [entries[-1].pk]))
    result = audit.verify_chain()
    assert not result.ok and result.broken_seq == 5 and "newest entries were removed" in result.reason


@pytest.mark.django_db
def test_truncation_with_the_head_moved_back_is_detected_by_the_signed_checkpoint() -> None:
    entries = _log(10)
    audit.checkpoint()
    _as_attacker(("DELETE FROM platform_auditentry WHERE seq > %s", [6]),
                 ("UPDATE platform_audithead SET seq = %s, hash = %s", [6, entries[5].hash]))
    result = audit.verify_chain()
    assert not result.ok and "checkpoint records entry 10" in result.reason and result.broken_seq == 7


@pytest.mark.django_db
def test_truncating_the_whole_log_and_its_checkpoints_is_caught_by_the_file(
        django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _log(4)
        audit.checkpoint()
    _as_attacker(("DELETE FROM platform_auditentry", []), ("DELETE FROM platform_audithead", []),
                 ("DELETE FROM platform_auditcheckpoint", []))
    result = audit.verify_chain()
    assert not result.ok and "log ends at entry 0" in result.reason


@pytest.mark.django_db
def test_a_whole_chain_rewrite_is_detected(django_capture_on_commit_callbacks) -> None:
    """Every entry rewritten with hashes recomputed and the head updated: the chain alone looks intact."""
    with django_capture_on_commit_callbacks(execute=True):
        _log(6)
        audit.checkpoint()
    rewritten, prev = [], audit.GENESIS
    for e in AuditEntry.objects.order_by("seq"):
        actor = "mallory" if e.seq == 2 else e.actor
        digest = audit.entry_hash(e.seq, e.at, actor, e.action, e.object_type, e.object_id, e.detail, prev)
        rewritten.append(("UPDATE platform_auditentry SET actor = %s, prev_hash = %s, hash = %s WHERE id = %s",
                          [actor, prev, digest, e.pk]))
        prev = digest
    _as_attacker(*rewritten, ("UPDATE platform_audithead SET hash = %s", [prev]))
    assert audit._walk_chain().ok  # the chain by itself no longer shows it
    result = audit.verify_chain()
    assert not result.ok and result.broken_seq == 6 and "rewritten" in result.reason


@pytest.mark.django_db
def test_a_checkpoint_forged_without_the_key_is_refused() -> None:
    entries = _log(3)
    audit.checkpoint()
    AuditCheckpoint.objects.create(seq=3, hash=entries[-1].hash, at=timezone.now(), public_key="00" * 32,
                                   signature="11" * 64)
    result = audit.verify_chain()
    assert not result.ok and "not signed by this log's key" in result.reason


@pytest.mark.django_db
def test_checkpoints_without_their_key_cannot_be_trusted() -> None:
    _log(3)
    audit.checkpoint()
    audit.key_path().unlink()
    result = audit.verify_chain()
    assert not result.ok and "key" in result.reason and "missing" in result.reason


@pytest.mark.django_db
def test_record_signs_a_checkpoint_every_n_entries(settings) -> None:
    settings.MANDATE_AUDIT_CHECKPOINT_EVERY = 4
    _log(9)
    assert list(AuditCheckpoint.objects.values_list("seq", flat=True)) == [4, 8]
    assert audit.verify_chain().ok


@pytest.mark.django_db
def test_a_rolled_back_entry_leaves_no_checkpoint_in_the_file(settings, django_capture_on_commit_callbacks) -> None:
    from django.db import transaction

    settings.MANDATE_AUDIT_CHECKPOINT_EVERY = 1
    with django_capture_on_commit_callbacks(execute=True):
        _log(1)
        try:
            with transaction.atomic():
                _log(1)
                raise RuntimeError("the import failed")
        except RuntimeError:
            pass
    assert AuditHead.objects.get().seq == 1
    result = audit.verify_chain()
    assert result.ok, result.reason


@pytest.mark.django_db
def test_cli_verify_signs_a_checkpoint_and_names_the_problem() -> None:
    from typer.testing import CliRunner

    from mandate.cli import app

    entries = _log(3)
    runner = CliRunner()
    out = runner.invoke(app, ["audit", "verify", "--json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["ok"] and AuditCheckpoint.objects.count() == 1
    _as_attacker(("DELETE FROM platform_auditentry WHERE id = %s", [entries[-1].pk]),
                 ("UPDATE platform_audithead SET seq = %s, hash = %s", [2, entries[1].hash]))
    out = runner.invoke(app, ["audit", "verify"])
    assert out.exit_code == 1 and "newest entries were removed" in out.stdout
    out = runner.invoke(app, ["audit", "checkpoint"])
    assert out.exit_code == 0 and "Signed a checkpoint of entry 2" in out.stdout


def test_processes_making_the_key_at_once_end_with_one_key(settings, tmp_path) -> None:
    import multiprocessing

    from mandate.platform import audit as module

    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(4) as pool:
        keys = pool.map(_public_key_of_new, [str(tmp_path / "k")] * 8)
    assert len(set(keys)) == 1 and (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["k"]  # no temporary file left
    settings.MANDATE_AUDIT_KEY = tmp_path / "k"
    assert module.public_key() == keys[0]


def _public_key_of_new(path: str) -> str:
    from django.conf import settings

    from mandate.platform import audit as module

    settings.MANDATE_AUDIT_KEY = path
    keys = module._load_key(create=True)
    assert keys is not None
    return keys[0].hex()
