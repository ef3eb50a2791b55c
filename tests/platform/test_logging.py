"""Secrets never reach a log line: the filter configured in settings redacts them."""

from __future__ import annotations

import logging
import secrets


def test_configured_logging_redacts_secrets(caplog) -> None:
    from django.conf import settings

    assert settings.LOGGING["handlers"]["console"]["filters"][-1] == "redact"  # last: it sees the final text
    from mandate.platform.logging import RedactSecrets

    logger = logging.getLogger("mandate.test")
    handler_filter = RedactSecrets()
    caplog.handler.addFilter(handler_filter)
    try:
        logger.warning("login failed: password=%s token: %s credential=%s", "hunter2", "abc123", "s3cr3t")
    finally:
        caplog.handler.removeFilter(handler_filter)
    text = caplog.text
    assert "hunter2" not in text and "abc123" not in text and "s3cr3t" not in text
    assert text.count("[redacted]") == 3


def _log_through_the_configured_filter(emit) -> str:
    """Run ``emit(logger)`` and return what a real handler, with the filter settings.LOGGING configures, wrote."""
    import io

    from django.conf import settings
    from django.utils.module_loading import import_string

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    handler.addFilter(import_string(settings.LOGGING["filters"]["redact"]["()"])())
    logger = logging.getLogger("mandate.test.redaction")
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    return stream.getvalue()


def _open_the_vault(token: str) -> None:
    raise PermissionError(f"vault refused the request: token={token} password: {token[::-1]}")


def test_secrets_in_a_logged_exception_are_redacted() -> None:
    token, key = secrets.token_hex(8), secrets.token_hex(8)  # made at run time: no source line quotes them

    def emit(logger: logging.Logger) -> None:
        try:
            try:
                _open_the_vault(token)
            except PermissionError as error:
                raise RuntimeError(f"could not publish the record (private_key={key})") from error
        except RuntimeError:
            logger.exception("publishing failed for ballot %s", "B-17")

    text = _log_through_the_configured_filter(emit)
    assert token not in text and token[::-1] not in text and key not in text
    # The message, the exception types, both chained tracebacks and their frames are all still there.
    assert text.startswith("ERROR mandate.test.redaction publishing failed for ballot B-17\n")
    assert "Traceback (most recent call last):" in text
    assert "PermissionError: vault refused the request: token=[redacted] password: [redacted]" in text
    assert "The above exception was the direct cause of the following exception:" in text
    assert "RuntimeError: could not publish the record (private_key=[redacted]" in text
    assert "in _open_the_vault" in text and "in emit" in text


def test_secrets_in_stack_info_are_redacted() -> None:
    def checkpoint(logger: logging.Logger, **_: str) -> None:
        logger.warning("checkpoint reached", stack_info=True)

    def emit(logger: logging.Logger) -> None:
        checkpoint(logger, token="stk-31337")  # the calling line, with its secret, appears in the stack

    text = _log_through_the_configured_filter(emit)
    assert "stk-31337" not in text
    assert text.startswith("WARNING mandate.test.redaction checkpoint reached\n")
    assert "Stack (most recent call last):" in text
    assert "in checkpoint" in text and "in emit" in text and "token=[redacted]" in text


def test_an_already_formatted_exception_text_is_redacted_too() -> None:
    """A record whose exc_text was cached by an earlier formatter, before this filter saw it."""

    def emit(logger: logging.Logger) -> None:
        record = logger.makeRecord(logger.name, logging.ERROR, __file__, 1, "request failed", None, None)
        record.exc_text = "Traceback (most recent call last):\nValueError: bad nonce=n-0042"
        logger.handle(record)

    text = _log_through_the_configured_filter(emit)
    assert "n-0042" not in text and "ValueError: bad nonce=[redacted]" in text


def test_the_filter_never_raises_and_never_drops_a_record() -> None:
    class Unprintable(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no text")

    def emit(logger: logging.Logger) -> None:
        logger.warning("token=%s and %s", "tk-mismatch")  # too few arguments for the format string
        try:
            raise Unprintable()
        except Unprintable:
            logger.exception("odd failure secret=%s", "sc-77")

    text = _log_through_the_configured_filter(emit)
    assert "WARNING mandate.test.redaction token=[redacted] and %s [arguments could not be formatted]" in text
    assert "tk-mismatch" not in text and "sc-77" not in text
    assert "ERROR mandate.test.redaction odd failure secret=[redacted]" in text and "Unprintable" in text


def test_every_handler_on_djangos_loggers_redacts() -> None:
    """Django's default handlers (console, mail to ADMINS) skip the filter; the settings replace them, so every
    handler a Django log record can reach carries it, and the development server's request lines are redacted."""
    from mandate.platform.logging import RedactSecrets

    for name in ("django", "django.request", "django.server", "django.security.csrf", "django.db.backends"):
        logger: logging.Logger | None = logging.getLogger(name)
        reached = []
        while logger is not None:
            reached += logger.handlers
            logger = logger.parent if logger.propagate else None
        assert reached, name
        for handler in reached:
            if type(handler).__module__.startswith("_pytest"):
                continue  # pytest's own capture handlers, added to every logger during a test
            assert any(isinstance(f, RedactSecrets) for f in handler.filters), (name, handler)
    console = next(h for h in logging.getLogger("django.server").handlers
                   if not type(h).__module__.startswith("_pytest"))
    token = secrets.token_hex(8)
    record = logging.getLogger("django.server").makeRecord(
        "django.server", logging.INFO, __file__, 1, '"GET /ballot/?reset_token=%s HTTP/1.1" 200', (token,), None)
    # what the configured handler would write (its own stream is pytest's, which may be closed by now)
    assert console.filter(record)
    line = console.format(record)
    assert token not in line and "reset_token=[redacted]" in line


def test_names_that_hold_a_key_word_are_redacted() -> None:
    from mandate.platform.logging import redact

    line = redact("SECRET_KEY=abc1 db_password: abc2 csrftoken=abc3 api_key=abc4 user=alice")
    assert not any(f"abc{i}" in line for i in range(1, 5)) and "user=alice" in line


def test_a_password_reset_link_in_a_request_line_is_redacted() -> None:
    """The development server logs every request line at INFO; the reset link carries its token in the path,
    not as name=value, so it needs its own rule. The page it redirects to (set-password) stays readable."""
    from django.urls import reverse

    console = next(h for h in logging.getLogger("django.server").handlers
                   if not type(h).__module__.startswith("_pytest"))
    token = f"cz{secrets.token_hex(3)}-{secrets.token_hex(16)}"
    link = reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": token})
    lines = []
    for path in (link, reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "set-password"})):
        record = logging.getLogger("django.server").makeRecord(
            "django.server", logging.INFO, __file__, 1, '"%s %s HTTP/1.1" %s %s', ("GET", path, 302, 0), None)
        assert console.filter(record)
        lines.append(console.format(record))
    assert token not in lines[0] and '"GET /accounts/reset/MQ/[redacted]/ HTTP/1.1" 302 0' in lines[0]
    assert '"GET /accounts/reset/MQ/set-password/ HTTP/1.1" 302 0' in lines[1]


def test_sql_and_its_values_never_reach_the_log_even_at_debug(tmp_path) -> None:
    """The SQL log (django.db.backends, at DEBUG when settings.DEBUG is on) prints every query's values: members'
    names and home addresses, union membership itself (special category data). Even with MANDATE_DEBUG=1 and
    MANDATE_LOG_LEVEL=DEBUG it stays out of the log, while the rest of Django logs at DEBUG."""
    import os
    import subprocess
    import sys

    marker = f"Ms Example {secrets.token_hex(4)}, 1 Member Road"
    script = (
        "import logging, django\n"
        "django.setup()\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        f"    c.execute('SELECT %s', [{marker!r}])\n"
        "print(logging.getLogger('django.db.backends').isEnabledFor(logging.DEBUG),"
        " logging.getLogger('django.request').isEnabledFor(logging.DEBUG))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mandate.platform.settings", "MANDATE_DEBUG": "1",
           "MANDATE_LOG_LEVEL": "DEBUG", "MANDATE_SQLITE": str(tmp_path / "db.sqlite3")}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120,
                          check=True)
    assert done.stdout.split() == ["False", "True"]
    assert marker not in done.stderr and marker not in done.stdout
