"""The work that makes a published pair's group chat and introduces them in it (only with Graph configured).

It runs from the durable work queue, not inside ``publish``: Graph calls are slow and can be throttled, and a
failure must be retried without creating a second chat, so the chat id is stored as soon as the chat exists.
"""

from __future__ import annotations

from collections.abc import Callable

from programme.applications import ApplicationStore
from programme.cohorts import CohortStore
from programme.contacts import Address
from programme.errors import NotFound
from programme.identity import TenantId
from programme.match_messages import MatchMessages
from programme.match_rules import fit
from programme.notifier import ConversationRecipient, Notifier
from programme.pair_chats import PairChats
from programme.pairs import PairStore
from programme.sweeper import WorkHandler
from programme.work import WorkItem

# Turns a Teams chat id into the address the notifier sends to (the bot's own knowledge of service URLs).
ChatAddress = Callable[[TenantId, str], Address]


def pair_chat_handler(
    *,
    pairs: PairStore,
    applications: ApplicationStore,
    cohorts: CohortStore,
    chats: PairChats,
    notifier: Notifier,
    messages: MatchMessages,
    address_for: ChatAddress,
) -> WorkHandler:
    async def introduce_in_chat(item: WorkItem) -> None:
        pair_id = item.payload.get("pair")
        pair = await pairs.get(pair_id) if isinstance(pair_id, int) else None
        if pair is None:
            raise NotFound("the pair no longer exists")
        mentor = await applications.get(pair.mentor_application)
        mentee = await applications.get(pair.mentee_application)
        cohort = await cohorts.get(pair.cohort_id)
        if mentor is None or mentee is None or cohort is None:
            # Someone erased their data: there is nobody to introduce any more.
            raise NotFound("one of the pair has left the programme")
        chat_id = pair.chat_id
        if chat_id is None:
            chat_id = await chats.create_chat(
                item.tenant, (pair.mentor, pair.mentee), f"Reverse mentoring: {cohort.title}"
            )
            await pairs.set_chat(pair.id, chat_id)
        await chats.add_bot(chat_id)
        shared = fit(mentor.profile, mentee.profile, cohort.plan).shared_topics
        await notifier.send(
            ConversationRecipient(tenant=item.tenant, address=address_for(item.tenant, chat_id), label="pair chat"),
            messages.pair_chat_introduction(cohort, pair, mentor, mentee, shared),
        )

    return introduce_in_chat
