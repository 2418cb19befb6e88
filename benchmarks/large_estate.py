"""``scenarios/large-estate.toml`` end to end: wall time, speed-up, jobs and events per second.

Run in its own process (``python -m benchmarks`` does) so that the peak RSS it reports is the
scenario's own: 1,000 printers, 20,000 clients, 8 simulated hours.

    python -m benchmarks.large_estate [--hours 8] [--json]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import resource

from benchmarks.reference import timed_run

SCENARIO = pathlib.Path(__file__).resolve().parent.parent / "scenarios" / "large-estate.toml"


def peak_rss_mib() -> float:
    """This process's peak resident memory since it started its program, in MiB.

    Linux's VmHWM belongs to the program's own address space. getrusage's ru_maxrss does not
    restart at exec: a child forked from a large benchmark process reports the parent's peak.
    """
    try:
        for line in pathlib.Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_large_estate(hours: float | None = None) -> dict[str, float]:
    """Run the large estate (``hours`` of arrivals instead of the file's, if given)."""
    result, wall = timed_run(SCENARIO, hours)
    report = result.report
    return {
        "wall_s": wall,
        "simulated_s": report.span,
        "speedup": report.span / wall,
        "jobs": report.completed,
        "jobs_per_s": report.completed / wall,
        "events": report.events,
        "events_per_s": report.events / wall,
        "lost": report.lost,
        "pending": report.pending,
        "peak_rss_mib": peak_rss_mib(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, help="hours of arrivals (default: the file's 8)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args(argv)
    figures = run_large_estate(args.hours)
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>14}: {value:,.1f}")


if __name__ == "__main__":
    main()
