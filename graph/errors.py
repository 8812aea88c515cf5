"""What a failed Microsoft Graph call means for its caller, and nothing of kiota's exceptions beyond this module.

Every adapter in graph/ runs its calls inside :func:`translated`, so a caller only ever sees a :class:`GraphError`:

* :class:`GraphUnavailable`: Graph could not answer now: throttling (429) or a server-side failure (5xx, 408)
  that kiota's retry handler did not overcome, a network failure, or an unreachable token service. Trying again
  later may work, no sooner than ``retry_after`` when Graph said so.
* :class:`GraphRefused`: Graph (or Entra, for the token) understood and said no: a missing permission or admin
  consent (403), a token it will not accept (401), a malformed request (400), something that does not exist
  (404), a rejected client secret. The same request will get the same answer until someone changes the
  configuration, so nothing should retry it on its own.

Both are :class:`~programme.notifier.DeliveryFailed` *and* :class:`~programme.errors.ProgrammeError`, because the
two places that catch failures want different things. The work-queue sweeper catches ``DeliveryFailed`` first and
honours ``permanent`` and ``retry_after``; were these only ``ProgrammeError``, it would settle a merely throttled
chat creation as dead for good. A turn handler catches ``ProgrammeError`` and shows ``user_message``, a kind
sentence with no detail; the detail (status, Graph's error code and message, request id) is in ``reason`` and
``str(error)``, for logs and the work queue, and is what Microsoft support asks for.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from azure.core.exceptions import AzureError, ClientAuthenticationError
from kiota_abstractions.api_error import APIError
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from programme.errors import ProgrammeError
from programme.notifier import DeliveryFailed

# Graph's own error text can be long (and, rarely, quote an identifier); the start is what identifies a problem.
_DETAIL_LIMIT = 300


@dataclass(frozen=True)
class Operation:
    """One kind of Graph call, named for operators (``name``) and for the person waiting on it (``for_people``)."""

    name: str
    for_people: str


class GraphError(DeliveryFailed, ProgrammeError):
    """A Graph call failed; see the module docstring for how the two subclasses differ."""

    def __init__(
        self,
        reason: str,
        *,
        user_message: str,
        permanent: bool,
        retry_after: timedelta | None = None,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        DeliveryFailed.__init__(self, reason, permanent=permanent, retry_after=retry_after)
        # DeliveryFailed hands ``reason`` on to ProgrammeError, which would show it to people; it is for operators.
        self.user_message = user_message
        self.status = status
        self.code = code
        self.request_id = request_id


class GraphUnavailable(GraphError):
    """Graph could not do it now; later may work (never permanent)."""

    def __init__(
        self,
        operation: Operation,
        reason: str,
        *,
        retry_after: timedelta | None = None,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(
            f"could not {operation.name}: {reason}",
            user_message=(
                f"I couldn't {operation.for_people} because Microsoft 365 is busy or unreachable just now. "
                "Please try again in a few minutes."
            ),
            permanent=False,
            retry_after=retry_after,
            status=status,
            code=code,
            request_id=request_id,
        )


class GraphRefused(GraphError):
    """Graph said no; retrying the same request will not change that (always permanent)."""

    def __init__(
        self,
        operation: Operation,
        reason: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(
            f"Graph refused to {operation.name}: {reason}",
            user_message=(
                f"I couldn't {operation.for_people}: Microsoft 365 turned the request down. Please let your "
                "programme coordinator know, as trying again won't help until the bot's set-up is checked."
            ),
            permanent=True,
            status=status,
            code=code,
            request_id=request_id,
        )


@contextmanager
def translated(operation: Operation) -> Iterator[None]:
    """Run a Graph call, turning whatever kiota, httpx or azure-identity raise into a :class:`GraphError`.

    Exceptions that are none of theirs (a bug of ours, cancellation) pass through untouched. Callers that accept
    some statuses (404 for "no manager", 409 for "already installed") catch ``APIError`` inside this block first.
    """
    try:
        yield
    except APIError as error:
        raise from_api_error(operation, error) from error
    except httpx.TransportError as error:
        # Includes timeouts. Note for POSTs: the request may have arrived and been acted on before the line failed.
        raise GraphUnavailable(operation, f"network error ({type(error).__name__})") from error
    except ClientAuthenticationError as error:
        status = error.status_code
        if status is not None and (status >= 500 or status in (408, 429)):
            # azure-identity reports every failed token request this way, the token service's own outages too.
            raise GraphUnavailable(operation, f"the token service answered HTTP {status}", status=status) from error
        # Entra answered and refused the client credentials (wrong or expired secret, disabled app, no tenant).
        raise GraphRefused(operation, f"Entra refused the app's credentials: {_clip(error.message)}") from error
    except AzureError as error:
        # Anything else from azure-identity is trouble reaching the token service, not a verdict on us.
        raise GraphUnavailable(operation, f"could not get a token ({type(error).__name__})") from error


def from_api_error(operation: Operation, error: APIError) -> GraphError:
    """The :class:`GraphError` for an HTTP error answer from Graph."""
    status = error.response_status_code
    headers = _headers(error.response_headers)
    code, message, request_id = _odata_details(error)
    request_id = request_id or headers.get("request-id")
    described = f"HTTP {status}" if status is not None else "an error answer without a status"
    if code:
        described += f" {code}"
    if message:
        described += f": {_clip(message)}"
    if request_id:
        described += f" (request-id {request_id})"
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        return GraphRefused(operation, described, status=status, code=code, request_id=request_id)
    # 429 and 503/504 reach this point only once kiota's retry handler has given up (or was told not to wait that
    # long); other 5xx it never retries. None of these is Graph's last word.
    return GraphUnavailable(
        operation,
        described,
        retry_after=parse_retry_after(headers.get("retry-after")),
        status=status,
        code=code,
        request_id=request_id,
    )


def parse_retry_after(value: str | None, now: datetime | None = None) -> timedelta | None:
    """A ``Retry-After`` header as a wait: delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return timedelta(seconds=int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        # HTTP dates are GMT; parsedate leaves "-0000" naive.
        when = when.replace(tzinfo=UTC)
    return max(when - (now or datetime.now(UTC)), timedelta(0))


def _odata_details(error: APIError) -> tuple[str | None, str | None, str | None]:
    if not isinstance(error, ODataError) or error.error is None:
        return None, None, None
    main = error.error
    request_id = main.inner_error.request_id if main.inner_error is not None else None
    return main.code, main.message, request_id


def _headers(raw: object) -> dict[str, str]:
    # kiota types them as dict[str, str] but hands over httpx.Headers, whose names may come in any case.
    if not isinstance(raw, Mapping):
        return {}
    return {str(name).lower(): str(value) for name, value in raw.items()}


def _clip(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"
