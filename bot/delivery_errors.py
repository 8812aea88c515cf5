"""What a failed Bot Connector request means: retry it, give up for now, or give up for good.

botbuilder 4.17 sends through msrest's *requests* pipeline on a worker thread (not aiohttp). An HTTP error from
the connector raises ``botbuilder.schema.ErrorResponseException`` (re-exported as
``botframework.connector.models.ErrorResponseException``, a ``msrest.exceptions.HttpOperationError``) whose
``response`` is a ``requests.Response`` (``status_code``, case-insensitive ``headers``) and whose ``error`` is the
parsed body, an ``ErrorResponse`` with ``error.code`` such as ``MessageWritesBlocked``. A network failure raises
``msrest.exceptions.ClientRequestError`` wrapping the requests exception, after urllib3 has already retried the
connection three times (msrest's ``ClientRetryPolicy``; it never retries a POST on a status code).
"""

from __future__ import annotations

import email.utils
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import requests
from msrest.exceptions import ClientRequestError, HttpOperationError

# Teams asks bots to retry these with exponential backoff.
RETRYABLE_STATUSES = frozenset({412, 429, 502, 503, 504})
BLOCKED = "blocked or uninstalled"
NOT_FOUND = "conversation not found"


@dataclass(frozen=True)
class Problem:
    """One failed request, classified.

    ``retry`` means trying again within this send may succeed; ``permanent`` that no later attempt will.
    ``code`` is the connector's error code (never message content), ``retry_after`` the platform's wait in seconds.
    """

    reason: str
    retry: bool
    permanent: bool
    status: int | None = None
    code: str | None = None
    retry_after: float | None = None
    recipient_unreachable: bool = False


def classify(error: BaseException, now: datetime) -> Problem | None:
    """What ``error`` from a send means, or None when it is not a delivery failure we recognise."""
    if isinstance(error, HttpOperationError):
        return _http_problem(error, now)
    if isinstance(error, ClientRequestError | requests.RequestException | aiohttp.ClientError):
        return Problem(reason=f"network error ({type(_root(error)).__name__})", retry=True, permanent=False)
    # Not every OSError: botbuilder reports refused credentials as PermissionError, which no retry will fix.
    if isinstance(error, ConnectionError | TimeoutError):
        return Problem(reason=f"network error ({type(error).__name__})", retry=True, permanent=False)
    return None


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date; None when absent or garbled."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            # HTTP dates are always GMT; parsedate leaves "-0000" naive, which means the same here.
            when = when.replace(tzinfo=UTC)
        return max((when - now).total_seconds(), 0.0)
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


def _http_problem(error: HttpOperationError, now: datetime) -> Problem:
    response: Any = getattr(error, "response", None)
    status = _status(response)
    code = _error_code(error)
    headers = getattr(response, "headers", None) or {}
    retry_after = parse_retry_after(headers.get("Retry-After"), now)
    if status == 403:
        return Problem(BLOCKED, retry=False, permanent=True, status=status, code=code, recipient_unreachable=True)
    if status == 404:
        return Problem(NOT_FOUND, retry=False, permanent=True, status=status, code=code, recipient_unreachable=True)
    if status == 401:
        # Our own credentials were refused: true of every recipient until someone fixes the configuration, so
        # "permanent" (which marks the person unreachable) would be wrong, and retrying now would not help.
        return Problem("the connector refused our credentials (HTTP 401)", retry=False, permanent=False, status=401)
    if status in RETRYABLE_STATUSES:
        return Problem(f"HTTP {status}", retry=True, permanent=False, status=status, code=code, retry_after=retry_after)
    if status is not None and 400 <= status < 500:
        return Problem(f"refused with HTTP {status}", retry=False, permanent=True, status=status, code=code)
    # Other 5xx, or no status at all: the platform's trouble, which may pass, but not one Teams asks us to retry.
    described = f"HTTP {status}" if status is not None else "an HTTP error without a status"
    return Problem(described, retry=False, permanent=False, status=status, code=code, retry_after=retry_after)


def _status(response: Any) -> int | None:
    # requests names it status_code, aiohttp status; accept either should botbuilder's transport change.
    for name in ("status_code", "status"):
        value = getattr(response, name, None)
        if isinstance(value, int):
            return value
    return None


def _error_code(error: HttpOperationError) -> str | None:
    body: Any = getattr(error, "error", None)
    inner = getattr(body, "error", None)
    code = getattr(inner, "code", None)
    return code if isinstance(code, str) else None


def _root(error: BaseException) -> BaseException:
    # msrest wraps the requests exception; name the one that says what happened (ConnectionError, Timeout...).
    inner = getattr(error, "inner_exception", None)
    return inner if isinstance(inner, BaseException) else error
