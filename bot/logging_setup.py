"""Logging that cannot leak secrets: configured secret values and bearer tokens are masked in every record."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterable
from types import TracebackType

from sqlalchemy.exc import DBAPIError

from bot.secret import Secret

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9\-_.=]+")
_JWT = re.compile(r"eyJ[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+")
_MASK = "********"
_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
# Libraries kept at WARNING whatever REMEDI_LOG_LEVEL says. msal and azure log request details at INFO: noise at best,
# identifiers at worst. aiosqlite logs every statement with its parameters at DEBUG, which would put whatever people
# typed (a concern, a reflection) into the logs.
QUIET_LIBRARIES = ("msal", "azure", "urllib3", "apscheduler.executors", "aiosqlite")


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
        if record.exc_info:
            # Always from the exception itself: another handler may already have cached the unfiltered text.
            record.exc_text = _exception_text(record.exc_info)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


def _exception_text(exc_info: _ExcInfo) -> str:
    """The traceback as logging formats it, except for a database error anywhere in the chain: then only where it
    happened and what kind of error it was. A driver's message can quote the row it refused (PostgreSQL's "Failing
    row contains ..."), which is what someone typed: a reflection, a concern, a name."""
    _, error, _ = exc_info
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    if error is None or not any(isinstance(e, DBAPIError) for e in chain):
        return logging.Formatter().formatException(exc_info)
    frames = "".join(traceback.format_tb(error.__traceback__))
    kinds = " <- ".join(f"{type(e).__module__}.{type(e).__qualname__}" for e in chain)
    return (
        f"Traceback (most recent call last):\n{frames}{kinds}: details withheld (a database error can quote the data)"
    )


def configure_logging(level: str, secrets: Iterable[Secret]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in QUIET_LIBRARIES:
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
