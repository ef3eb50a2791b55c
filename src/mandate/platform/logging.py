"""A logging filter that keeps secrets out of every log line: the message, tracebacks and stack traces."""

from __future__ import annotations

import logging
import re

_SECRET_PATTERNS = [
    # the key word may stand inside a longer name: SECRET_KEY=..., csrf_token: ..., db_password=...
    (re.compile(r"(\w*(?:password|passwd|secret|token|nonce|private_key|api_key|credential)\w*)(\s*[=:]\s*)(\S+)",
                re.I), r"\1\2[redacted]"),
    # a password reset link carries its token in the path (/accounts/reset/<uidb64>/<token>/), and the
    # development server logs every request line; Django's own next step, set-password, holds no secret
    (re.compile(r"(/reset/[^/\s]+/)(?!set-password(?:[/\s?\"]|$))[^/\s?\"]+"), r"\1[redacted]"),
]

# Formats exceptions exactly as logging.Formatter does by default, so the redacted text the filter leaves in
# record.exc_text is what a handler would have printed.
_EXCEPTION_FORMATTER = logging.Formatter()

_UNREDACTABLE = "[log text withheld: it could not be checked for secrets]"


def redact(text: str) -> str:
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Redacts secrets in the message, the exception text and the stack information of a record.

    The exception is formatted here (as logging.Formatter.formatException would), redacted into
    ``record.exc_text``, and ``record.exc_info`` is cleared so that formatters print the redacted text
    rather than formatting the exception again. The filter never raises and never drops a record: any part
    that cannot be formatted or redacted is replaced by a placeholder.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self._message(record), None
        if record.exc_info:
            try:
                record.exc_text = _EXCEPTION_FORMATTER.formatException(record.exc_info)
            except Exception:
                record.exc_text = _UNREDACTABLE
            record.exc_info = None
        record.exc_text = self._redacted(record.exc_text)
        record.stack_info = self._redacted(record.stack_info)
        return True

    @staticmethod
    def _message(record: logging.LogRecord) -> str:
        try:
            return redact(record.getMessage())
        except Exception:  # e.g. arguments that do not match the format string
            try:
                return redact(f"{record.msg!s} [arguments could not be formatted]")
            except Exception:
                return _UNREDACTABLE

    @staticmethod
    def _redacted(text: object) -> str | None:
        if not text:
            return None
        try:
            return redact(str(text))
        except Exception:
            return _UNREDACTABLE


class OneLineRefusals(logging.Filter):
    """A refusal (403 Forbidden, 400 Bad Request, 404) logged by Django is one line, never a traceback: the
    exception behind it (PermissionDenied, SuspiciousOperation, Http404) is expected, not an error. A 5xx keeps
    its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        refused = isinstance(status, int) and 400 <= status < 500
        if record.name.startswith("django.security"):
            refused = True
        if refused and record.exc_info:
            exc = record.exc_info[1]
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
            if exc is not None and not record.name.startswith("django.security"):
                record.msg = f"{record.getMessage()} ({type(exc).__name__})"
                record.args = None
        return True
