"""SqlBotStateStorage against the botbuilder ``Storage`` contract, with eTags that actually protect writes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from botbuilder.core import StoreItem
from botbuilder.dialogs import DialogInstance, DialogState
from sqlalchemy import select

from storage.bot_state import SqlBotStateStorage, StateConflictError
from storage.database import Database
from storage.tables import bot_state
from tests.storage.conftest import FIXED_NOW, FixedClock

# Real keys look like this: channel / scope / Teams conversation id, with colons, at-signs and semicolons.
KEY = "msteams/conversations/a:1Xy9-Q_Z3@thread.tacv2;messageid=1700000000000/"
OTHER_KEY = "msteams/users/29:1abcDEF/"


@pytest.fixture
def storage(database: Database, clock: FixedClock) -> SqlBotStateStorage:
    return SqlBotStateStorage(database, clock)


async def read_one(storage: SqlBotStateStorage, key: str = KEY) -> Any:
    return (await storage.read([key]))[key]


async def test_reading_missing_keys_gives_nothing(storage: SqlBotStateStorage) -> None:
    assert await storage.read([KEY, OTHER_KEY]) == {}
    assert await storage.read([]) == {}


async def test_dict_round_trip(storage: SqlBotStateStorage) -> None:
    document = {"count": 3, "name": "Zoë", "nested": {"list": [1, "two", None, True], "empty": {}}}

    await storage.write({KEY: dict(document)})

    read = await read_one(storage)
    e_tag = read.pop("e_tag")
    assert isinstance(e_tag, str)
    assert e_tag
    assert read == document


async def test_reads_several_keys_at_once(storage: SqlBotStateStorage) -> None:
    await storage.write({KEY: {"which": "conversation"}, OTHER_KEY: {"which": "user"}})

    found = await storage.read([KEY, OTHER_KEY, "msteams/conversations/absent/"])

    assert set(found) == {KEY, OTHER_KEY}
    assert found[KEY]["which"] == "conversation"
    assert found[OTHER_KEY]["which"] == "user"


async def test_dialog_state_round_trip(storage: SqlBotStateStorage) -> None:
    stack = [
        DialogInstance(id="signup", state={"stepIndex": 2, "values": {"track": "mentor"}}),
        DialogInstance(id="signup.choice", state={"options": {"prompt": "Which track?"}}),
    ]

    await storage.write({KEY: {"DialogState": DialogState(stack)}})

    restored = (await read_one(storage))["DialogState"]
    assert isinstance(restored, DialogState)
    assert [(d.id, d.state) for d in restored.dialog_stack] == [(d.id, d.state) for d in stack]
    assert all(isinstance(d, DialogInstance) for d in restored.dialog_stack)


async def test_store_item_objects_round_trip_with_their_e_tag(storage: SqlBotStateStorage) -> None:
    await storage.write({KEY: StoreItem(counter=4)})
    first = await read_one(storage)
    stale = await read_one(storage)
    assert isinstance(first, StoreItem)
    assert first.counter == 4
    read_e_tag = first.e_tag

    first.counter = 5
    await storage.write({KEY: first})

    second = await read_one(storage)
    assert second.counter == 5
    assert second.e_tag != read_e_tag
    # write() moves the caller's item to the new eTag, so the same turn can write again.
    assert first.e_tag == second.e_tag
    with pytest.raises(StateConflictError):
        await storage.write({KEY: stale})


async def test_write_stamps_the_clock(storage: SqlBotStateStorage, database: Database) -> None:
    await storage.write({KEY: {"n": 1}})

    async with database.engine.connect() as connection:
        updated_at = (await connection.execute(select(bot_state.c.updated_at))).scalar_one()
    assert updated_at == FIXED_NOW


async def test_writing_with_the_read_e_tag_succeeds_and_moves_the_e_tag(storage: SqlBotStateStorage) -> None:
    await storage.write({KEY: {"n": 1}})
    item = await read_one(storage)
    read_e_tag = item["e_tag"]

    item["n"] = 2
    await storage.write({KEY: item})

    after = await read_one(storage)
    assert after["n"] == 2
    assert after["e_tag"] != read_e_tag
    assert item["e_tag"] == after["e_tag"]


async def test_writing_with_a_stale_e_tag_is_refused_and_changes_nothing(storage: SqlBotStateStorage) -> None:
    await storage.write({KEY: {"n": 1}})
    stale = await read_one(storage)
    fresh = await read_one(storage)
    fresh["n"] = 2
    await storage.write({KEY: fresh})

    stale["n"] = 99
    with pytest.raises(StateConflictError):
        await storage.write({KEY: stale})

    stored = await read_one(storage)
    assert stored["n"] == 2
    assert stored["e_tag"] == fresh["e_tag"]


async def test_an_e_tag_for_a_deleted_document_is_a_conflict(storage: SqlBotStateStorage) -> None:
    # A turn that read the state before someone deleted it must not silently bring it back.
    await storage.write({KEY: {"n": 1}})
    held = await read_one(storage)
    await storage.delete([KEY])

    with pytest.raises(StateConflictError):
        await storage.write({KEY: held})

    assert await storage.read([KEY]) == {}


async def test_wildcard_e_tag_overwrites(storage: SqlBotStateStorage) -> None:
    await storage.write({KEY: {"n": 1}})
    stale = await read_one(storage)
    await storage.write({KEY: {**stale, "n": 2}})

    await storage.write({KEY: {"n": 3, "e_tag": "*"}})

    assert (await read_one(storage))["n"] == 3


async def test_wildcard_e_tag_creates(storage: SqlBotStateStorage) -> None:
    await storage.write({KEY: {"n": 1, "e_tag": "*"}})

    assert (await read_one(storage))["n"] == 1


async def test_no_e_tag_means_last_writer_wins(storage: SqlBotStateStorage) -> None:
    # The SDK's own storages behave like this, and ConversationState's first save of a new conversation
    # carries no eTag.
    await storage.write({KEY: {"n": 1}})

    await storage.write({KEY: {"n": 2}})

    assert (await read_one(storage))["n"] == 2


async def test_empty_e_tag_is_rejected(storage: SqlBotStateStorage) -> None:
    with pytest.raises(ValueError, match="empty eTag"):
        await storage.write({KEY: {"n": 1, "e_tag": ""}})

    assert await storage.read([KEY]) == {}


async def test_delete(storage: SqlBotStateStorage) -> None:
    await storage.write({KEY: {"n": 1}, OTHER_KEY: {"n": 2}})

    await storage.delete([KEY, "msteams/conversations/never-written/"])

    assert set(await storage.read([KEY, OTHER_KEY])) == {OTHER_KEY}


async def test_delete_nothing(storage: SqlBotStateStorage) -> None:
    await storage.write({KEY: {"n": 1}})

    await storage.delete([])

    assert set(await storage.read([KEY])) == {KEY}


async def test_two_turns_writing_the_same_read_exactly_one_wins(storage: SqlBotStateStorage) -> None:
    # Two replicas handle two messages of one conversation at the same moment: both read, both write.
    await storage.write({KEY: {"turns": []}})
    first, second = await asyncio.gather(read_one(storage), read_one(storage))
    assert first["e_tag"] == second["e_tag"]
    first["turns"] = ["first"]
    second["turns"] = ["second"]

    outcomes = await asyncio.gather(storage.write({KEY: first}), storage.write({KEY: second}), return_exceptions=True)

    conflicts = [o for o in outcomes if isinstance(o, StateConflictError)]
    assert len(conflicts) == 1
    assert outcomes.count(None) == 1
    winner = first if outcomes[0] is None else second
    stored = await read_one(storage)
    assert stored["turns"] == winner["turns"]
    assert stored["e_tag"] == winner["e_tag"]


async def test_many_turns_racing_on_one_read_leave_one_winner(storage: SqlBotStateStorage) -> None:
    await storage.write({KEY: {"winner": None}})
    copies = await asyncio.gather(*(read_one(storage) for _ in range(6)))
    for n, copy in enumerate(copies):
        copy["winner"] = n

    outcomes = await asyncio.gather(*(storage.write({KEY: copy}) for copy in copies), return_exceptions=True)

    assert outcomes.count(None) == 1
    assert all(isinstance(o, StateConflictError) for o in outcomes if o is not None)
    assert (await read_one(storage))["winner"] == outcomes.index(None)


async def test_first_writes_without_e_tag_racing_to_create_a_document_all_succeed(
    storage: SqlBotStateStorage,
) -> None:
    # Installing the app in Teams sends several activities at once for a conversation we have never seen; each
    # turn saves its new state without an eTag, which asks for an unconditional write, so none may fail.
    # (SQLite serialises writers, so the create race itself only happens on PostgreSQL.)
    writers = [{"writer": n} for n in range(6)]

    outcomes = await asyncio.gather(*(storage.write({KEY: item}) for item in writers), return_exceptions=True)

    assert outcomes == [None] * len(writers)
    stored = await read_one(storage)
    assert stored["writer"] in range(len(writers))
    assert stored["e_tag"] in {item["e_tag"] for item in writers}
