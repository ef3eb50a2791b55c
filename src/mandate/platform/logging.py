"""A logging filter that keeps secrets out of every log line."""

from __future__ import annotations

import logging
import re

_SECRET_PATTERNS = [
    re.compile(r"(password|passwd|secret|token|nonce|private_key|credential)(\s*[=:]\s*)(\S+)", re.I),
]


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        for pattern in _SECRET_PATTERNS:
            message = pattern.sub(r"\1\2[redacted]", message)
        record.msg, record.args = message, None
        return True
