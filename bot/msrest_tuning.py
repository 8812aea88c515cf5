"""A repair for a hot spot in msrest, the archived HTTP layer under botbuilder's connector client.

botbuilder builds two connector clients per turn; each builds a ``ClientRetryPolicy`` whose constructor tests
999 status codes for membership in a 500-item *list*, about 4 ms of CPU on the event loop per client. (The policy
is handed to urllib3, which msrest uses on worker threads; urllib3 only consults it to retry failed connections,
never a POST that got a status back.) Turning the list into a frozenset gives the same answers in microseconds:
``tests/bot/test_msrest_tuning.py`` checks the resulting list of retried codes is unchanged. Measured by
``make bench``: the help turn's median fell from about 19 ms to about 7 ms.
"""

from __future__ import annotations

from msrest.universal_http.requests import ClientRetryPolicy


def speed_up_retry_policy() -> None:
    """Idempotent; the adapter calls it when it is built, never at import time."""
    # msrest declares a list; membership is all it is ever used for, so a frozenset is a faithful stand-in.
    codes: object = ClientRetryPolicy.safe_codes
    if isinstance(codes, list):
        setattr(ClientRetryPolicy, "safe_codes", frozenset(codes))  # noqa: B010
