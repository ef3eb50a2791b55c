"""Fixtures for the union wing's tests."""

from __future__ import annotations

import importlib

import pytest


@pytest.fixture
def audit_log_flushable(transactional_db):  # type: ignore[no-untyped-def]
    """Pages write audit entries; on SQLite the append-only triggers refuse the DELETE with which a
    transactional test's database is flushed. Clear the entries with the triggers briefly lifted, then put
    them back, so that later tests still run against them (as tests/workplace/conftest.py does)."""
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    triggers = importlib.import_module("mandate.platform.migrations.0002_audit_append_only_triggers").SQLITE
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS audit_no_update")
        cursor.execute("DROP TRIGGER IF EXISTS audit_no_delete")
        cursor.execute("DELETE FROM platform_auditentry")
        cursor.execute("DELETE FROM platform_audithead")
        for statement in triggers:
            cursor.execute(statement)
