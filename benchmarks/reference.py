"""The reference workload through spoolsim: ``scenarios/reference.toml`` on either path.

The same workload as ``benchmarks/reference_simpy.py`` (50 printers at 30 ppm, 10 s warm-up after
5 idle minutes, 2,000 clients at one job per 600 s each, pages geometric with mean 5), but through
the whole model: every job is printed through the MS-PAR method surface, scheduled by the living
spooler and printed by a virtual print engine (direct path) or sent as PJL bytes to it (wire).

    python -m benchmarks.reference [--transport direct] [--hours 8] [--seed 1]
"""

from __future__ import annotations

import argparse
import gc
import json
import pathlib
import time
from functools import partial
from typing import Any

import attrs
import trio
import trio.testing

from spoolsim.scenario import load_scenario, run_scenario

SCENARIO = pathlib.Path(__file__).resolve().parent.parent / "scenarios" / "reference.toml"


def timed_run(path: pathlib.Path, hours: float | None = None, **options: Any) -> tuple[Any, float]:
    """Run the scenario at ``path`` (``hours`` of arrivals instead of the file's, if given) in a
    virtual-time Trio run of its own, automatic GC off as ``spoolsim run`` has it.

    Returns:
        The ``RunResult`` and the wall seconds the run took.
    """
    scenario = load_scenario(path)
    if hours is not None:
        sim = attrs.evolve(scenario.simulation, duration=hours * 3600.0)
        scenario = attrs.evolve(scenario, simulation=sim)
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        result = trio.run(
            partial(run_scenario, scenario, **options),
            clock=trio.testing.MockClock(autojump_threshold=0),
        )
        return result, time.perf_counter() - start
    finally:
        gc.enable()


def run_spoolsim(transport: str, seed: int = 1, hours: float = 8.0) -> dict[str, float]:
    """Run the reference scenario for ``hours`` of arrivals; jobs per wall second and waits."""
    result, wall = timed_run(SCENARIO, hours, seed=seed, transport=transport)
    report = result.report
    return {
        "jobs": report.completed,
        "wall_s": wall,
        "jobs_per_s": report.completed / wall,
        "mean_wait_s": report.wait.mean,
        "p95_wait_s": report.wait.p95,
        "events": report.events,
        "lost": report.lost,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transport", choices=("direct", "wire"), default="direct")
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(json.dumps(run_spoolsim(args.transport, args.seed, args.hours), indent=2))


if __name__ == "__main__":
    main()
