"""Log lines never carry personal data, whatever the code that logged it passed in."""

from __future__ import annotations

import io
import json
import logging

from cdp.telemetry import JsonFormatter, RedactingFilter


def _log_line(message: str, *args) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter("test"))
    logger = logging.getLogger("redaction-test")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.warning(message, *args)
    return stream.getvalue()


def test_emails_phones_and_ips_in_arguments_are_masked() -> None:
    line = _log_line(
        "user %s called from %s at %s", "An.Nguyen@Example.com", "+84 912 345 678", "10.1.2.3"
    )
    assert "Example.com" not in line and "912" not in line and "10.1.2.3" not in line
    assert json.loads(line)["message"].count("[redacted]") == 3


def test_exception_text_is_masked_too() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter("test"))
    logger = logging.getLogger("redaction-test-exc")
    logger.handlers[:] = [handler]
    logger.propagate = False
    try:
        raise ValueError("bad address canary@example.test")
    except ValueError:
        logger.exception("failed")
    assert "canary@example.test" not in stream.getvalue()
