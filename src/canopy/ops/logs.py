"""Logging set-up: one JSON object per line (``CANOPY_LOG_FORMAT=json``) or plain text."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["json", "text"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

# What every LogRecord carries; anything else on a record came from ``extra=`` and is kept.
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time, level, logger, message, the ``extra`` fields, and
    the traceback as text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


class _CanopyHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler Canopy installed, so that building the app again replaces it."""


def configure_logging(log_format: LogFormat, level: str) -> None:
    """Like ``logging.basicConfig``: a stderr handler on the root logger when it has none (an
    embedding application's or the test runner's handlers are left alone), with the chosen
    format; Canopy's own handler is updated when the app is built again."""
    root = logging.getLogger()
    root.setLevel(level)
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    ours = [h for h in root.handlers if isinstance(h, _CanopyHandler)]
    if ours:
        for handler in ours:
            handler.setFormatter(formatter)
    elif not root.handlers:
        handler = _CanopyHandler()
        handler.setFormatter(formatter)
        root.addHandler(handler)
