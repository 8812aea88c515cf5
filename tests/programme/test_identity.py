"""Entra ids are parsed once at the edge; every spelling of one id must become the same value."""

from __future__ import annotations

import pytest

from programme.errors import InvalidInput, ProgrammeError
from programme.identity import PersonId, TenantId, is_guid, normalise_guid

CANONICAL = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


@pytest.mark.parametrize(
    "spelling",
    [
        CANONICAL,
        CANONICAL.upper(),
        "{" + CANONICAL + "}",
        "{" + CANONICAL.upper() + "}",
        "  " + CANONICAL + "\t",
        "\n{" + CANONICAL + "}\n",
    ],
)
def test_every_spelling_normalises_to_one_value(spelling: str) -> None:
    assert normalise_guid(spelling, what="An id") == CANONICAL
    assert PersonId.parse(spelling) == PersonId(CANONICAL)
    assert TenantId.parse(spelling) == TenantId(CANONICAL)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "not-a-guid",
        CANONICAL[:-1],
        CANONICAL + "0",
        CANONICAL.replace("-", ""),  # uuid.UUID would accept it; we want one spelling only
        "urn:uuid:" + CANONICAL,  # likewise
        CANONICAL.replace("3", "g", 1),
        "3f2504e0_4f89_11d3_9a0c_0305e82c3301",
        "{" + CANONICAL + "\n}",  # a newline hidden inside the braces once slipped past the regex's "$"
        CANONICAL + "\n}",
        "\uff13f2504e0-4f89-11d3-9a0c-0305e82c3301",  # a full-width digit
        "{{" + CANONICAL + "}}x",
    ],
)
def test_bad_values_raise_invalid_input_with_a_kind_message(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        PersonId.parse(bad)
    message = caught.value.user_message
    assert message.startswith("A person's Entra object id")
    # The message shows what a good value looks like rather than echoing the bad one back.
    assert CANONICAL in message
    assert isinstance(caught.value, ProgrammeError)


def test_tenant_message_names_the_tenant() -> None:
    with pytest.raises(InvalidInput, match=r"^A tenant id must be an id like"):
        TenantId.parse("contoso.onmicrosoft.com")


def test_is_guid_is_strict_about_the_whole_string() -> None:
    assert is_guid(CANONICAL)
    assert is_guid(CANONICAL.upper())
    assert not is_guid(CANONICAL + "\n")
    assert not is_guid(" " + CANONICAL)
    assert not is_guid("{" + CANONICAL + "}")


def test_ids_print_as_their_value_and_sort() -> None:
    low, high = PersonId("00000000-0000-0000-0000-000000000001"), PersonId("00000000-0000-0000-0000-000000000002")
    assert str(low) == low.value
    assert sorted([high, low]) == [low, high]
