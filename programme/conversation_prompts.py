"""A few conversation prompts for a pair's next meeting, sent with its reminder.

They are suggestions, not an agenda: a pair who already know what they want to talk about can ignore them. Each
session has a shape: the first is about getting to know each other, agreeing ground rules and the mentee's goals;
the middle ones about experience and what the mentee is starting to notice; the last about what has changed and
what happens next. The words speak to each person in their own part: the mentor chooses how much of their lived
experience to share, and the mentee's part is to listen and to act on what they learn.
"""

from __future__ import annotations

from programme.tracks import Track


def conversation_prompts(session: int, sessions: int, track: Track, *, mentor: bool) -> tuple[str, ...]:
    """Three or four prompts for ``session`` of ``sessions``, for the mentor or the mentee."""
    race = track is Track.RACE_EQUALITY
    if session <= 1:
        return _first(race, mentor=mentor)
    if session >= sessions:
        return _last(race, mentor=mentor)
    return _middle(race, mentor=mentor)


def _first(race: bool, *, mentor: bool) -> tuple[str, ...]:
    ground_rules = (
        "Agree your ground rules together: what you say stays between the two of you, with keeping people safe as "
        "the one exception; how you'll say if something is hard to talk about; and how often you'd like to meet."
    )
    agreement = (
        "Write your ground rules and goals in your agreement (type 'agreement'), so you can both confirm them and "
        "look back at them in your last conversation."
    )
    if mentor:
        sharing = (
            "You decide how much of your own experience to share, and when. It's fine to start small and to say "
            "'I'd rather not go into that'."
            if race
            else "You decide how much of your own experience to share, and when. It's fine to start small."
        )
        return (
            ground_rules,
            "Ask your mentee what made them want to take part, and which one to three things they most want to learn.",
            sharing,
            agreement,
        )
    goals = (
        "Bring one to three things you'd like to learn. For example: how race shapes everyday working life for "
        "colleagues from ethnic minority backgrounds in your area, or what gets in the way of them progressing."
        if race
        else "Bring one to three things you'd like to learn about your mentor's experience of working here, and "
        "what gets in the way for colleagues who share it."
    )
    return (
        ground_rules,
        goals,
        "Your mentor is sharing their own experience, which takes trust. Listening without rushing to explain or "
        "fix is a good place to start.",
        agreement,
    )


def _middle(race: bool, *, mentor: bool) -> tuple[str, ...]:
    since = "Start with what's stayed with each of you since you last met, and anything either of you tried."
    small_step = "Before you finish, agree one small thing the mentee will try before your next conversation."
    if mentor:
        return (
            since,
            "If a moment from your own working life comes to mind (a meeting, a decision, a comment in passing), "
            "share as much or as little of it as feels right. You don't have to explain or defend it.",
            "It's fine to tell your mentee when something they say lands differently from how they meant it."
            if race
            else "It's fine to tell your mentee when something lands differently from how they meant it.",
            small_step,
        )
    return (
        since,
        "Ask about a moment at work that felt different for your mentor than it might have for you, and listen for "
        "what you can't see from where you sit."
        if race
        else "Ask about a moment at work that felt different for your mentor than it might have for you.",
        "Look at your goals: is one of them moving? Which decisions you make or influence could you look at afresh?",
        small_step,
    )


def _last(race: bool, *, mentor: bool) -> tuple[str, ...]:
    looking_back = "Look back at the goals in your agreement: what's changed in what the mentee notices, says or does?"
    keep_in_touch = "Decide whether you'd like to keep in touch after the programme, and how."
    if mentor:
        return (
            looking_back,
            "Say what these conversations have been like for you, including anything that was hard.",
            "Is there something you'd like your mentee to carry on doing or to take to their team or board?",
            keep_in_touch,
        )
    return (
        looking_back,
        "What will you do next with what you've learned, in your team or at board level? Name one thing, and when."
        if race
        else "What will you do next with what you've learned? Name one thing, and when.",
        "Thank your mentor for what they shared, and tell them one thing that will stay with you.",
        keep_in_touch,
    )
