"""A person's own data: what the bot holds about them, and the confirmations before erasing it or withdrawing.

The "my data" card renders whatever the personal data holders export, without knowing their shapes, so a new
holder shows up without a change here. Holders list records newest first, so the first items of a list are the
most recent. Whatever a report holds, the card must still fit in one message: lists, long text and deep nesting
are cut short, and a budget stops adding blocks before the card would be too big, saying so on the card.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from cards.cohorts import day
from cards.elements import Card, Element, card, encoded_size, escape_markdown, execute, heading, paragraph, subheading
from programme.identity import PersonId
from programme.personal_data import SubjectAccessReport

NOTHING_HELD = "Nothing held"
MAX_ITEMS_PER_SECTION = 10
MAX_FACTS = 30
MAX_TEXT = 300
MAX_TITLE = 100
MAX_DEPTH = 3
MAX_COHORT_TITLES = 10
# UTF-16 bytes for the sections, leaving room under the 28 KB card limit for the heading, notes and buttons.
SECTIONS_BUDGET = 20 * 1024
MIN_SECTION_SHARE = 1024
MAX_LISTED_SECTIONS = 8
MAX_LISTED_TITLE = 40

FULL_COPY = (
    "For a full copy of everything, ask your coordinator: they will handle it as a formal subject access request."
)

PART_SHOWN = "Only part of this is shown here."

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9:]+)?")


def my_data_card(report: SubjectAccessReport) -> Card:
    body: list[Element] = [
        heading("Your data"),
        paragraph(f"This is everything the ReMEDI bot holds about you, as of {_moment(report.generated_at)}."),
        paragraph(f"Your Microsoft 365 account id: {escape_markdown(report.person.value)}", subtle=True),
    ]
    # Only as many sections as can each have a useful share of the card; the rest are named at the end.
    sections = list(report.sections.items())[: SECTIONS_BUDGET // MIN_SECTION_SHARE]
    not_shown = [_title(str(key)) for key in list(report.sections)[len(sections) :]]
    cut = False
    shares = _fair_shares([_full_cost(str(key), value) for key, value in sections], SECTIONS_BUDGET)
    for (key, value), share in zip(sections, shares, strict=True):
        budget = _Budget(share)
        budget.add_all(body, _section(str(key), value, budget))
        if budget.exhausted:
            body.append(paragraph(PART_SHOWN, subtle=True))
            cut = True
    if not_shown:
        listed = ", ".join(escape_markdown(title[:MAX_LISTED_TITLE]) for title in not_shown[:MAX_LISTED_SECTIONS])
        more = len(not_shown) - MAX_LISTED_SECTIONS
        body.append(
            paragraph(f"Not shown here, to keep this card short: {listed}{f' and {more} more' if more > 0 else ''}.")
        )
    if cut or not_shown:
        body.append(paragraph("There is more than fits on this card. " + FULL_COPY))
    else:
        body.append(paragraph(FULL_COPY, subtle=True))
    return card(
        body,
        [execute("Delete my data", "delete-my-data"), execute("How your data is used", "privacy")],
    )


class _Budget:
    """Counts the card's size as blocks are added, so rendering stops before the card would be too big."""

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.exhausted = False

    def take(self, node: object) -> bool:
        cost = _cost(node)
        if cost > self.left:
            self.exhausted = True
            return False
        self.left -= cost
        return True

    def add_all(self, body: list[Element], blocks: Iterator[Element]) -> None:
        """Add blocks while they fit, stopping at the first that does not."""
        for block in blocks:
            if not self.take(block):
                return
            body.append(block)
            # A block may have been cut short to fit (a long record): keep it, but add nothing after it.
            if self.exhausted:
                return


def _full_cost(key: str, value: Any) -> int:
    """What a section would take with no limit (its blocks are already capped in length and count), plus the
    headroom a fact set asks for before it is added."""
    unlimited = _Budget(1 << 40)
    unlimited.add_all([], _section(key, value, unlimited))
    return (1 << 40) - unlimited.left + _FACT_SET_COST


def _fair_shares(wanted: Sequence[int], total: int) -> list[int]:
    """Max-min fair shares of ``total``: small sections get all they need, and what they leave is split evenly
    among the larger ones, so one very large section cannot crowd out the others nor waste their room."""
    shares = [0] * len(wanted)
    left = total
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    for position, index in enumerate(order):
        even = left // (len(order) - position)
        # A section that needs more than its even share is cut, and then needs room to say so.
        shares[index] = wanted[index] if wanted[index] <= even else even - _PART_SHOWN_COST
        left -= wanted[index] if wanted[index] <= even else even
    return shares


def _cost(node: object) -> int:
    # The separator between list items costs a comma and a space at most.
    return encoded_size(node) + 4


_PART_SHOWN_COST = _cost(paragraph(PART_SHOWN, subtle=True))
# A FactSet's own keys, beyond its facts: charged up front so the finished set still fits.
_FACT_SET_COST = _cost({"type": "FactSet", "facts": [], "separator": True, "spacing": "Medium"})


def _section(key: str, value: Any, budget: _Budget) -> Iterator[Element]:
    yield subheading(escape_markdown(_title(key)))
    if _is_empty(value):
        yield paragraph(NOTHING_HELD, subtle=True)
    elif isinstance(value, Mapping):
        record = _fact_set(_pairs(value), budget)
        if record is not None:
            yield record
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items = list(value)
        for item in items[:MAX_ITEMS_PER_SECTION]:
            if isinstance(item, Mapping) and not _is_empty(item):
                record = _fact_set(_pairs(item), budget)
                if record is None:
                    return
                yield {**record, "separator": True, "spacing": "Medium"}
            else:
                yield paragraph(_scalar(item))
        if len(items) > MAX_ITEMS_PER_SECTION:
            yield paragraph(
                f"Showing the {MAX_ITEMS_PER_SECTION} most recent of {len(items)}. {FULL_COPY}", subtle=True
            )
    else:
        yield paragraph(_scalar(value))


def _fact_set(pairs: Iterator[tuple[str, str]], budget: _Budget) -> Element | None:
    """A FactSet with as many facts as the budget allows (None when not even one fits); the set's cost is charged
    when it is added to the card."""
    facts: list[dict[str, str]] = []
    spent = 0
    for count, (title, value) in enumerate(pairs):
        fact = {"title": title, "value": value}
        if count == MAX_FACTS:
            fact = {"title": "More", "value": "Not shown here. " + FULL_COPY}
        cost = _cost(fact)
        if spent + cost > budget.left - _FACT_SET_COST:
            budget.exhausted = True
            break
        facts.append(fact)
        spent += cost
        if count == MAX_FACTS:
            break
    return {"type": "FactSet", "facts": facts} if facts else None


def _pairs(value: Mapping[Any, Any], prefix: str = "", depth: int = 1) -> Iterator[tuple[str, str]]:
    """Flatten a record into (title, text) rows: nested records get their parent's title in front."""
    for key, item in value.items():
        title = f"{prefix}{_title(str(key))}"[: 2 * MAX_TITLE]
        if isinstance(item, Mapping) and not _is_empty(item) and depth < MAX_DEPTH:
            yield from _pairs(item, f"{title}: ", depth + 1)
        elif isinstance(item, Sequence) and not isinstance(item, str | bytes) and not _is_empty(item):
            if all(not isinstance(x, Mapping | Sequence) or isinstance(x, str) for x in item):
                yield (
                    escape_markdown(title),
                    ", ".join(_scalar(x) for x in item[:MAX_ITEMS_PER_SECTION])
                    + (f" and {len(item) - MAX_ITEMS_PER_SECTION} more" if len(item) > MAX_ITEMS_PER_SECTION else ""),
                )
            elif depth < MAX_DEPTH:
                for number, entry in enumerate(item[:MAX_ITEMS_PER_SECTION], start=1):
                    if isinstance(entry, Mapping):
                        yield from _pairs(entry, f"{title} {number}: ", depth + 1)
                    else:
                        yield escape_markdown(f"{title} {number}"), _scalar(entry)
            else:
                yield escape_markdown(title), _scalar(json.dumps(item, default=str))
        elif isinstance(item, Mapping) and not _is_empty(item):
            yield escape_markdown(title), _scalar(json.dumps(item, default=str))
        else:
            yield escape_markdown(title), _scalar(item)


def _scalar(value: object) -> str:
    """One value as escaped, readable text, cut short when long."""
    if _is_empty(value):
        return NOTHING_HELD
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, date):
        return day(value)
    text = value if isinstance(value, str) else str(value)
    when = _readable_date(text)
    if when is not None:
        return when
    if len(text) > MAX_TEXT:
        text = text[:MAX_TEXT] + "\u2026 (shortened)"
    return escape_markdown(text)


def _readable_date(text: str) -> str | None:
    try:
        if _ISO_DATE.fullmatch(text):
            return day(date.fromisoformat(text))
        if _ISO_DATETIME.fullmatch(text):
            return _moment(datetime.fromisoformat(text))
    except ValueError:
        return None
    return None


def _moment(value: datetime) -> str:
    zone = f" {value.tzname()}" if value.tzinfo is not None else ""
    return f"{day(value.date())} at {value:%H:%M}{zone}"


def _is_empty(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str | bytes | Mapping | list | tuple | set | frozenset):
        return len(value) == 0
    return False


def _title(key: str) -> str:
    words = " ".join(key[: 2 * MAX_TITLE].replace("_", " ").replace("-", " ").split())[:MAX_TITLE]
    return words[:1].upper() + words[1:] if words else "Other"


# Confirmations --------------------------------------------------------------------------------------------------


def delete_confirmation_card(person: PersonId) -> Card:
    return card(
        [
            heading("Delete your data?"),
            paragraph("If you go ahead, I will erase what the programme holds about you:"),
            paragraph(
                "- your profile answers and your applications\n"
                "- any pause you asked for\n"
                "- your private reflections and survey answers, if you made any\n"
                "- what I keep of our conversations, and the details I use to message you"
            ),
            subheading("What stays, and why"),
            paragraph(
                "- anonymous counts, such as how many people took part, which cannot identify you\n"
                "- coordinators' decisions in the audit log, so they can still be checked, with your name and "
                "id removed"
            ),
            subheading("Before you decide"),
            paragraph(
                "This cannot be undone. If you have a place in a cohort you will leave it, and your coordinator "
                "will be told that you have left the programme, nothing more."
            ),
            paragraph("You can come back and sign up again in the future if you would like to.", subtle=True),
        ],
        [
            {
                **execute("Yes, delete my data", "delete-my-data.confirm", {"person": person.value}),
                "style": "destructive",
            },
            execute("Keep my data", "delete-my-data.cancel"),
        ],
    )


def withdraw_confirmation_card(person: PersonId, cohort_titles: Sequence[str]) -> Card:
    body: list[Element] = [
        heading("Step back from the programme?"),
        paragraph("You can withdraw at any time, and you don't need to give a reason. It is completely fine."),
    ]
    if cohort_titles:
        shown = cohort_titles[:MAX_COHORT_TITLES]
        listed = "\n".join(f"- {escape_markdown(title)}" for title in shown)
        if len(cohort_titles) > len(shown):
            listed += f"\n- and {len(cohort_titles) - len(shown)} more"
        body += [paragraph("This withdraws you from:"), paragraph(listed)]
    body += [
        subheading("What happens next"),
        paragraph(
            "Your coordinator will be told that you have stepped back, nothing more. If you have a mentoring "
            "partner, they will get a kind message to say the pairing has ended, without any reason being given."
        ),
        paragraph("You are welcome to sign up to a later cohort whenever it suits you."),
    ]
    return card(
        body,
        [
            execute("Yes, withdraw", "withdraw.confirm", {"person": person.value}),
            execute("Stay in the programme", "withdraw.cancel"),
        ],
    )
