"""Secrets never reach a log line: the filter configured in settings redacts them."""

from __future__ import annotations

import logging


def test_configured_logging_redacts_secrets(caplog) -> None:
    from django.conf import settings

    assert settings.LOGGING["handlers"]["console"]["filters"] == ["redact"]
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
