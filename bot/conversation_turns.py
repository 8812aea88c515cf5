"""One turn at a time per conversation, within this process.

Teams can deliver a person's next click while the bot is still finishing the previous turn (the reply goes out
before the turn's state is saved). Two turns of one conversation would then both read the same dialog state and
the second would either act on a step that is already over or fail to save. Queuing turns per conversation makes
each turn see the state the previous one saved. Across replicas the state store's eTags still catch a clash.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class ConversationTurns:
    def __init__(self) -> None:
        # Only conversations with a turn running or waiting have an entry, so the map stays small.
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def one_at_a_time(self, conversation_id: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(conversation_id, (asyncio.Lock(), 0))
        self._locks[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[conversation_id]
            if users == 1:
                del self._locks[conversation_id]
            else:
                self._locks[conversation_id] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
