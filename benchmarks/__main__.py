"""The benchmark harness that ``make bench`` runs: every benchmark in one process run.

    python -m benchmarks [--quick] [--only NAME ...] [--repeat N] [--results-dir DIR]

Benchmarks, in order (``--only`` picks some by these names):

reference
    The reference workload through the plain SimPy model (``benchmarks.reference_simpy``) and
    through spoolsim on the direct and the wire path (``benchmarks.reference``), interleaved
    run by run; jobs per wall second for each and spoolsim's ratios to SimPy against the
    targets (direct >= 0.5x, wire >= 0.25x).
large-estate
    ``scenarios/large-estate.toml`` in a child process (``python -m benchmarks.large_estate
    --json``), so that its peak RSS is its own; targets: under 60 s wall, under 2 GiB.
codecs
    PJL and LPR codec throughput in MB/s (``benchmarks.codecs``).
runtime
    The living spooler's jobs per wall second on a small estate (``benchmarks.runtime``).
device-server
    A virtual printer's AppSocket and LPD servers over loopback TCP (``benchmarks.device_server``).
notify
    Change notifications under load: model changes per wall second with no subscribers, with
    long-polling subscribers, and with idle ones too (``benchmarks.notify``).
rpc
    The DCE/RPC front end over loopback TCP: EnumPrinters level 2 calls per second and
    WritePrinter MB/s in 1 MiB calls (``benchmarks.rpc``).

Each prints a table; all figures go to ``benchmarks/results/<UTC time>.json`` and
``latest.json`` there.  A benchmark whose code is not there yet is reported as unavailable; one
that fails prints its traceback, the others still run, and the exit status is 1.  No target
decides the exit status: these are measurements, not tests.  ``--quick`` shrinks every workload
for a smoke run (its figures are not comparable with a full run's).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NAMES = ("reference", "large-estate", "codecs", "runtime", "device-server", "notify", "rpc")
TARGETS = {"direct": 0.5, "wire": 0.25}  # spoolsim jobs/s as a fraction of SimPy's
LARGE_WALL_S, LARGE_RSS_MIB = 60.0, 2048.0


class Unavailable(Exception):
    """A benchmark's code (or an optional dependency) is not installed or not written yet."""


# -- output ---------------------------------------------------------------------------------
def _table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Print ``rows`` under ``header``: text left-aligned, numbers right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    numeric = [all(isinstance(row[i], int | float) for row in rows) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        columns = zip(values, widths, numeric, strict=True)
        parts = (v.rjust(w) if num else v.ljust(w) for v, w, num in columns)
        return "  " + "  ".join(parts).rstrip()

    print(f"\n{title}")
    print(line(header))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def _median(runs: list[dict]) -> dict:
    """One run's figures with every float replaced by the median over ``runs``."""
    out = dict(runs[0])
    for key, value in out.items():
        if isinstance(value, float):
            out[key] = statistics.median(run[key] for run in runs)
    out["runs"] = len(runs)
    return out


# -- reference workload ---------------------------------------------------------------------
def _reference_runner() -> Callable[..., dict]:
    try:  # the lead's spoolsim side, imported only when asked for
        reference = importlib.import_module("benchmarks.reference")
    except ModuleNotFoundError as exc:
        if exc.name != "benchmarks.reference":
            raise
        raise Unavailable("spoolsim runner not available") from None
    return reference.run_spoolsim


def bench_reference(quick: bool, repeat: int) -> dict:
    """SimPy against spoolsim direct and wire on the reference workload, run by run."""
    try:
        from benchmarks.reference_simpy import run_simpy
    except ModuleNotFoundError as exc:
        if exc.name != "simpy":
            raise
        raise Unavailable("simpy is not installed: pip install -e '.[bench]'") from None
    hours = 1.0 if quick else 8.0
    spoolsim = "ok"
    try:
        run_spoolsim: Callable[..., dict] | None = _reference_runner()
    except Unavailable as exc:
        print(f"\nreference: {exc}")
        run_spoolsim, spoolsim = None, str(exc)
    except Exception as exc:  # a broken runner: still measure SimPy, then report the failure
        print("\nreference: the spoolsim runner failed to import", flush=True)
        traceback.print_exc()
        run_spoolsim, spoolsim = None, f"error: {type(exc).__name__}: {exc}"
    runs: dict[str, list[dict]] = {"simpy": []}
    broken: dict[str, str] = {}
    for _ in range(repeat):
        runs["simpy"].append(run_simpy(seed=1, hours=hours))
        for transport in TARGETS if run_spoolsim is not None else ():
            if transport in broken:
                continue
            try:
                result = run_spoolsim(transport, seed=1, hours=hours)
            except Exception as exc:
                print(f"\nreference: spoolsim {transport} path failed", flush=True)
                traceback.print_exc()
                broken[transport] = f"{type(exc).__name__}: {exc}"
                runs.pop(transport, None)
                continue
            runs.setdefault(transport, []).append(result)
    if broken:
        spoolsim = "error: " + "; ".join(f"{t}: {e}" for t, e in broken.items())
    figures = {name: _median(rs) for name, rs in runs.items()}
    simpy_rate = figures["simpy"]["jobs_per_s"]
    rows = [_reference_row("SimPy, Store per printer", figures["simpy"], None)]
    for transport, target in TARGETS.items():
        if transport not in figures:
            continue
        result = figures[transport]
        result["ratio"] = result["jobs_per_s"] / simpy_rate
        result["target"] = target
        result["target_met"] = result["ratio"] >= target
        rows.append(_reference_row(f"spoolsim, {transport} path", result, target))
    analytic = figures["simpy"]["analytic_mean_wait_s"]
    _table(
        f"reference workload: {hours:g} simulated h of arrivals, seed 1, median of {repeat}; "
        f"analytic mean wait {analytic:.1f} s",
        (
            "implementation",
            "jobs",
            "wall s",
            "jobs/s",
            "mean wait s",
            "p95 wait s",
            "x SimPy",
            "target",
        ),
        rows,
    )
    return {
        "hours": hours,
        "seed": 1,
        "repeat": repeat,
        "spoolsim": spoolsim,
        **figures,
        **({"status": "error", "error": spoolsim[7:]} if spoolsim.startswith("error: ") else {}),
    }


def _reference_row(label: str, result: dict, target: float | None) -> list[object]:
    ratio = result.get("ratio")
    verdict = None
    if target is not None:
        verdict = f">= {target:g}x {'met' if result['target_met'] else 'NOT MET'}"
    return [
        label,
        result["jobs"],
        result["wall_s"],
        result["jobs_per_s"],
        result["mean_wait_s"],
        result["p95_wait_s"],
        f"{ratio:.3f}x" if ratio is not None else "1.00x",
        verdict,
    ]


# -- large estate ---------------------------------------------------------------------------
def bench_large_estate(quick: bool, repeat: int) -> dict:
    """``python -m benchmarks.large_estate --json`` in a child; its peak RSS from getrusage."""
    if not (HERE / "large_estate.py").exists():
        raise Unavailable("large-estate runner not available")
    command = [sys.executable, "-m", "benchmarks.large_estate", "--json"]
    if quick:
        command += ["--hours", "1"]
    child = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=1800, check=False
    )
    if child.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[1:])} exited {child.returncode}:\n{child.stderr.strip()}"
        )
    result = _last_json(child.stdout)
    # The child measures its own peak (VmHWM): getrusage's figure for children would carry this
    # process's own peak, which a forked child inherits across exec.
    peak = result["peak_rss_mib"]
    result["targets"] = {"wall_s": LARGE_WALL_S, "peak_rss_mib": LARGE_RSS_MIB}
    result["wall_target_met"] = result["wall_s"] < LARGE_WALL_S
    result["rss_target_met"] = peak < LARGE_RSS_MIB

    def verdict(ok: bool, bound: float) -> str:
        return f"< {bound:g} {'met' if ok else 'NOT MET'}"

    _table(
        "large estate" + (" (quick: 1 simulated hour)" if quick else ""),
        ("figure", "value", "target"),
        [
            ("wall s", result["wall_s"], verdict(result["wall_target_met"], LARGE_WALL_S)),
            ("simulated s", result.get("simulated_s"), None),
            ("speed-up", result.get("speedup"), None),
            ("jobs", result.get("jobs"), None),
            ("jobs/s", result.get("jobs_per_s"), None),
            ("events", result.get("events"), None),
            ("events/s", result.get("events_per_s"), None),
            ("peak RSS MiB", peak, verdict(result["rss_target_met"], LARGE_RSS_MIB)),
        ],
    )
    return result


def _last_json(text: str) -> dict:
    """The JSON object a child printed: all of stdout, or else its last line that parses."""
    with contextlib.suppress(ValueError):
        return json.loads(text)
    for line in reversed(text.splitlines()):
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, dict):
                return value
    raise RuntimeError(f"no JSON object in the child's output: {text[-500:]!r}")


# -- codecs, runtime, device server ---------------------------------------------------------
def bench_codecs(quick: bool, repeat: int) -> dict:
    """PJL and LPR throughput, each row the median of ``repeat`` runs."""
    from benchmarks.codecs import run_codecs

    mb = 4 if quick else 64
    runs = [run_codecs(mb) for _ in range(repeat)]
    rows = [dict(row) for row in runs[0]]
    for i, row in enumerate(rows):
        row["mb_per_s"] = statistics.median(run[i]["mb_per_s"] for run in runs)
    _table(
        f"codecs: {mb} MB per job stream, median of {repeat}",
        ("codec", "direction", "MB/s", "MB"),
        [(r["codec"], r["direction"], r["mb_per_s"], r["bytes"] / 1e6) for r in rows],
    )
    return {"mb": mb, "repeat": repeat, "rows": rows}


def bench_runtime(quick: bool, repeat: int) -> dict:
    """``benchmarks.runtime``'s three variants: jobs per wall second, median of ``repeat``."""
    from benchmarks import runtime

    printers, jobs = 20, 300 if quick else 2000
    rows = []
    for label, transport, barrier in runtime.VARIANTS:
        rates = []
        for _ in range(repeat):
            done, _span, wall = runtime.measure(transport, barrier, printers, jobs)
            if done != jobs:
                raise RuntimeError(f"runtime {label}: {done} of {jobs} jobs printed")
            rates.append(done / wall)
        rows.append({"variant": label, "jobs_per_s": statistics.median(rates)})
    _table(
        f"runtime: {printers} printers, {jobs} jobs, median of {repeat}",
        ("variant", "jobs/s"),
        [(r["variant"], r["jobs_per_s"]) for r in rows],
    )
    return {"printers": printers, "jobs": jobs, "repeat": repeat, "rows": rows}


def bench_device_server(quick: bool, repeat: int) -> dict:
    """``benchmarks.device_server``: one connection per job, by protocol."""
    import trio

    from benchmarks import device_server

    jobs = 200 if quick else 2000
    rates = trio.run(device_server.main, jobs)
    rows = [{"protocol": k, "jobs": jobs, "jobs_per_s": v} for k, v in rates.items()]
    _table(
        f"device server over loopback TCP: {jobs} jobs, one connection each",
        ("protocol", "jobs", "jobs/s"),
        [(r["protocol"], r["jobs"], r["jobs_per_s"]) for r in rows],
    )
    return {"jobs": jobs, "rows": rows}


def bench_notify(quick: bool, repeat: int) -> dict:
    """``benchmarks.notify``: model changes per wall second, median of ``repeat``."""
    from benchmarks.notify import run_notify

    seconds = 1.0 if quick else 5.0
    runs = [run_notify(2000, seconds, 40, 20) for _ in range(repeat)]
    rows = [dict(row) for row in runs[0]]
    for i, row in enumerate(rows):
        row["changes_per_s"] = statistics.median(run[i]["changes_per_s"] for run in runs)
    _table(
        f"notifications: 2,000 changes per simulated second for {seconds:g} s, median of {repeat}",
        ("variant", "changes/s", "replies", "values", "discards", "max backlog"),
        [
            (
                r["variant"],
                r["changes_per_s"],
                r["replies"],
                r["values"],
                r["discards"],
                r["largest_backlog"],
            )
            for r in rows
        ],
    )
    return {"seconds": seconds, "repeat": repeat, "rows": rows}


def bench_rpc(quick: bool, repeat: int) -> dict:
    """``benchmarks.rpc``: one connection, one call at a time, median of ``repeat``."""
    import trio

    from benchmarks import rpc

    calls, megabytes = (200, 8) if quick else (2000, 64)
    runs = [trio.run(rpc.main, calls, megabytes) for _ in range(repeat)]
    row = {k: statistics.median(run[k] for run in runs) for k in runs[0]}
    _table(
        f"DCE/RPC over loopback TCP: {calls} EnumPrinters, {megabytes} MiB written",
        ("EnumPrinters L2/s", "WritePrinter MB/s"),
        [(row["enum_printers_per_s"], row["write_mb_per_s"])],
    )
    return {"calls": calls, "megabytes": megabytes, "repeat": repeat, "rows": [row]}


BENCHMARKS: dict[str, Callable[[bool, int], dict]] = {
    "reference": bench_reference,
    "large-estate": bench_large_estate,
    "codecs": bench_codecs,
    "runtime": bench_runtime,
    "device-server": bench_device_server,
    "notify": bench_notify,
    "rpc": bench_rpc,
}


# -- the run --------------------------------------------------------------------------------
def _git_commit() -> str | None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
        if done.returncode == 0:
            return done.stdout.strip()
    return None


def write_results(results: dict, directory: Path) -> Path:
    """Write ``results`` as ``<UTC time>.json`` and ``latest.json`` in ``directory``.

    Args:
        results: The run's figures (JSON-serialisable).
        directory: Where to write; created if missing.

    Returns:
        The timestamped file's path.
    """
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(results, indent=2, sort_keys=False) + "\n"
    path = directory / f"{results['started'].replace(':', '').replace('-', '')}.json"
    path.write_text(text)
    (directory / "latest.json").write_text(text)
    return path


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks, print their tables and write the JSON.

    Args:
        argv: Command-line arguments (default ``sys.argv[1:]``).

    Returns:
        0, or 1 when any benchmark failed.
    """
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="small workloads: a smoke run")
    parser.add_argument(
        "--only", nargs="+", action="extend", choices=NAMES, metavar="NAME",
        help=f"run only these ({', '.join(NAMES)})",
    )  # fmt: skip
    parser.add_argument(
        "--repeat", type=int, default=None, help="runs per figure (default 3, 1 with --quick)"
    )
    parser.add_argument(
        "--results-dir", type=Path, default=HERE / "results", help="where the JSON goes"
    )
    args = parser.parse_args(argv)
    repeat = args.repeat or (1 if args.quick else 3)
    chosen = [name for name in NAMES if not args.only or name in args.only]
    started = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    results: dict = {
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "quick": args.quick,
        "repeat": repeat,
        "commit": _git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "benchmarks": {},
    }
    failed = False
    for name in chosen:
        start = time.perf_counter()
        try:
            entry = {"status": "ok", **BENCHMARKS[name](args.quick, repeat)}
            failed |= entry["status"] == "error"
        except Unavailable as exc:
            print(f"\n{name}: {exc}")
            entry = {"status": "unavailable", "reason": str(exc)}
        except Exception as exc:
            print(f"\n{name}: FAILED", flush=True)
            traceback.print_exc()
            entry = {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
            failed = True
        entry["harness_s"] = time.perf_counter() - start
        results["benchmarks"][name] = entry
    path = write_results(results, args.results_dir)
    print(f"\nresults: {path} (and latest.json)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
