"""Benchmarks: speed and memory, measured as ratios against a baseline that runs side by side.

The project never times anything in tests (a shared CI machine makes absolute timings flaky); instead every module
named ``bench_*.py`` in this package exposes ``async def run() -> list[Figure]`` and ``python -m bench`` (``make
bench``) runs them all, prints each figure beside its target and exits non-zero when a target is missed.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from enum import Enum
from typing import Any


class Better(Enum):
    """Which way a figure should go; a target's limit is a ceiling for LOWER and a floor for HIGHER."""

    LOWER = "<="
    HIGHER = ">="


@dataclass(frozen=True)
class Target:
    limit: float
    better: Better = Better.LOWER

    def met_by(self, value: float) -> bool:
        return value <= self.limit if self.better is Better.LOWER else value >= self.limit

    def __str__(self) -> str:
        return f"{self.better.value} {self.limit:g}"


@dataclass(frozen=True)
class Figure:
    """One number a benchmark reports. Figures without a target are context for the ones with a target."""

    name: str
    value: float
    unit: str
    target: Target | None = None
    note: str = ""

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.target.met_by(self.value)


# What the runner calls in each bench_*.py module.
BenchmarkRun = Callable[[], Coroutine[Any, Any, list[Figure]]]

__all__ = ["BenchmarkRun", "Better", "Figure", "Target"]
