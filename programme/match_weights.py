"""How much each kind of fit counts when pairs are scored; set per cohort."""

from __future__ import annotations

from dataclasses import dataclass

from programme.errors import InvalidFields

MAX_WEIGHT = 10


@dataclass(frozen=True)
class MatchWeights:
    topics: int = 3
    availability: int = 2
    place: int = 1

    def checked(self) -> MatchWeights:
        problems = {
            name: f"The weight for {label} should be a whole number from 0 to {MAX_WEIGHT}."
            for name, label, value in (
                ("weight_topics", "shared topics", self.topics),
                ("weight_availability", "shared free time", self.availability),
                ("weight_place", "where to meet", self.place),
            )
            if not 0 <= value <= MAX_WEIGHT
        }
        if not problems and self.topics + self.availability + self.place == 0:
            problems["weight_topics"] = "At least one weight must be above 0, or every pair would score the same."
        if problems:
            raise InvalidFields(problems)
        return self
