"""``python -m bench [name ...]``: run every benchmark in bench/ (or the named ones) and judge each figure.

Exit status: 0 when every target is met, 1 when any target is missed, 2 when a benchmark could not run (no
figures means nothing was judged, which must not pass silently).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import os
import pkgutil
import platform
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import bench
from bench import BenchmarkRun, Figure

PREFIX = "bench_"
EXIT_OK, EXIT_MISSED, EXIT_BROKEN = 0, 1, 2


@dataclass(frozen=True)
class Outcome:
    benchmark: str
    figures: list[Figure]
    error: str | None = None
    seconds: float = 0.0


def discover() -> list[str]:
    """Every ``bench_*`` module in the package, so a new benchmark needs no registration anywhere."""
    return sorted(
        info.name.removeprefix(PREFIX)
        for info in pkgutil.iter_modules(bench.__path__)
        if info.name.startswith(PREFIX) and not info.ispkg
    )


def load(name: str) -> BenchmarkRun:
    module = importlib.import_module(f"bench.{PREFIX}{name}")
    run = getattr(module, "run", None)
    if not inspect.iscoroutinefunction(run):
        raise TypeError(f"bench/{PREFIX}{name}.py must define `async def run() -> list[Figure]`")
    return cast(BenchmarkRun, run)


def run_one(name: str) -> Outcome:
    started = time.perf_counter()
    try:
        # A fresh event loop per benchmark, so one benchmark's leftovers cannot slow the next one down.
        # Typed as object: run() is only declared to return figures, and an empty or wrong answer must not pass.
        result: object = asyncio.run(load(name)())
    except Exception:
        return Outcome(name, [], error=traceback.format_exc(), seconds=time.perf_counter() - started)
    elapsed = time.perf_counter() - started
    if not isinstance(result, list) or not result or not all(isinstance(f, Figure) for f in result):
        return Outcome(name, [], error="run() returned no figures (expected a non-empty list[Figure])", seconds=elapsed)
    return Outcome(name, [f for f in result if isinstance(f, Figure)], seconds=elapsed)


def render(outcomes: Sequence[Outcome]) -> str:
    header = ("benchmark", "figure", "value", "unit", "target", "result")
    rows: list[tuple[str, ...]] = []
    for outcome in outcomes:
        if outcome.error is not None:
            rows.append((outcome.benchmark, "(did not run)", "-", "-", "-", "ERROR"))
            continue
        for figure in outcome.figures:
            verdict = {None: "-", True: "pass", False: "FAIL"}[figure.passed]
            rows.append(
                (
                    outcome.benchmark,
                    figure.name,
                    _number(figure.value),
                    figure.unit,
                    str(figure.target) if figure.target else "-",
                    verdict,
                )
            )
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = {2}

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)])


def _number(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 1000 else f"{value:.0f}"


def machine() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, {cores} cores"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {', '.join(discover())})")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    available = discover()
    if args.list:
        print("\n".join(available))
        return EXIT_OK
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"no such benchmark: {', '.join(unknown)} (have: {', '.join(available)})")
    chosen = args.names or available
    if not chosen:
        print("no benchmarks found in bench/", file=sys.stderr)
        return EXIT_BROKEN

    print(f"{machine()}; running {', '.join(chosen)}", flush=True)
    outcomes: list[Outcome] = []
    for name in chosen:
        outcome = run_one(name)
        outcomes.append(outcome)
        if outcome.error is not None:
            print(f"\n{name} did not run:\n{outcome.error}", file=sys.stderr)
        else:
            print(f"{name}: done in {outcome.seconds:.0f} s", flush=True)

    print()
    print(render(outcomes))
    notes = [f"  {f.name}: {f.note}" for o in outcomes for f in o.figures if f.note]
    if notes:
        print("\nnotes:")
        print("\n".join(notes))

    if any(o.error is not None for o in outcomes):
        return EXIT_BROKEN
    missed = [f"{o.benchmark}: {f.name}" for o in outcomes for f in o.figures if f.passed is False]
    if missed:
        print(f"\nMISSED {len(missed)} target(s): {'; '.join(missed)}")
        return EXIT_MISSED
    print("\nall targets met")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
