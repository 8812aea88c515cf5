"""The real msgraph-sdk client, pointed at a local fake Graph, with a fake credential."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from graph.client import GraphConnection, RetryPolicy, graph_connection
from tests.support.fake_graph import FakeCredential, FakeGraph

# kiota's retry behaviour unchanged, minus the fixed 3 s it adds to every backoff, so tests do not crawl.
QUICK = RetryPolicy(added_delay=0.0, longest_wait=5.0)


@pytest.fixture
async def fake_graph() -> AsyncIterator[FakeGraph]:
    async with FakeGraph() as fake:
        yield fake


@pytest.fixture
def credential() -> FakeCredential:
    return FakeCredential()


@pytest.fixture
async def connection(fake_graph: FakeGraph, credential: FakeCredential) -> AsyncIterator[GraphConnection]:
    connection = graph_connection(credential, base_url=fake_graph.base_url, retry=QUICK)
    yield connection
    await connection.aclose()
