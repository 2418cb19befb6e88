"""The ``spoolsim`` command.

Sub-commands:
    validate  check scenario files and list every problem (exit 2 if any)
    run       run a scenario in virtual time and print the summary (``make run``)
    serve     run a scenario in scaled real time with ``/metrics`` for Prometheus
    demo      print a few jobs through the MS-PAR method surface and show the queue
    methods   list the MS-PAR methods this build dispatches, with their opnums

Exit codes: 0 success, 1 an expectation failed, 2 bad input.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pathlib
import sys
from collections.abc import Sequence
from functools import partial
from typing import TextIO

import trio
import trio.testing

from spoolsim.metrics import SimMetrics
from spoolsim.model import Driver, PrintServer
from spoolsim.model.constants import Access, JobStatus, PrinterAttributes, PrinterEnum
from spoolsim.model.security import admin, user
from spoolsim.rpc import METHODS, Client, Container, Surface
from spoolsim.scenario import (
    Progress,
    RunResult,
    Scenario,
    ScenarioError,
    ServeOptions,
    load_scenario,
    run_scenario,
    serve_scenario,
)
from spoolsim.scenario.summary import plot, summary_lines


def _status_text(status: int) -> str:
    names = [f.name.lower() for f in JobStatus if f.value and status & f.value]
    return "+".join(names) or "queued"


def demo(out=sys.stdout) -> int:
    """Three users print to two printers; one printer is paused; the spooler prints the rest."""
    t = [0.0]
    server = PrintServer()
    server.drivers.add(
        Driver("Generic / Text Only", "Windows x64", 3, "unidrv.dll", "ttyres.gpd", "unidrvui.dll")
    )
    surface = Surface(server, clock=lambda: t[0])
    boss = Client(surface, admin())
    for name, port in (("Laser-2F", "LPT1:"), ("Colour-3F", "LPT2:")):
        info = {
            "pPrinterName": name,
            "pPortName": port,
            "pDriverName": "Generic / Text Only",
            "pPrintProcessor": "winprint",
            "Attributes": PrinterAttributes.QUEUED | PrinterAttributes.SHARED,
            "pLocation": name[-2:],
        }
        boss.RpcAsyncAddPrinter(None, Container(2, info), None, None)
    out.write("spoolsim demo: jobs through the MS-PAR method surface\n\n")
    for i, who in enumerate(("alice", "bob", "carol", "alice", "bob")):
        t[0] += 7.0
        client = Client(surface, user(who))
        printer = ("Laser-2F", "Colour-3F")[i % 2]
        h = client.RpcAsyncOpenPrinter(printer, None, None, Access.PRINTER_ACCESS_USE).pHandle
        job = client.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": f"report-{i + 1}.txt"}))
        for page in range(i + 1):
            client.RpcAsyncStartPagePrinter(h)
            data = f"page {page + 1} of report {i + 1}\f".encode()
            client.RpcAsyncWritePrinter(h, data, len(data))
            client.RpcAsyncEndPagePrinter(h)
        client.RpcAsyncEndDocPrinter(h)
        client.RpcAsyncClosePrinter(h)
        out.write(f"  t={t[0]:5.1f}s  {who:<6} -> {printer:<10} job {job.pJobId}\n")

    colour = boss.RpcAsyncOpenPrinter("Colour-3F", None, None, Access.PRINTER_ALL_ACCESS).pHandle
    boss.RpcAsyncSetPrinter(colour, Container(0), None, None, 1)  # PRINTER_CONTROL_PAUSE
    out.write("\n  Colour-3F paused by the administrator\n")
    t[0] += 30.0
    for printer in server.printers.values():
        while (job := server.next_job(printer, t[0])) is not None:
            server.start_job(job, printer.ports[0], t[0])
            t[0] += 2.0 * max(job.total_pages, 1)  # 30 pages per minute
            server.job_sent(job, t[0])

    _, printers = boss.fetch(
        "RpcAsyncEnumPrinters",
        PrinterEnum.LOCAL,
        None,
        family="PRINTER_INFO",
        level=2,
        out="pPrinterEnum",
    )
    for printer in printers:
        h = boss.RpcAsyncOpenPrinter(printer["pPrinterName"], None, None, Access.PRINTER_ALL_ACCESS)
        _, jobs = boss.fetch(
            "RpcAsyncEnumJobs", h.pHandle, 0, 100, family="JOB_INFO", level=1, out="pJob"
        )
        paused = " (paused)" if printer["Status"] & 1 else ""
        out.write(f"\n  {printer['pPrinterName']}{paused}: {len(jobs)} job(s) in the queue\n")
        for j in jobs:
            out.write(
                f"    #{j['JobId']:<3} {j['pDocument']:<14} {j['pUserName']:<6} "
                f"{j['TotalPages']} page(s)  {_status_text(j['Status'])}\n"
            )
    printed = server.log.of_kind("job.completed")
    out.write(f"\n  printed and retired: {len(printed)} job(s); events logged: {len(server.log)}\n")
    return 0


def list_methods(out=sys.stdout) -> int:
    for opnum in sorted(METHODS):
        spec = METHODS[opnum]
        out.write(f"{opnum:3d}  {spec.name}{'  (HRESULT)' if spec.hresult else ''}\n")
    return 0


class _Bar:
    """A progress line on stderr for runs longer than ``after`` wall seconds (terminals only)."""

    def __init__(self, stream: TextIO, *, enabled: bool, after: float = 2.0) -> None:
        self.stream, self.enabled, self.after, self.shown = stream, enabled, after, False

    def __call__(self, p: Progress) -> None:
        if not self.enabled or p.wall < self.after:
            return
        width = 30
        done = min(p.now / p.end, 1.0) if p.end > 0 else 1.0
        bar = "#" * int(done * width)
        self.stream.write(
            f"\r[{bar:<{width}}] {p.now / 3600:6.2f}/{p.end / 3600:.2f} h simulated"
            f"  {p.completed:,}/{p.submitted:,} jobs  {p.now / p.wall:,.0f}x "
        )
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


def _load(path: str, err: TextIO) -> Scenario | None:
    try:
        return load_scenario(path)
    except ScenarioError as error:
        err.write(f"{error}\n")
    except OSError as error:
        err.write(f"{path}: cannot read: {error.strerror or error}\n")
    return None


def validate(paths: Sequence[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    bad = 0
    for path in paths:
        scenario = _load(path, err)
        if scenario is None:
            bad += 1
            continue
        out.write(
            f"{path}: ok ({len(scenario.printers)} printers, {len(scenario.devices)} devices,"
            f" {sum(g.count for g in scenario.clients):,} clients in {len(scenario.clients)}"
            f" groups, {len(scenario.timeline)} timeline actions,"
            f" {len(scenario.expect)} expectations)\n"
        )
    return 2 if bad else 0


def _check_outputs(args: argparse.Namespace, err: TextIO) -> bool:
    """Refuse before running what would fail after it (a plot nobody can draw)."""
    if args.plot is None:
        return True
    if pathlib.Path(args.plot).suffix.lower() not in (".png", ".svg"):
        err.write(f"--plot {args.plot}: the file must end in .png or .svg\n")
        return False
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        err.write("--plot needs matplotlib: pip install 'spoolsim[plot]'\n")
        return False
    return True


def _write_outputs(args: argparse.Namespace, result: RunResult) -> None:
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result.report.to_json(), indent=2) + "\n")
    if args.events:
        pathlib.Path(args.events).write_text(result.events_jsonl())
    if args.plot:
        plot(result.report, pathlib.Path(args.plot))


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    scenario = _load(args.file, err)
    if scenario is None or not _check_outputs(args, err):
        return 2
    bar = _Bar(err, enabled=not args.quiet and err.isatty())
    metrics = SimMetrics() if args.metrics_out else None
    gc.collect()
    gc.disable()  # shared/design/performance.md: automatic GC dominated large runs
    try:
        result = trio.run(
            partial(
                run_scenario,
                scenario,
                seed=args.seed,
                keep_log=bool(args.events),
                metrics=metrics,
                progress=bar,
                transport=args.transport,
            ),
            clock=trio.testing.MockClock(autojump_threshold=0),
        )
    finally:
        gc.enable()
        bar.close()
    _write_outputs(args, result)
    if metrics is not None:
        pathlib.Path(args.metrics_out).write_bytes(metrics.exposition())
    for line in summary_lines(result.report):
        out.write(line + "\n")
    return 0 if result.report.passed else 1


def serve(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    scenario = _load(args.file, err)
    if scenario is None:
        return 2
    http = _address("--http", args.http, "127.0.0.1:9464", err)
    rpc = _address("--rpc", args.rpc, "127.0.0.1:5000", err) if args.rpc else None
    if http is None or (args.rpc and rpc is None):
        return 2
    if args.epm is not None and not 0 <= args.epm <= 65535:
        err.write(f"--epm {args.epm}: expected a port, 0 to 65535 (135 is the standard one)\n")
        return 2
    if args.epm is not None and rpc is None:
        err.write("--epm: the endpoint mapper points at the DCE/RPC front end; give --rpc too\n")
        return 2
    if args.rate <= 0:
        err.write(f"--rate {args.rate}: must be above 0 (simulated seconds per real second)\n")
        return 2
    options = ServeOptions(
        host=http[0],
        port=http[1],
        rpc=rpc,
        epm=args.epm,
        rate=args.rate,
        expose_devices=args.expose_devices,
        seed=args.seed,
        transport=args.transport,
        spool_dir=args.spool_dir,
        output_dir=args.output_dir,
    )
    result = trio.run(
        partial(serve_scenario, scenario, options, out=out),
        clock=trio.testing.MockClock(),  # stopped until the estate is up (serve_scenario)
    )
    for line in summary_lines(result.report):
        out.write(line + "\n")
    return 0 if result.report.passed else 1


def _address(option: str, text: str, example: str, err: TextIO) -> tuple[str, int] | None:
    host, _, port = text.rpartition(":")
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        err.write(f"{option} {text}: expected HOST:PORT, such as {example}\n")
        return None
    return host or "127.0.0.1", int(port)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spoolsim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("validate", help="check scenario files; list every problem")
    check.add_argument("files", nargs="+", metavar="FILE")

    def scenario_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("file", metavar="FILE", help="a scenario file (scenarios/README.md)")
        p.add_argument("--seed", type=int, help="override the scenario's seed")
        p.add_argument("--transport", choices=("direct", "wire"), help="override the transport")

    go = sub.add_parser("run", help="run a scenario in virtual time and print the summary")
    scenario_options(go)
    go.add_argument("--json", metavar="FILE", help="write the full report as JSON")
    go.add_argument("--events", metavar="FILE", help="write the event log as JSON lines")
    go.add_argument("--metrics-out", metavar="FILE", help="write Prometheus metrics at the end")
    go.add_argument("--plot", metavar="FILE", help="plot queue depth and throughput (.png/.svg)")
    go.add_argument("--quiet", action="store_true", help="no progress bar")
    live = sub.add_parser(
        "serve",
        help="run a scenario in scaled real time with its web site: printer pages, IPP, /metrics",
    )
    scenario_options(live)
    live.add_argument(
        "--rate", type=float, default=60.0, help="simulated seconds per real second (60)"
    )
    live.add_argument(
        "--http",
        default="127.0.0.1:9464",
        metavar="HOST:PORT",
        help="where the web site (/printers/, IPP, /metrics) listens",
    )
    live.add_argument(
        "--rpc",
        metavar="HOST:PORT",
        help="also serve MS-PAR and MS-RPRN over DCE/RPC (ncacn_ip_tcp) here; [rpc] in the"
        " scenario says who may call",
    )
    live.add_argument(
        "--epm",
        type=int,
        metavar="PORT",
        help="also run the endpoint mapper on this port of the --rpc host (135 is the standard"
        " one, which rpcclient always asks)",
    )
    live.add_argument(
        "--spool-dir",
        metavar="DIR",
        help="keep accepted jobs on disk here (fsynced before they are acknowledged); a"
        " restart on the same directory puts them back in their queues",
    )
    live.add_argument(
        "--output-dir",
        metavar="DIR",
        help="where local ports (FILE:, or a port named like a file) write what they print",
    )
    live.add_argument(
        "--expose-devices",
        action="store_true",
        help="also serve every virtual device on real TCP ports (RAW and LPD; wire transport)",
    )
    sub.add_parser("demo", help="print a few jobs through the method surface")
    sub.add_parser("methods", help="list the MS-PAR methods with their opnums")
    args = parser.parse_args(argv)
    try:
        if args.command == "validate":
            return validate(args.files, sys.stdout, sys.stderr)
        if args.command == "run":
            return run(args, sys.stdout, sys.stderr)
        if args.command == "serve":
            return serve(args, sys.stdout, sys.stderr)
        if args.command == "demo":
            return demo()
        return list_methods()
    except BrokenPipeError:
        # The reader went away (``spoolsim methods | head``): stop quietly, and point stdout at
        # nothing so that the interpreter's final flush does not complain either.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
