"""Logging that cannot leak secrets: configured secret values and bearer tokens are masked in every record."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from bot.secret import Secret

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-_.=]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+")
_MASK = "********"


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: Iterable[Secret]) -> None:
        super().__init__()
        self._values = sorted({s.reveal() for s in secrets if len(s.reveal()) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for value in self._values:
            text = text.replace(value, _MASK)
        text = _BEARER.sub(lambda m: m.group(1) + _MASK, text)
        return _JWT.sub(_MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        # Format once, redact, and freeze the result so handlers cannot re-expand the raw arguments.
        try:
            message = record.getMessage()
        except Exception:
            # A filter runs outside the handler's error handling: raising here would crash the caller's code
            # over a bad log call, where logging itself would only complain on stderr.
            message = f"{record.msg} (unformattable log arguments: {record.args!r})"
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def configure_logging(level: str, secrets: Iterable[Secret]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # msal and azure log request details at INFO; they are noise at best and identifiers at worst.
    for noisy in ("msal", "azure", "urllib3", "apscheduler.executors"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
