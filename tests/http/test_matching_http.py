"""Matching through the real adapter: a coordinator proposes pairs, adjusts them with the review's buttons and
publishes them; people hear nothing until then, and then exactly once.

The cohort is built in :mod:`tests.http.matching_world`, whose docstring says which pairs the rules allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from programme.applications import ApplicationState
from programme.cohorts import CohortState
from tests.http.matching_world import (
    CARD_TITLE,
    EVERYONE,
    MENTEE_FENELLA,
    MENTEE_GWEN,
    MENTEE_PERCY,
    MENTOR_HOLLIS,
    MENTOR_OTTILIE,
    MENTOR_WREN,
    application_of,
    audit_details,
    cards_to,
    cohort_to_match,
    named_pairs,
    pairs,
    states,
    texts_to,
    work_keys,
)
from tests.http.programme_driver import (
    BRAM_ANSWERS,
    CARD_REPLY,
    COORDINATOR_CARYS,
    MENTEE_BRAM,
    MENTOR_ZADIE,
    MESSAGE_REPLY,
    Person,
    Programme,
    only_card,
)
from tests.support.card_reading import button, card_actions, card_text, elements, facts, inputs, text_blocks

REFUSED = (
    "Sorry, only programme coordinators can do that. If you think you should be one, please ask your programme's "
    "coordinator."
)
PARTICIPANTS = tuple(person for person, _ in EVERYONE)
FIRST_PAIRS = {
    (MENTOR_WREN.name, MENTEE_BRAM.name),
    (MENTOR_ZADIE.name, MENTEE_FENELLA.name),
    (MENTOR_HOLLIS.name, MENTEE_GWEN.name),
}


def readable(card: Mapping[str, Any]) -> str:
    """The card's text as a person reads it: Markdown's escapes and bold marks gone."""
    return card_text(card).replace("\\", "").replace("**", "")


def pair_block(card: Mapping[str, Any], mentor: Person, mentee: Person) -> Mapping[str, Any]:
    """The review's container for one pair."""
    title = f"{mentor.name} — {mentee.name}"
    found = [
        e
        for e in elements(card)
        if e.get("type") == "Container" and any(i.get("text") == title for i in e.get("items", []))
    ]
    assert len(found) == 1, f"expected one block for {title}, found {len(found)}"
    return found[0]


def choice(card: Mapping[str, Any], input_id: str, title: str) -> str:
    """The value of the adjust card's choice whose title is ``title``."""
    values = [c["value"] for c in inputs(card)[input_id]["choices"] if c["title"] == title]
    assert len(values) == 1, f"no single {title!r} in {input_id}: {inputs(card)[input_id]['choices']}"
    return str(values[0])


async def press_once(programme: Programme, action: Mapping[str, Any], **typed: str) -> dict[str, Any]:
    """A coordinator's button press, checked to leave exactly one audit entry, hers."""
    before = await programme.audit()
    answer = await programme.press(COORDINATOR_CARYS, action, **typed)
    after = await programme.audit()
    assert len(after) == len(before) + 1, after[len(before) :]
    assert after[-1][0] == COORDINATOR_CARYS.id
    return answer


async def nothing_reached_participants(programme: Programme, since: int) -> None:
    """Nothing was sent to anyone taking part after ``since`` sends, and nothing about pairs is queued."""
    chats = {person.chat for person in PARTICIPANTS}
    assert [a.conversation_id for a in programme.sent[since:] if a.conversation_id in chats] == []
    assert (await programme.sweep()).claimed == 0
    assert [key for key in await work_keys(programme) if key.startswith("pair:")] == []


async def test_matching_proposes_only_pairs_the_rules_allow_and_sends_nothing(programme: Programme) -> None:
    cohort_id = await cohort_to_match(programme, EVERYONE)
    before = len(programme.sent)

    review = only_card(await programme.say(COORDINATOR_CARYS, "match"))

    shown = readable(review)
    assert f"Matching {CARD_TITLE}" in shown
    assert "3 pairs proposed · 2 people without a partner" in shown
    assert "Nothing is sent to anyone until you publish." in shown
    wren_bram = card_text(pair_block(review, MENTOR_WREN, MENTEE_BRAM))
    assert "Why: 2 shared topics: Belonging and being heard, Allyship and active bystanding" in wren_bram
    assert "both usually free Tuesday morning and Friday afternoon" in wren_bram
    zadie_fenella = card_text(pair_block(review, MENTOR_ZADIE, MENTEE_FENELLA))
    assert "Career progression and development, Everyday incivility and microaggressions" in zadie_fenella
    assert "Band 5 · Quillmere Mental Health" in zadie_fenella
    assert "Band 8c · Marchbank Finance" in zadie_fenella
    pair_block(review, MENTOR_HOLLIS, MENTEE_GWEN)
    assert await named_pairs(programme, cohort_id) == FIRST_PAIRS
    # Bram's line manager signed up as a mentor, with his topics and times; she is never proposed with him, and
    # the card says why she is left over without naming who declared what.
    assert (
        "Ottilie Chiefwright (Mentor): No mentee fits the rules: 3 are not at the right seniority (the mentee must "
        "be more senior); 1 is in their line-management chain." in shown
    )
    assert (
        "Percy Lowmoor (Mentee): No mentor fits the rules: 4 are not at the right seniority (the mentee must be "
        "more senior)." in shown
    )
    for private in (BRAM_ANSWERS.line_manager_email, MENTOR_ZADIE.email, "quill.rival"):
        assert private not in shown
    assert [a["title"] for a in card_actions(review)][-4:] == [
        "Adjust pairs",
        "Run matching again",
        "Publish…",
        "All cohorts",
    ]

    # Nobody taking part has heard anything, and nothing is waiting to be sent to them.
    await nothing_reached_participants(programme, before)
    assert all(state is ApplicationState.APPROVED for state in (await states(programme, PARTICIPANTS)).values())
    assert (await programme.cohort(cohort_id)).state is CohortState.MATCHING
    assert (await programme.audit())[-1] == (COORDINATOR_CARYS.id, "match", "done", None)


async def test_a_coordinator_adjusts_the_pairs_with_the_buttons(programme: Programme) -> None:
    cohort_id = await cohort_to_match(programme, EVERYONE)
    before = len(programme.sent)
    review = only_card(await programme.say(COORDINATOR_CARYS, "match"))
    assert await named_pairs(programme, cohort_id) == FIRST_PAIRS
    ids = {(p.mentor_application, p.mentee_application): p.id for p in await pairs(programme, cohort_id)}
    app = {person: (await application_of(programme, person)).id for person in PARTICIPANTS}
    zadie_fenella = ids[(app[MENTOR_ZADIE], app[MENTEE_FENELLA])]
    wren_bram = ids[(app[MENTOR_WREN], app[MENTEE_BRAM])]

    # Lock: the pair is kept, and the button turns into "Unlock".
    lock = button(pair_block(review, MENTOR_ZADIE, MENTEE_FENELLA), "Lock")
    locked = await press_once(programme, lock)
    block = pair_block(locked["value"], MENTOR_ZADIE, MENTEE_FENELLA)
    assert "Locked" in card_text(block)
    assert [a["title"] for a in card_actions(block)] == ["Unlock", "Take apart"]
    assert [p.locked for p in await pairs(programme, cohort_id) if p.id == zadie_fenella] == [True]

    # Take Wren and Bram apart: both are left without a partner, and running matching again never puts them back
    # together, though they are still each other's best fit.
    take_apart = button(pair_block(locked["value"], MENTOR_WREN, MENTEE_BRAM), "Take apart")
    assert take_apart["data"]["pair"] == wren_bram
    apart = await press_once(programme, take_apart)
    shown = readable(apart["value"])
    assert f"{MENTOR_WREN.name} — {MENTEE_BRAM.name}" not in shown
    assert "2 pairs proposed · 4 people without a partner" in shown
    assert f"{MENTOR_WREN.name} (Mentor):" in shown
    assert f"{MENTEE_BRAM.name} (Mentee):" in shown
    rerun = await press_once(programme, button(apart["value"], "Run matching again"))
    after_rerun = {
        (MENTOR_ZADIE.name, MENTEE_FENELLA.name),
        (MENTOR_WREN.name, MENTEE_GWEN.name),
        (MENTOR_HOLLIS.name, MENTEE_BRAM.name),
    }
    assert await named_pairs(programme, cohort_id) == after_rerun
    assert f"{MENTOR_WREN.name} — {MENTEE_BRAM.name}" not in card_text(rerun["value"])
    # The locked pair is the same pair, not a new proposal of the same two people.
    assert zadie_fenella in {p.id for p in await pairs(programme, cohort_id)}
    ids = {(p.mentor_application, p.mentee_application): p.id for p in await pairs(programme, cohort_id)}

    # Swapping Zadie's and Wren's mentees would put Zadie with Gwen, from her own directorate: refused, the rule
    # on the card, nothing changed.
    adjust = await press_once(programme, button(rerun["value"], "Adjust pairs"))
    adjusting = adjust["value"]
    assert f"Adjust the pairs of {CARD_TITLE}" in readable(adjusting)
    first = choice(adjusting, "swap_first", f"{MENTOR_ZADIE.name} — {MENTEE_FENELLA.name}")
    wren_gwen = choice(adjusting, "swap_second", f"{MENTOR_WREN.name} — {MENTEE_GWEN.name}")
    hollis_bram = choice(adjusting, "swap_second", f"{MENTOR_HOLLIS.name} — {MENTEE_BRAM.name}")
    swap = button(adjusting, "Swap their mentees")
    refused = await press_once(programme, swap, swap_first=first, swap_second=wren_gwen)
    assert refused["type"] == CARD_REPLY
    assert (
        f"I haven't swapped them, because {MENTOR_ZADIE.name} with {MENTEE_GWEN.name}: they work in the same "
        "directorate, and this cohort pairs across directorates. To pair people against a rule, pair them by hand "
        "and give the reason." in readable(refused["value"])
    )
    assert await named_pairs(programme, cohort_id) == after_rerun

    # Zadie's and Hollis's mentees can be swapped: both new pairs keep every rule, and are locked.
    swapped = await press_once(programme, swap, swap_first=first, swap_second=hollis_bram)
    assert "Why:" in card_text(pair_block(swapped["value"], MENTOR_ZADIE, MENTEE_BRAM))
    assert await named_pairs(programme, cohort_id) == {
        (MENTOR_ZADIE.name, MENTEE_BRAM.name),
        (MENTOR_WREN.name, MENTEE_GWEN.name),
        (MENTOR_HOLLIS.name, MENTEE_FENELLA.name),
    }
    by_hand = [(p.locked, p.by_hand) for p in await pairs(programme, cohort_id) if p.id not in ids.values()]
    assert by_hand == [(True, True), (True, True)]

    # Ottilie with Percy breaks a rule: refused without the override, with the rule named.
    adjusting = (await press_once(programme, button(swapped["value"], "Adjust pairs")))["value"]
    ottilie = choice(adjusting, "mentor", f"{MENTOR_OTTILIE.name} · Director (not on the board)")
    percy = choice(adjusting, "mentee", f"{MENTEE_PERCY.name} · Band 4")
    add = button(adjusting, "Pair them")
    sent_before = len(programme.sent)
    without = await press_once(programme, add, mentor=ottilie, mentee=percy, override="false", override_reason="")
    assert f"Adjust the pairs of {CARD_TITLE}" in readable(without["value"])
    # The refusal is on the card itself, where a refused swap's is on the review: nothing is sent separately.
    assert (
        f"Pairing {MENTOR_OTTILIE.name} with {MENTEE_PERCY.name} would break a rule: the mentee is not more senior "
        "than the mentor. If you still want to, tick the override and say why; it is kept in the audit log."
    ) in text_blocks(without["value"])
    assert programme.sent[sent_before:] == []
    assert len(await pairs(programme, cohort_id)) == 3

    # With the override and a reason: stored, audited with the reason, and the card says so.
    reason = "Percy asked for Ottilie by name; agreed with the EDI lead"
    overridden = await press_once(programme, add, mentor=ottilie, mentee=percy, override="true", override_reason=reason)
    shown = readable(overridden["value"])
    assert (
        "Paired by hand against a rule (the mentee is not more senior than the mentor); the reason is in the audit "
        "log." in shown
    )
    assert f"Paired against a rule. The reason given: {reason}" in readable(
        pair_block(overridden["value"], MENTOR_OTTILIE, MENTEE_PERCY)
    )
    [made] = [p for p in await pairs(programme, cohort_id) if p.mentee_application == int(percy)]
    assert (made.mentor_application, made.override, made.by_hand, made.locked) == (int(ottilie), reason, True, True)
    added = {"mentor_application": int(ottilie), "mentee_application": int(percy)}
    assert await audit_details(programme, "pair add") == [
        ("rejected: Conflict", {**added, "override": None}),
        ("done", {**added, "override": reason}),
    ]

    # Every button left one entry, in order, with what it was about.
    changes = [e for e in await programme.audit() if e[1].startswith(("pair", "match"))]
    assert changes == [
        (COORDINATOR_CARYS.id, "match", "done", None),
        (COORDINATOR_CARYS.id, "pair lock", "done", f"pair {zadie_fenella}"),
        (COORDINATOR_CARYS.id, "pair unpair", "done", f"pair {wren_bram}"),
        (COORDINATOR_CARYS.id, "match rerun", "done", f"cohort {cohort_id}"),
        (COORDINATOR_CARYS.id, "match adjust", "done", f"cohort {cohort_id}"),
        (COORDINATOR_CARYS.id, "pair swap", "rejected: Conflict", f"pairs {first} and {wren_gwen}"),
        (COORDINATOR_CARYS.id, "pair swap", "done", f"pairs {first} and {hollis_bram}"),
        (COORDINATOR_CARYS.id, "match adjust", "done", f"cohort {cohort_id}"),
        (COORDINATOR_CARYS.id, "pair add", "rejected: Conflict", f"cohort {cohort_id}"),
        (COORDINATOR_CARYS.id, "pair add", "done", f"cohort {cohort_id}"),
    ]
    await nothing_reached_participants(programme, before)


async def test_someone_who_is_not_a_coordinator_cannot_publish_or_pair(programme: Programme) -> None:
    cohort_id = await cohort_to_match(programme, EVERYONE)
    only_card(await programme.say(COORDINATOR_CARYS, "match"))
    proposed = await pairs(programme, cohort_id)
    before = len(programme.sent)
    wren = (await application_of(programme, MENTOR_WREN)).id
    percy = (await application_of(programme, MENTEE_PERCY)).id

    # Buttons a participant could only have by forging the invoke: each refused, audited as refused, harmless.
    publish = await programme.click(MENTOR_ZADIE, "match.publish.confirm", {"cohort": cohort_id})
    assert (publish["type"], publish["value"]) == (MESSAGE_REPLY, REFUSED)
    forged = {"cohort": cohort_id, "mentor": wren, "mentee": percy, "override": "true", "override_reason": "forged"}
    add = await programme.click(MENTEE_PERCY, "pair.add", forged)
    assert (add["type"], add["value"]) == (MESSAGE_REPLY, REFUSED)

    assert (await programme.audit())[-2:] == [
        (MENTOR_ZADIE.id, "match publish confirm", "refused: not a coordinator", f"cohort {cohort_id}"),
        (MENTEE_PERCY.id, "pair add", "refused: not a coordinator", f"cohort {cohort_id}"),
    ]
    assert (await programme.cohort(cohort_id)).state is CohortState.MATCHING
    assert await pairs(programme, cohort_id) == proposed
    await nothing_reached_participants(programme, before)


async def test_publishing_introduces_every_pair_once_and_waitlists_the_rest(programme: Programme) -> None:
    cohort_id = await cohort_to_match(programme, EVERYONE)
    only_card(await programme.say(COORDINATOR_CARYS, "match"))
    before = len(programme.sent)

    asking = only_card(await programme.say(COORDINATOR_CARYS, "publish"))
    asked = readable(asking)
    assert "Publish 3 pairs?" in asked
    assert "2 approved people without a partner move to the waiting list." in asked
    assert (await programme.cohort(cohort_id)).state is CohortState.MATCHING
    confirm = button(asking, "Publish and introduce")
    published = await press_once(programme, confirm)
    done = readable(published["value"])
    assert "Pairs published" in done
    assert f"{CARD_TITLE}: 3 pairs introduced." in done
    assert "2 people without a partner moved to the waiting list" in done
    assert "0 of 3 pairs confirmed so far." in done
    assert (await programme.cohort(cohort_id)).state is CohortState.RUNNING

    # Introductions wait for the sweep, like every proactive message.
    assert [a for a in programme.sent[before:] if a.conversation_id != COORDINATOR_CARYS.chat] == []
    report = await programme.sweep()
    assert (report.done, report.dead, report.retrying) == (8, 0, 0)

    answers = dict(EVERYONE)
    introduced = (
        (MENTOR_WREN, MENTEE_BRAM, "Belonging and being heard, Allyship and active bystanding"),
        (MENTOR_ZADIE, MENTEE_FENELLA, "Career progression and development, Everyday incivility and microaggressions"),
        (MENTOR_HOLLIS, MENTEE_GWEN, "Speaking up and raising concerns, Flexible working and wellbeing"),
    )
    for mentor, mentee, topics in introduced:
        for me, partner, part, booking in (
            (mentee, mentor, "mentor", "Find a time"),
            (mentor, mentee, "mentee", "Suggest a time"),
        ):
            [introduction] = cards_to(programme, me, since=before)
            assert texts_to(programme, me, since=before) == []
            blocks = [block.replace("\\", "") for block in text_blocks(introduction)]
            assert blocks[0] == f"Meet your {part}, {partner.name}"
            assert facts(introduction)["Name"] == partner.name
            assert facts(introduction)["Job title"] == answers[partner].job_title
            assert blocks[blocks.index("In their own words") + 1] == answers[partner].bio
            assert blocks[blocks.index("Topics you both chose") + 1] == topics
            # What matching used, and what was said in confidence, stays out of what they read; booking goes
            # through the bot, so not even the partner's address is on the card.
            shown = readable(introduction)
            for withheld in (answers[partner].experience_note, answers[partner].directorate, partner.email):
                assert withheld not in shown
            booking_button = button(introduction, booking)
            assert (booking_button["type"], booking_button["verb"]) == ("Action.Execute", "meeting.find")
            pair_id = booking_button["data"]["pair"]
            assert {p.id for p in await pairs(programme, cohort_id) if me.id in (p.mentor.value, p.mentee.value)} == {
                pair_id
            }

    for unmatched, role, other in ((MENTOR_OTTILIE, "mentor", "mentee"), (MENTEE_PERCY, "mentee", "mentor")):
        assert cards_to(programme, unmatched, since=before) == []
        [waiting] = texts_to(programme, unmatched, since=before)
        assert waiting.startswith(
            f"Thank you for signing up to be a {role} in {CARD_TITLE}. Pairs have now been made, and this time there "
            f"wasn't a {other} who was the right match for you"
        )
    assert await states(programme, (MENTOR_OTTILIE, MENTEE_PERCY)) == {
        MENTOR_OTTILIE.name: ApplicationState.WAITLISTED,
        MENTEE_PERCY.name: ApplicationState.WAITLISTED,
    }
    assert await states(programme, (MENTOR_WREN, MENTEE_BRAM)) == {
        MENTOR_WREN.name: ApplicationState.APPROVED,
        MENTEE_BRAM.name: ApplicationState.APPROVED,
    }

    # The confirmation clicked again: the same answer, and nobody hears anything twice.
    delivered = programme.bot.connector.delivery_counts()
    again = await press_once(programme, confirm)
    assert "3 pairs introduced" in readable(again["value"])
    assert (await programme.sweep()).claimed == 0
    assert programme.bot.connector.delivery_counts() == delivered
    assert [o for o, _ in await audit_details(programme, "match publish confirm")] == ["done", "done"]
    # Asking to publish again says it is done, rather than suggesting matching (no longer possible) again.
    already = only_card(await programme.say(COORDINATOR_CARYS, f"publish {cohort_id}"))
    assert text_blocks(already)[0] == "Already published"
    assert [a["title"] for a in card_actions(already)] == ["Back"]
