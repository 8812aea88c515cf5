"""A group chat for each pair, where the bot introduces them: possible only through Microsoft Graph.

A bot cannot create a group chat itself; with Graph configured, the chat is created with both people in it and
the bot is installed there, after which the bot can post like in any chat it belongs to.
"""

from __future__ import annotations

from typing import Protocol

from programme.identity import PersonId, TenantId


class PairChats(Protocol):
    async def create_chat(self, tenant: TenantId, members: tuple[PersonId, PersonId], topic: str) -> str:
        """Create a group chat with these two people; returns the chat's id. Not idempotent: callers keep the id."""
        ...

    async def add_bot(self, chat_id: str) -> None:
        """Install the bot in the chat; doing it again is harmless."""
        ...
