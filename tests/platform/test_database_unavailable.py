"""A database that cannot be reached answers 503 with Retry-After (JSON on the API routes, a page otherwise),
in one log line without a traceback; any other database error stays a 500."""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError
from django.test import RequestFactory

from mandate.platform.middleware import DatabaseUnavailableMiddleware


@pytest.mark.parametrize("text", ["connection failed: connection to server at \"127.0.0.1\", port 5432 failed: "
                                  "FATAL:  the database system is starting up",
                                  "server closed the connection unexpectedly", "database is locked"])
def test_unavailable_is_503_try_again(text, caplog):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    api = RequestFactory().post("/vote/pcs/b/api/cast.json", data="{}", content_type="application/json")
    with caplog.at_level(logging.WARNING, logger="mandate.platform"):
        answer = middleware.process_exception(api, OperationalError(text))
    assert answer is not None and answer.status_code == 503 and answer["Retry-After"] == "5"
    assert b"nothing was done" in answer.content and answer["Content-Type"] == "application/json"
    assert [r.getMessage() for r in caplog.records] == [
        "503 POST /vote/pcs/b/api/cast.json: the database is unavailable (OperationalError)"]
    assert not any(r.exc_info for r in caplog.records)
    caplog.clear()
    link = RequestFactory().get("/vote/pcs/b/link/1-SECRETKEY/")
    with caplog.at_level(logging.WARNING, logger="mandate.platform"):
        middleware.process_exception(link, OperationalError(text))
    assert "SECRETKEY" not in caplog.text and "/vote/pcs/b" in caplog.text  # a link's key never reaches the log
    page = middleware.process_exception(RequestFactory().get("/union/"), OperationalError(text))
    assert page is not None and page.status_code == 503 and b"Briefly unavailable" in page.content


def test_other_database_errors_are_not_hidden():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(RequestFactory().get("/"), OperationalError("no such table: x")) is None
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("connection failed")) is None
