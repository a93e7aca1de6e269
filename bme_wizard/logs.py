"""Logs as JSON lines on standard output, each with the id of the request it belongs to.

A few lines of the standard library rather than a logging package: the formatter writes
only the fields listed here, so nothing a view puts on a record (a request object, a
patient's answers) reaches the log by accident, and permalink tokens and wizard run ids
are masked wherever a path appears.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# /a/<token>/ opens a patient's summary and /assess/<run_id>/ a wizard run: secrets, not log material.
_SECRET_PATHS = re.compile(r"(/a/|/assess/)[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    """The text with permalink tokens and wizard run ids masked."""
    return _SECRET_PATHS.sub(r"\1…", text)


class RequestContextFilter(logging.Filter):
    """Puts the current request id on every record (``-`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


# Extra fields a record may carry into the log line (logger.info(..., extra={...})).
EXTRA_FIELDS = ("method", "path", "status", "duration_ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                value = getattr(record, name)
                line[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)
