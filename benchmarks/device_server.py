"""How many jobs a virtual printer's servers take in per second over loopback TCP.

    python -m benchmarks.device_server [N]

Sends N one-page jobs to a virtual printer, one TCP connection per job and one connection at a
time: over AppSocket (PJL-wrapped data, the client closes its side and waits for the device to
close) and over LPD (control file and data file with byte counting, every ack awaited). Client
and servers share one process and one Trio loop, so the figure is the cost of both ends. The
printer runs on the real clock; printing itself does not slow reception.
"""

from __future__ import annotations

import sys
import time

import trio

from devices.printer import VirtualPrinter
from devices.profile import load_profile
from devices.serve import open_virtual_printer
from spoolsim.wire import lpr
from spoolsim.wire.pjl import UEL

DATA = UEL + b'@PJL JOB NAME="bench"\r\n@PJL ENTER LANGUAGE=PCL\r\nhello\f' + UEL
DATA += b"@PJL EOJ\r\n" + UEL


async def _raw_job(port: int) -> None:
    async with await trio.open_tcp_stream("127.0.0.1", port) as stream:
        await stream.send_all(DATA)
        await stream.send_eof()
        while await stream.receive_some():
            pass


async def _lpd_job(port: int, number: int) -> None:
    conn = lpr.LPRConnection(lpr.Role.CLIENT)
    control = lpr.ControlFile(
        host="bench", user="bench", job_name="bench", prints=(("l", f"dfA{number:03d}bench"),)
    )
    body = lpr.build_control_file(control)
    async with await trio.open_tcp_stream("127.0.0.1", port) as stream:

        async def step(*events: lpr.Event) -> None:
            await stream.send_all(b"".join(conn.send(event) for event in events))
            while (reply := conn.next_event()) is lpr.NEED_DATA:
                conn.receive_data(await stream.receive_some())
            assert reply == lpr.Ack(ok=True), reply

        await step(lpr.ReceiveJob("raw"))
        await step(lpr.ControlFileHeader(len(body), f"cfA{number:03d}bench"))
        await step(lpr.FileData(body), lpr.FileEnd())
        await step(lpr.DataFileHeader(len(DATA), f"dfA{number:03d}bench"))
        await step(lpr.FileData(DATA), lpr.FileEnd())
        await stream.send_eof()
        while await stream.receive_some():
            pass


async def main(n: int) -> dict[str, float]:
    """Send ``n`` jobs by each protocol; print and return jobs per wall second by protocol."""
    rates = {}
    printer = VirtualPrinter(load_profile("hp-lj-m611"), now=trio.current_time())
    async with open_virtual_printer(printer, raw_port=0, lpd_port=0) as where:
        for label, send in (
            ("AppSocket/PJL", lambda i: _raw_job(where.raw_port)),
            ("LPD", lambda i: _lpd_job(where.lpd_port, i % 1000)),
        ):
            before = printer.jobs_received
            start = time.perf_counter()
            for i in range(n):
                await send(i)
            elapsed = time.perf_counter() - start
            assert printer.jobs_received - before == n and not printer.errors, printer.errors
            rates[label] = n / elapsed
            print(f"{label:<14} {n} jobs, {n} connections: {n / elapsed:8.0f} jobs/s")
    return rates


if __name__ == "__main__":
    trio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
