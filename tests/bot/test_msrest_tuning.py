"""The msrest retry-policy repair must not change what the policy decides, only how fast."""

from __future__ import annotations

from msrest.universal_http.requests import ClientRetryPolicy

from bot.msrest_tuning import speed_up_retry_policy


def test_the_repaired_policy_retries_exactly_the_same_codes() -> None:
    # What msrest 0.7.1 computes with its original list: every code from 500 up, and 408, except 501 and 505.
    expected = [code for code in range(999) if code not in [c for c in range(500) if c != 408] + [501, 505]]
    speed_up_retry_policy()
    speed_up_retry_policy()  # idempotent
    codes: object = ClientRetryPolicy.safe_codes
    assert isinstance(codes, frozenset)
    assert list(ClientRetryPolicy().policy.status_forcelist) == expected  # type: ignore[no-untyped-call]
