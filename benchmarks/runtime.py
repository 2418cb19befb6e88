"""Jobs per wall second through the living spooler in virtual time: wire path against direct.

An estate of printers on virtual HP LaserJet Pro M404 devices takes Poisson arrivals of 1-9 page
jobs, submitted through the method surface from the deadline loop's own heap (no client tasks);
an operator refills paper two minutes after a device runs out.
Both transports run the same jobs with the same seed; the figures are wall-clock rates.

    python -m benchmarks.runtime [--printers 20] [--jobs 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time

import trio
import trio.testing

from devices.profile import load_profile
from spoolsim.model import Driver, Printer, PrintServer
from spoolsim.model.constants import TCPIP_MONITOR, Access
from spoolsim.model.ports import Port, TcpConfig
from spoolsim.model.security import user
from spoolsim.rpc import Client, Container
from spoolsim.runtime import RuntimeConfig, VirtualNetwork, open_spooler

DRIVER = "Bench Driver"


def _estate(printers: int) -> tuple[PrintServer, VirtualNetwork]:
    server, network = PrintServer(), VirtualNetwork()
    server.log.enabled = False
    server.drivers.add(Driver(DRIVER, "Windows x64", 3, "unidrv.dll", "b.gpd", "unidrvui.dll"))
    profile = load_profile("hp-lj-pro-m404")
    for i in range(printers):
        host = f"dev{i}"
        network.add_printer(host, profile, seed=i)
        server.add_port(Port(f"IP_{host}", TCPIP_MONITOR, tcp=TcpConfig(host)), 0)
        server.add_printer(Printer(f"P{i}", [f"IP_{host}"], DRIVER), 0)
    return server, network


async def _run(
    transport: str, barrier: bool, printers: int, jobs: int, seed: int
) -> tuple[int, float]:
    server, network = _estate(printers)
    draws = random.Random(seed)
    # Each printer is busy about two thirds of the time: ~5 pages at 38 ppm plus first page out.
    gap = 14.0 / printers
    config = RuntimeConfig(transport=transport, barrier=barrier)
    async with open_spooler(server, network=network, config=config) as sp:
        sp.surface.log_calls = False
        client = sp.client(user("bench"))

        def operator(time: float, kind: str, subject: str, data: object) -> None:
            """Refill a tray two minutes after a device asks for paper."""
            port = server.ports.get(subject.lower()) if kind == "port.device" else None
            if port is not None and (port.device_code or 0) // 1000 == 41:
                device = network.printer(port.tcp.host)
                sp.loop.call_at(time + 120, lambda now: device.act("load_paper"))

        server.log.listeners.append(operator)
        when = 0.0
        for _ in range(jobs):
            when += draws.expovariate(1 / gap)
            name, pages = f"P{draws.randrange(printers)}", draws.randint(1, 9)
            sp.loop.call_at(when, lambda now, n=name, k=pages: _submit(client, n, k))
        await trio.sleep_until(when + 3600)
        done = sum(p.total_jobs for p in server.printers.values()) - len(server.jobs)
        return done, when


def _submit(client: Client, printer: str, pages: int) -> None:
    h = client.RpcAsyncOpenPrinter(printer, None, None, Access.PRINTER_ACCESS_USE).pHandle
    client.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": "bench"}))
    data = b"x" * 99 + b"\f"
    client.RpcAsyncWritePrinter(h, data * pages, 100 * pages)
    client.RpcAsyncEndDocPrinter(h)
    client.RpcAsyncClosePrinter(h)


# (label, transport, barrier): the ways the runtime can run the same jobs.
VARIANTS = (
    ("direct, heap-driven (no barrier)", "direct", False),
    ("direct, with barrier", "direct", True),
    ("wire, in-memory streams", "wire", True),
)


def measure(
    transport: str, barrier: bool, printers: int, jobs: int, seed: int = 1
) -> tuple[int, float, float]:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        clock = trio.testing.MockClock(autojump_threshold=0)
        done, span = trio.run(_run, transport, barrier, printers, jobs, seed, clock=clock)
        return done, span, time.perf_counter() - start
    finally:
        gc.enable()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--printers", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"runtime: {args.printers} printers, {args.jobs} jobs, median of {args.repeat} runs")
    for label, transport, barrier in VARIANTS:
        rates = []
        for _ in range(args.repeat):
            done, span, wall = measure(transport, barrier, args.printers, args.jobs)
            assert done == args.jobs, f"{label}: {done} of {args.jobs} jobs printed"
            rates.append(done / wall)
        print(
            f"  {label:34s} {statistics.median(rates):8.0f} jobs/s"
            f"  ({span / 3600:.1f} simulated hours of arrivals)"
        )


if __name__ == "__main__":
    main()
