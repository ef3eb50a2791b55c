from __future__ import annotations

import importlib

import pytest
from django.db import DatabaseError, connection, transaction

from mandate.platform import audit
from mandate.platform.models import AuditEntry


@pytest.mark.django_db
def test_entries_chain_and_verify() -> None:
    for i in range(5):
        audit.record("alice", "read", "attendance", i, period="2026-10")
    result = audit.verify_chain()
    assert result.ok and result.entries == 5
    entries = list(AuditEntry.objects.order_by("seq"))
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))


@pytest.mark.django_db
def test_the_orm_refuses_changes() -> None:
    entry = audit.record("alice", "read", "attendance", 1)
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(actor="mallory")


@pytest.mark.django_db
def test_the_database_refuses_changes_too() -> None:
    entry = audit.record("alice", "read", "attendance", 1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE platform_auditentry SET actor = %s WHERE id = %s", ["mallory", entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM platform_auditentry WHERE id = %s", [entry.pk])


TRIGGERS = importlib.import_module("mandate.platform.migrations.0002_audit_append_only_triggers")


def _tamper(sql: str, params: list) -> None:
    """Simulate an attacker with database access: lift the trigger, change a row, restore it."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_no_update")
            cursor.execute("DROP TRIGGER audit_no_delete")
            cursor.execute(sql, params)
            for statement in TRIGGERS.SQLITE:
                cursor.execute(statement)
        else:
            cursor.execute("ALTER TABLE platform_auditentry DISABLE TRIGGER audit_no_update_delete")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE platform_auditentry ENABLE TRIGGER audit_no_update_delete")


@pytest.mark.django_db
def test_verify_names_the_first_changed_entry() -> None:
    entries = [audit.record("alice", "read", "attendance", i) for i in range(4)]
    _tamper("UPDATE platform_auditentry SET actor = %s WHERE id = %s", ["mallory", entries[2].pk])
    result = audit.verify_chain()
    assert not result.ok and result.broken_seq == 3 and "changed" in result.reason


@pytest.mark.django_db
def test_verify_names_a_removed_entry() -> None:
    entries = [audit.record("alice", "read", "attendance", i) for i in range(4)]
    _tamper("DELETE FROM platform_auditentry WHERE id = %s", [entries[1].pk])
    result = audit.verify_chain()
    assert not result.ok and result.broken_seq == 3 and "missing" in result.reason


@pytest.mark.django_db
def test_secrets_never_reach_the_log() -> None:
    with pytest.raises(ValueError):
        audit.record("alice", "login", "user", 1, password="hunter2")
    with pytest.raises(ValueError):
        audit.record("alice", "vote", "ballot", 1, nonce="abc")
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_cli_verify_exit_codes(capsys) -> None:
    from typer.testing import CliRunner

    from mandate.cli import app

    audit.record("alice", "read", "attendance", 1)
    result = CliRunner().invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 0 and '"ok": true' in result.stdout
