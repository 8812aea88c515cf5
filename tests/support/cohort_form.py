"""A new-cohort form as Teams submits it, shared by the form's own tests, the card samples and the HTTP and
Playground drivers (each changing only what it is about, such as the name or the dates)."""

from __future__ import annotations

# Every input as a string, an unchosen one empty, the toggle as its valueOn; the plan it reads as is in
# tests/cards/test_cohort_form.py. The matching settings are left at their defaults, so the drivers that go on to
# match people get the usual rules.
COHORT_FORM: dict[str, str] = {
    "name": "Race equality 2026, board",
    "track": "race-equality",
    "mentee_level": "board",
    "signup_closes": "2026-02-01",
    "starts_on": "2026-03-01",
    "ends_on": "2026-09-01",
    "sessions": "8",
    "cadence": "fortnightly",
    "session_minutes": "45",
    "mentor_capacity": "2",
    "training_1": "2026-02-10",
    "training_2": "",
    "training_3": "2026-02-20",
    "separate_directorates": "true",
    "weight_topics": "3",
    "weight_availability": "2",
    "weight_place": "1",
}
TRAINING_INPUTS = ("training_1", "training_2", "training_3")
# How pairs are matched: each has a default, so an older card without these inputs still creates a cohort.
MATCHING_INPUTS = ("separate_directorates", "weight_topics", "weight_availability", "weight_place")
WEIGHT_INPUTS = MATCHING_INPUTS[1:]
# Every other input must be answered.
REQUIRED_INPUTS = tuple(name for name in COHORT_FORM if name not in TRAINING_INPUTS + MATCHING_INPUTS)
# Problems are keyed by the plan's fields, or by the input for a matching setting: the three training inputs
# share one.
PROBLEM_FIELDS = (*REQUIRED_INPUTS, "training_dates", *MATCHING_INPUTS)
