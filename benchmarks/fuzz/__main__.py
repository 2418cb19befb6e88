"""The fuzz campaign that ``make fuzz`` runs: hostile input against every codec and front end.

    python -m benchmarks.fuzz [--inputs N] [--only NAME ...] [--seed S] [--workers W]

Front ends, in order (``--only`` picks some by these names):

pjl       the PJL codec, and each virtual device's AppSocket server (RAW 9100)
lpd       the LPR codec, and each virtual device's LPD server
ipp       the IPP codec, and the IPP endpoint of the web site
http      the web site's pages, forms and /metrics (no codec of the project's: h11 parses HTTP)
dcerpc    the DCE/RPC, NDR, NTLM and endpoint mapper codecs, and the DCE/RPC front end
scenario  the scenario loader (in process only: a scenario is a file, not a network input)

Each front end gets ``N`` generated inputs (default 100,000) through its codec in process, and
``N`` more over real sockets to one ``spoolsim serve --rpc --epm --expose-devices`` process
(``benchmarks.fuzz.target``), so the product itself is what is attacked. After each socket part
every front end must still answer a well-formed request; at the end too. The table gives, per
part: inputs tried, connections opened, crashes, internal errors, inputs the server refused with
its protocol's error, the server's peak and final RSS (``/proc/<pid>/status`` VmHWM and VmRSS;
the peak is reset before each part), wall time and inputs per second. The exit status is 1 when
anything crashed, a probe failed, or the server's peak RSS rose more than ``--memory-budget``
MiB above its RSS once started; 0 otherwise. Inputs are reproducible: the same seed gives the
same inputs (``benchmarks.fuzz.mutate`` says how they are made).
"""

from __future__ import annotations

import argparse
import importlib
import pathlib
import sys
import tempfile
import time
from types import ModuleType
from typing import TextIO

import trio

from benchmarks.fuzz import common, target

FRONT_ENDS = {
    "pjl": "benchmarks.fuzz.pjl",
    "lpd": "benchmarks.fuzz.lpd",
    "ipp": "benchmarks.fuzz.ipp",
    "http": "benchmarks.fuzz.pages",
    "dcerpc": "benchmarks.fuzz.dcerpc",
    "scenario": "benchmarks.fuzz.scenario",
}
RATE = 3600.0
"""The server's clock rate: its devices print an hour's pages each second, so the jobs the
fuzzer sends do not pile up against their job memory; every timeout that protects clients is
real seconds whatever the rate (the architecture's scaling contract, exercised here too)."""
MEMORY_BUDGET_MB = 256
"""MiB the server's peak RSS may rise above its RSS once started, over the whole campaign."""


def _mib(kb: int | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.1f} MiB"


def _row(f: common.Figures) -> str:
    connections = f"{f.connections:,}" if f.part == "socket" else "-"
    return (
        f"{f.front_end:<9} {f.part:<6} {f.inputs:>9,} {connections:>11} {f.crashes:>7}"
        f" {f.internal:>8} {f.refused:>9,} {_mib(f.peak_rss_kb):>11} {_mib(f.rss_after_kb):>11}"
        f" {f.wall:>8.1f} {f.rate:>10,.0f}"
    )


HEADER = (
    f"{'front end':<9} {'part':<6} {'inputs':>9} {'connections':>11} {'crashes':>7}"
    f" {'internal':>8} {'refused':>9} {'peak RSS':>11} {'RSS after':>11} {'wall s':>8}"
    f" {'inputs/s':>10}"
)


class Campaign:
    """One server process, the figures so far, and what its stderr held last time."""

    def __init__(self, workdir: pathlib.Path, rate: float) -> None:
        self.workdir, self.rate = workdir, rate
        self.server: target.Target | None = None
        self.tracebacks = 0
        self.starts = 0
        self.baseline_kb: int | None = None

    def ensure_server(self) -> target.Target:
        if self.server is None or not self.server.alive():
            self.starts += 1
            self.server = target.start(self.workdir / f"server-{self.starts}", rate=self.rate)
            self.tracebacks = 0
            time.sleep(0.5)
            if self.baseline_kb is None:
                self.baseline_kb = self.server.memory()[1]
        return self.server

    def new_tracebacks(self) -> list[str]:
        """The last line of every traceback the server printed since the last call."""
        assert self.server is not None
        text = self.server.stderr()
        blocks = text.split("Traceback (most recent call last):")[1:]
        fresh = blocks[self.tracebacks :]
        self.tracebacks = len(blocks)
        out = []
        for block in fresh:
            lines = [line for line in block.splitlines() if line and not line.startswith(" ")]
            out.append(lines[0] if lines else "traceback")
        return out


async def _probe_all(server: target.Target, modules: dict[str, ModuleType]) -> dict[str, str]:
    failed = {}
    for name, module in modules.items():
        probe = getattr(module, "probe", None)
        if probe is None:
            continue
        try:
            problem = await probe(server)
        except (OSError, trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            problem = f"{name}: {exc!r}"
        if problem is not None:
            failed[name] = problem
    return failed


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out if out is not None else sys.stdout
    names = args.only or list(FRONT_ENDS)
    modules = {name: importlib.import_module(FRONT_ENDS[name]) for name in names}
    workdir = pathlib.Path(args.workdir or tempfile.mkdtemp(prefix="spoolsim-fuzz-"))
    campaign = Campaign(workdir, args.rate)
    everything: list[common.Figures] = []
    problems: list[str] = []
    out.write(f"spoolsim fuzz campaign: {args.inputs:,} inputs per part, seed {args.seed}, ")
    out.write(f"{args.workers} client workers, server at rate {args.rate:g}; work in {workdir}\n\n")
    out.write(HEADER + "\n")
    out.flush()
    started = time.perf_counter()
    try:
        for name, module in modules.items():
            if hasattr(module, "codec"):
                figures = module.codec(args.inputs, args.seed)
                everything.append(figures)
                out.write(_row(figures) + "\n")
                out.flush()
            if not hasattr(module, "socket"):
                continue
            server = campaign.ensure_server()
            server.reset_peak()
            before = server.memory()[1]
            figures = trio.run(module.socket, server, args.inputs, args.seed, args.workers)
            figures.rss_before_kb = before
            for line in campaign.new_tracebacks():
                figures.internal_error(f"server traceback: {line}")
            if not server.alive():
                figures.crash(f"the server process exited ({server.proc.returncode})")
            else:
                failed = trio.run(_probe_all, server, {name: module})
                for problem in failed.values():
                    figures.crash(f"stopped answering a well-formed request: {problem}")
                figures.peak_rss_kb, figures.rss_after_kb = server.memory()
            everything.append(figures)
            out.write(_row(figures) + "\n")
            out.flush()
        if campaign.server is not None:
            server = campaign.server
            if server.alive():
                failed = trio.run(_probe_all, server, modules)
                status = ", ".join(
                    f"{n} {'FAILED: ' + failed[n] if n in failed else 'ok'}"
                    for n, m in modules.items()
                    if hasattr(m, "probe")
                )
                problems += [f"final probe {n}: {p}" for n, p in failed.items()]
            else:
                status = "the server is gone"
                problems.append("the server process died")
            peak = max((f.peak_rss_kb or 0 for f in everything), default=0)
            out.write(f"\nafter the campaign, well-formed requests: {status}\n")
            base = campaign.baseline_kb or 0
            out.write(
                f"server memory: {_mib(base)} once started, highest peak {_mib(peak)}"
                f" (budget: +{args.memory_budget} MiB), {_mib(server.memory()[1])} at the end;"
                f" {campaign.starts} server start(s)\n"
            )
            if peak and base and peak - base > args.memory_budget * 1024:
                problems.append(f"peak RSS {_mib(peak)} is over {_mib(base)} + the budget")
    finally:
        if campaign.server is not None:
            code = campaign.server.stop()
            if code not in (0, 1):
                problems.append(f"the server exited with {code} on Ctrl-C")
    crashes = sum(f.crashes for f in everything)
    internal = sum(f.internal for f in everything)
    total = sum(f.inputs for f in everything)
    out.write(
        f"total: {total:,} inputs, {crashes} crash(es), {internal} internal error(s),"
        f" {time.perf_counter() - started:.0f} s\n"
    )
    for f in everything:
        for example in f.examples:
            out.write(f"  {f.front_end} {f.part}: {example}\n")
    for problem in problems:
        out.write(f"  {problem}\n")
    return 1 if crashes or problems else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.fuzz", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--inputs", type=int, default=100_000, help="inputs per part (100,000)")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=list(FRONT_ENDS),
        metavar="NAME",
        help=f"some of: {', '.join(FRONT_ENDS)}",
    )
    parser.add_argument("--seed", type=int, default=1, help="the campaign's seed (1)")
    parser.add_argument("--workers", type=int, default=4, help="concurrent client connections (4)")
    parser.add_argument(
        "--rate", type=float, default=RATE, help=f"the server's clock rate ({RATE:g})"
    )
    parser.add_argument(
        "--memory-budget",
        type=int,
        default=MEMORY_BUDGET_MB,
        metavar="MIB",
        help=f"allowed rise of the server's peak RSS ({MEMORY_BUDGET_MB})",
    )
    parser.add_argument(
        "--workdir", help="where the server's scenario and output go (a temporary directory)"
    )
    args = parser.parse_args(argv)
    if args.inputs < 1 or args.workers < 1:
        parser.error("--inputs and --workers must be at least 1")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
