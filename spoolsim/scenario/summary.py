"""The run summary as text (what ``spoolsim run`` prints), and the optional plot."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

from spoolsim.scenario.browsereport import summary as browse_summary
from spoolsim.scenario.pointprint import summary as pnp_summary
from spoolsim.scenario.report import Report, Spread
from spoolsim.scenario.webprint import summary as web_summary


def _span(seconds: float) -> str:
    h, rem = divmod(round(seconds), 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m{s:02d}s"


def _spread(s: Spread) -> str:
    return f"{s.p50:7.1f} {s.p95:7.1f} {s.p99:7.1f} {s.max:7.1f}"


def summary_lines(report: Report, *, max_printers: int = 40) -> Iterator[str]:
    """The summary, line by line. Estates with more than ``max_printers`` printers list the
    busiest and the slowest (by p95 wait) only; ``--json`` has them all."""
    yield f"scenario {report.scenario}  seed {report.seed}  transport {report.transport}"
    yield (
        f"simulated {_span(report.span)} in {report.wall:.2f} s wall"
        f"  speed-up {report.speedup:,.0f}x  {report.events:,} events"
        f" ({report.events_per_second:,.0f}/s)"
    )
    yield (
        f"jobs: {report.submitted:,} submitted, {report.completed:,} completed,"
        f" {report.failed:,} failed, {report.rejected:,} rejected, {report.pending:,} pending,"
        f" {report.lost:,} lost;  {report.pages:,} pages"
    )
    yield from _recovery(report)
    yield f"wait       p50/p95/p99/max (s) {_spread(report.wait)}"
    yield f"turnaround p50/p95/p99/max (s) {_spread(report.turnaround)}"
    rows = list(report.printers)
    if len(rows) > max_printers:
        half = max_printers // 2
        busiest = sorted(rows, key=lambda r: -r.utilisation)[:half]
        slowest = sorted(rows, key=lambda r: -r.wait.p95)[:half]
        keep = {id(r) for r in busiest + slowest}
        yield f"printers: {len(rows)} (showing the {half} busiest and the {half} slowest)"
        rows = [r for r in rows if id(r) in keep]
    yield (
        f"  {'printer':<24} {'util':>5} {'jobs/h':>7} {'pages/h':>8}"
        f"  {'wait p50':>8} {'p95':>7} {'p99':>7} {'max':>7}"
        f"  {'turn p50':>8} {'p95':>7} {'p99':>7} {'max':>7}"
    )
    for r in rows:
        yield (
            f"  {r.name[:24]:<24} {r.utilisation:5.0%} {r.jobs_per_hour:7.1f}"
            f" {r.pages_per_hour:8.1f}  {r.wait.p50:8.1f} {r.wait.p95:7.1f} {r.wait.p99:7.1f}"
            f" {r.wait.max:7.1f}  {r.turnaround.p50:8.1f} {r.turnaround.p95:7.1f}"
            f" {r.turnaround.p99:7.1f} {r.turnaround.max:7.1f}"
        )
    faults = sorted(report.device_faults.items(), key=lambda item: (-item[1], item[0]))
    shown = ", ".join(f"{d} {n}" for d, n in faults[:10])
    more = f", ... {len(faults) - 10} more devices" if len(faults) > 10 else ""
    total = sum(n for _, n in faults)
    yield f"device faults: {total}" + (f"  ({shown}{more})" if faults else "")
    if report.browse is not None:
        yield from browse_summary(report.browse)
    if report.pnp is not None:
        yield from pnp_summary(report.pnp)
    if report.web is not None:
        yield from web_summary(report.web)
    if report.outcomes:
        yield "expectations:"
        for o in report.outcomes:
            if o.value is None:
                value = "n/a"
            elif float(o.value).is_integer():
                value = f"{int(o.value):,}"
            else:
                value = f"{o.value:,.2f}"
            yield f"  {'PASS' if o.passed else 'FAIL'}  {o.text}  (measured {value})"


def _plural(n: int, word: str, many: str) -> str:
    return f"{n:,} {word if n == 1 else many}"


def _recovery(report: Report) -> Iterator[str]:
    """The spooler stops and restarts, when there were any: totals, then each server."""
    if not report.recovery:
        return
    yield (
        f"spooler restarts: {report.recovered:,} jobs recovered, {report.restarted:,} restarted"
        f" from page one, {report.lost_at_restart:,} lost"
    )
    for r in report.recovery:
        yield (
            f"  {r.server:<24} {_plural(r.crashes, 'crash', 'crashes'):>11}"
            f" {_plural(r.stops, 'clean stop', 'clean stops'):>14}:  {r.recovered:,} recovered,"
            f" {r.restarted:,} restarted, {r.lost:,} lost"
        )


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def plot(report: Report, path: pathlib.Path) -> None:
    """Queue depth and throughput over simulated time, as PNG or SVG (by ``path``'s suffix).

    Raises:
        PlotUnavailable: without matplotlib (``pip install 'spoolsim[plot]'``).
        ValueError: for a suffix other than .png or .svg.
    """
    if path.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"--plot {path}: the file must end in .png or .svg")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise PlotUnavailable(
            "--plot needs matplotlib: pip install 'spoolsim[plot]' (or pip install matplotlib)"
        ) from err
    t = [x / 3600 for x in report.series["time"]]
    queued = report.series["queued"]
    done = report.series["completed"]
    rate = [0.0] + [
        (done[i] - done[i - 1]) / max(t[i] - t[i - 1], 1e-9) for i in range(1, len(done))
    ]
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(9, 5.5))
    top.plot(t, queued, color="tab:orange")
    top.set_ylabel("jobs queued")
    top.set_title(f"{report.scenario} (seed {report.seed})")
    bottom.plot(t, rate, color="tab:blue")
    bottom.set_ylabel("jobs completed / hour")
    bottom.set_xlabel("simulated hours")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
