"""Point and Print connections on the deadline loop, in Trio's virtual time: downloads share a
server's link, round trips cost its latency, and the connection ends when its last byte lands."""

from __future__ import annotations

import trio

from spoolsim.model import PrintServer
from spoolsim.model.clients import ClientMachine
from spoolsim.model.constants import PrinterAttributes
from spoolsim.model.netlink import Link
from spoolsim.model.security import admin
from spoolsim.rpc import Client, Container, Surface
from spoolsim.rpc.pointprint import add_printer_connection
from spoolsim.runtime.loop import DeadlineLoop
from spoolsim.runtime.pointprint import LinkService
from spoolsim.scenario.build import install_driver
from spoolsim.scenario.schema import DriverSpec

DRIVER = DriverSpec(
    "D", ("x64",), 1, 1, "d.dll", "dui.dll", "d.gpd", {"d.dll": 1000, "dui.dll": 1000, "d.gpd": 0}
)


def _server() -> tuple[PrintServer, Surface]:
    server = PrintServer(name="PS")
    install_driver(server, DRIVER)
    surface = Surface(server, clock=trio.current_time)
    info = {
        "pPrinterName": "P",
        "pPortName": "LPT1:",
        "pDriverName": "D",
        "pPrintProcessor": "winprint",
        "Attributes": PrinterAttributes.SHARED,
    }
    assert Client(surface, admin()).RpcAsyncAddPrinter(None, Container(2, info), None, None).ok
    return server, surface


async def test_two_clients_share_the_link(autojump_clock):
    _, surface = _server()
    loop = DeadlineLoop(barrier=False)
    service = LinkService(Link(bandwidth=100.0, latency=0.5), loop)
    results = []
    with trio.fail_after(10_000):
        async with trio.open_nursery() as nursery:
            await nursery.start(loop.run)
            for name in ("C1", "C2"):
                flow = add_printer_connection(
                    ClientMachine(name), surface, admin(), "\\\\PS\\P", trio.current_time()
                )
                service.run(flow, trio.current_time(), results.append)
            while len(results) < 2:
                await trio.sleep(1)
            nursery.cancel_scope.cancel()
    assert [r.status for r in results] == [0, 0]
    # Each connection: open, driver probe + call, 2 registry calls (the printer has no keys),
    # close = 6 round trips of 0.5 s, and 3 file requests of 0.5 s each before their bytes. Both
    # clients move 2,000 bytes in lockstep at 50 B/s each: 40 s of transfer (the empty file is
    # free), so each ends at 6 * 0.5 + 3 * 0.5 + 40 = 44.5 s.
    assert [round(r.finished, 6) for r in results] == [44.5, 44.5]
    assert service.link.statistics().bytes == 4000
    assert service.link.statistics().peak_active == 2
    assert all(r.bytes == 2000 and r.driver_files == 3 for r in results)
