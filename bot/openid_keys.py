"""Keeping botbuilder's token-signing keys fresh off the event loop.

botbuilder fetches the Bot Framework OpenID metadata and keys with blocking ``requests`` calls, without a
timeout, on the event loop, whenever its cached copy is a day old, and it only notices a rotated key at that
daily refresh. Refreshing the same cache entry from a worker thread at start-up and every few hours means turns
never wait on that fetch and a new key is picked up within hours.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

import requests
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

log = logging.getLogger(__name__)

REFRESH_EVERY = timedelta(hours=6)
RETRY_AFTER_FAILURE = timedelta(minutes=5)
FETCH_TIMEOUT_SECONDS = 10


def refresh_keys_now(metadata_url: str) -> None:
    """Fetch the metadata and keys and store them where botbuilder looks (blocking; run in a thread)."""
    document = requests.get(metadata_url, timeout=FETCH_TIMEOUT_SECONDS)
    document.raise_for_status()
    keys_url = document.json()["jwks_uri"]
    keys = requests.get(keys_url, timeout=FETCH_TIMEOUT_SECONDS)
    keys.raise_for_status()
    entry: Any = JwtTokenExtractor.get_open_id_metadata(metadata_url)
    entry.keys = keys.json()["keys"]
    # botbuilder compares this with a naive local datetime.now().
    entry.last_updated = datetime.now()


async def keep_keys_fresh(metadata_url: str) -> None:
    """Refresh forever; cancelled when the service stops."""
    while True:
        try:
            await asyncio.to_thread(refresh_keys_now, metadata_url)
            delay = REFRESH_EVERY
        except (requests.RequestException, KeyError, ValueError) as error:
            # botbuilder still has its own fallback fetch, so a failure here degrades to its behaviour.
            log.warning("could not refresh the Bot Framework signing keys: %s", type(error).__name__)
            delay = RETRY_AFTER_FAILURE
        await asyncio.sleep(delay.total_seconds())
