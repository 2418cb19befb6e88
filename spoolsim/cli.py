"""The ``spoolsim`` command.

Sub-commands:
    demo    print a few jobs through the MS-PAR method surface and show the queue (``make run``)
    methods list the MS-PAR methods this build dispatches, with their opnums
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from spoolsim.model import Driver, PrintServer
from spoolsim.model.constants import Access, JobStatus, PrinterAttributes, PrinterEnum
from spoolsim.model.security import admin, user
from spoolsim.rpc import METHODS, Client, Container, Surface
from spoolsim.wire.info import LAYOUTS
from spoolsim.wire.marshal import unpack


def _enum_all(call, *args, family: str, level: int, out: str) -> list[dict]:
    """Make an Enum call twice, as clients do: once to learn the size, once to fetch."""
    first = call(*args, level, 0)
    reply = call(*args, level, first.pcbNeeded)
    return unpack(LAYOUTS[(family, level)], reply.out[out], reply.pcReturned)


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

    for printer in _enum_all(
        boss.RpcAsyncEnumPrinters,
        PrinterEnum.LOCAL,
        None,
        family="PRINTER_INFO",
        level=2,
        out="pPrinterEnum",
    ):
        h = boss.RpcAsyncOpenPrinter(printer["pPrinterName"], None, None, Access.PRINTER_ALL_ACCESS)
        jobs = _enum_all(
            boss.RpcAsyncEnumJobs, h.pHandle, 0, 100, family="JOB_INFO", level=1, out="pJob"
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spoolsim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="print a few jobs through the method surface")
    sub.add_parser("methods", help="list the MS-PAR methods with their opnums")
    args = parser.parse_args(argv)
    if args.command == "demo":
        return demo()
    return list_methods()


if __name__ == "__main__":
    sys.exit(main())
