"""Directory wrappers: a failing directory never stops matching, and each person is looked up at most once a while."""

from __future__ import annotations

from datetime import timedelta

import pytest

from programme.directory import ForgivingDirectory, RememberingDirectory
from programme.errors import ProgrammeError
from programme.identity import PersonId
from programme.notifier import DeliveryFailed
from tests.programme.builders import AISHA, BEN
from tests.support.fakes import FakeClock


class CountingDirectory:
    def __init__(self, answers: dict[PersonId, str | None], fail_with: Exception | None = None) -> None:
        self.answers = answers
        self.fail_with = fail_with
        self.asked: list[PersonId] = []

    async def manager_email(self, person: PersonId) -> str | None:
        self.asked.append(person)
        if self.fail_with is not None:
            raise self.fail_with
        return self.answers.get(person)


async def test_each_person_is_asked_once_until_the_answer_is_old() -> None:
    clock = FakeClock()
    inner = CountingDirectory({AISHA: "boss@nhs.net"})
    directory = RememberingDirectory(inner, clock, keep_for=timedelta(minutes=10))

    assert await directory.manager_email(AISHA) == "boss@nhs.net"
    assert await directory.manager_email(AISHA) == "boss@nhs.net"
    assert await directory.manager_email(BEN) is None
    assert await directory.manager_email(BEN) is None  # "not known" is remembered too
    assert inner.asked == [AISHA, BEN]

    clock.advance(timedelta(minutes=10))
    inner.answers[AISHA] = "new.boss@nhs.net"
    assert await directory.manager_email(AISHA) == "new.boss@nhs.net"
    assert inner.asked == [AISHA, BEN, AISHA]


@pytest.mark.parametrize(
    "failure", [ProgrammeError("Graph is unavailable"), DeliveryFailed("throttled", permanent=False)]
)
async def test_a_failing_directory_means_not_known(failure: Exception) -> None:
    directory = ForgivingDirectory(CountingDirectory({}, fail_with=failure))
    assert await directory.manager_email(AISHA) is None


async def test_other_errors_are_not_hidden() -> None:
    directory = ForgivingDirectory(CountingDirectory({}, fail_with=RuntimeError("bug")))
    with pytest.raises(RuntimeError):
        await directory.manager_email(AISHA)
