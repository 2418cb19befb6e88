"""The reference workload as a plain SimPy model: the yardstick spoolsim's speed is held to.

Model (the same queueing logic spoolsim runs for ``scenarios/reference.toml``):

- 50 printers at 30 ppm: one page every 2 s.  A job of n pages takes n * 2 s once the printer
  is ready (first page out 2 s after it starts, then one page every 2 s); the next queued job's
  pages follow straight on.
- A printer that has never printed, or has been idle (since its last page came out) for 300 s
  or more, warms up for 10 s before its next job.  The warm-up counts as service, not waiting.
- 2,000 clients, each a Poisson process with a mean of 600 s between its jobs; arrivals stop at
  ``hours`` and the run goes on until every queue has drained.
- Each job picks its printer uniformly at random; pages are geometric with mean 5 (1, 2, ...).
- FIFO per printer.

SimPy shape: one ``simpy.Store`` per printer served by one process per printer, and one process
per client (performance.md measured the Store shape as the fastest SimPy form of this model).
All draws come from one ``random.Random(seed)``; SimPy's event order is deterministic, so a seed
gives the same run every time.

The wait of a job is the time from its arrival to the start of its service (the printer taking
it off the queue).  Pollaczek-Khinchine for one printer (M/G/1, rate 1/15 per second, service
2N s): ``W = lambda * E[S^2] / (2 (1 - rho))`` = 18.0 s; warm-ups (the first job on each printer,
and the rare idle gap of 5 minutes, probability about e^-20 per idle period) add a little.

    python -m benchmarks.reference_simpy [--seed 1] [--hours 8] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import statistics
import time
from collections.abc import Generator
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    import simpy

__all__ = [
    "REFERENCE",
    "ReferenceParams",
    "Tally",
    "analytic_mean_wait",
    "build_model",
    "main",
    "run_simpy",
]


@attrs.frozen
class ReferenceParams:
    """The reference workload's parameters (defaults: the issue's figures).

    Attributes:
        printers: Number of printers.
        page_seconds: Seconds per page (30 ppm = 2 s).
        warmup: Warm-up in seconds before a job on a cold printer.
        idle_before_warmup: Idle seconds after which a printer is cold again.
        clients: Number of clients.
        mean_interval: Mean seconds between one client's jobs (Poisson).
        mean_pages: Mean of the geometric page count (support 1, 2, ...).
    """

    printers: int = 50
    page_seconds: float = 2.0
    warmup: float = 10.0
    idle_before_warmup: float = 300.0
    clients: int = 2000
    mean_interval: float = 600.0
    mean_pages: float = 5.0


REFERENCE = ReferenceParams()


def analytic_mean_wait(params: ReferenceParams = REFERENCE) -> float:
    """The Pollaczek-Khinchine mean queueing wait of one printer, warm-ups left out.

    Args:
        params: The workload.

    Returns:
        Mean wait in seconds (18.0 for the reference workload).

    Raises:
        ValueError: The printers would be overloaded (rho >= 1).
    """
    rate = params.clients / params.mean_interval / params.printers  # jobs per second per printer
    p = 1.0 / params.mean_pages  # geometric success probability
    mean_pages_sq = (1.0 - p) / p**2 + params.mean_pages**2  # E[N^2] = Var + mean^2
    service, service_sq = params.page_seconds * params.mean_pages, params.page_seconds**2
    rho = rate * service
    if rho >= 1.0:
        raise ValueError(f"utilisation {rho:.3f} >= 1: the queues never drain")
    return rate * service_sq * mean_pages_sq / (2.0 * (1.0 - rho))


@attrs.define
class Tally:
    """What a run counted: jobs submitted and completed, and every job's wait."""

    submitted: int = 0
    completed: int = 0
    warmups: int = 0
    waits: list[float] = attrs.Factory(list)


def build_model(
    seed: int = 1, hours: float = 8.0, params: ReferenceParams = REFERENCE
) -> tuple[simpy.Environment, Tally]:
    """A ready-to-run SimPy environment holding the reference workload.

    Args:
        seed: Seed of the one random stream.
        hours: Simulated hours of arrivals.
        params: The workload.

    Returns:
        ``(env, tally)``: ``env.run()`` runs until the queues drain, filling ``tally``.
    """
    import simpy  # optional: the "bench" extra

    env = simpy.Environment()
    draws = random.Random(seed)
    tally = Tally()
    end = hours * 3600.0
    stores = [simpy.Store(env) for _ in range(params.printers)]
    log_q = math.log(1.0 - 1.0 / params.mean_pages)
    rate = 1.0 / params.mean_interval

    def client() -> Generator:
        expovariate, rnd, timeout = draws.expovariate, draws.random, env.timeout
        n_printers = params.printers
        while True:
            gap = expovariate(rate)
            if env.now + gap >= end:
                return
            yield timeout(gap)
            pages = 1 + int(math.log(1.0 - rnd()) / log_q)
            stores[int(rnd() * n_printers)].put((env.now, pages))
            tally.submitted += 1

    def printer(store: simpy.Store) -> Generator:
        get, timeout, waits = store.get, env.timeout, tally.waits
        page, warmup, cold_after = params.page_seconds, params.warmup, params.idle_before_warmup
        last_out = -math.inf
        while True:
            arrived, pages = yield get()
            now = env.now
            waits.append(now - arrived)
            busy = pages * page
            if now - last_out >= cold_after:
                busy += warmup
                tally.warmups += 1
            yield timeout(busy)
            last_out = env.now
            tally.completed += 1

    for _ in range(params.clients):
        env.process(client())
    for store in stores:
        env.process(printer(store))
    return env, tally


def run_simpy(seed: int = 1, hours: float = 8.0) -> dict:
    """Run the reference workload once and time it.

    Garbage collection is collected before and disabled during ``env.run`` (performance.md).

    Args:
        seed: Seed of the random stream.
        hours: Simulated hours of arrivals (the run then drains the queues).

    Returns:
        ``{"jobs", "wall_s", "jobs_per_s", "mean_wait_s", "p95_wait_s",
        "analytic_mean_wait_s"}``; jobs are completed jobs, wall time is that of ``env.run``.

    Raises:
        RuntimeError: A job was left unprinted (a bug in the model).
    """
    env, tally = build_model(seed, hours)
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        env.run()
        wall = time.perf_counter() - start
    finally:
        gc.enable()
    if tally.completed != tally.submitted:
        raise RuntimeError(f"{tally.submitted} jobs submitted, {tally.completed} printed")
    waits = sorted(tally.waits)
    return {
        "jobs": tally.completed,
        "wall_s": wall,
        "jobs_per_s": tally.completed / wall if wall > 0 else math.inf,
        "mean_wait_s": statistics.fmean(waits) if waits else 0.0,
        "p95_wait_s": waits[max(0, math.ceil(0.95 * len(waits)) - 1)] if waits else 0.0,
        "analytic_mean_wait_s": analytic_mean_wait(),
    }


def main(argv: list[str] | None = None) -> None:
    """Print the SimPy model's rate (median of ``--repeat`` runs) and its waits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    runs = [run_simpy(args.seed, args.hours) for _ in range(args.repeat)]
    first = runs[0]
    rate = statistics.median(r["jobs_per_s"] for r in runs)
    print(
        f"SimPy reference, {args.hours:g} h, seed {args.seed}: {first['jobs']} jobs, "
        f"{rate:,.0f} jobs/s (median of {args.repeat}); mean wait {first['mean_wait_s']:.1f} s "
        f"(Pollaczek-Khinchine {first['analytic_mean_wait_s']:.1f} s), "
        f"p95 {first['p95_wait_s']:.1f} s"
    )


if __name__ == "__main__":
    main()
