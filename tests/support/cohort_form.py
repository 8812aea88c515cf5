"""A new-cohort form as Teams submits it, shared by the form's own tests, the card samples and the HTTP and
Playground drivers (each changing only what it is about, such as the name or the dates)."""

from __future__ import annotations

# Every input as a string, an unchosen one empty; the plan it reads as is in tests/cards/test_cohort_form.py.
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
}
TRAINING_INPUTS = ("training_1", "training_2", "training_3")
# Every input but the training dates must be answered.
REQUIRED_INPUTS = tuple(name for name in COHORT_FORM if name not in TRAINING_INPUTS)
# Problems are keyed by the plan's fields: the three training inputs share one.
PROBLEM_FIELDS = (*REQUIRED_INPUTS, "training_dates")
