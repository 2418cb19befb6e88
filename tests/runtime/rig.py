"""A small print estate for runtime tests: printers on virtual devices, a client to print with."""

from __future__ import annotations

import attrs
import trio

from devices.faults import Fault
from devices.profile import load_profile
from spoolsim.model import Driver, Printer, PrintServer
from spoolsim.model.constants import TCPIP_MONITOR, Access
from spoolsim.model.ports import Port, TcpConfig
from spoolsim.model.security import admin, user
from spoolsim.rpc import Client, Container
from spoolsim.runtime import RuntimeConfig, VirtualNetwork

DRIVER = "HP Universal Printing PCL 6"
PROFILE = "hp-lj-pro-m404"  # 38 ppm: 8 s warm-up from power save, first page 6.3 s later


@attrs.define
class Rig:
    server: PrintServer = attrs.Factory(PrintServer)
    network: VirtualNetwork = attrs.Factory(VirtualNetwork)

    def __attrs_post_init__(self) -> None:
        self.server.drivers.add(
            Driver(DRIVER, "Windows x64", 3, "unidrv.dll", "hpcu.gpd", "unidrvui.dll")
        )

    def device(self, host: str, *, faults: tuple[Fault, ...] = (), seed: int = 0, profile=PROFILE):
        return self.network.add_printer(host, load_profile(profile), seed=seed, faults=faults)

    def tcp_port(self, name: str, host: str, **config) -> Port:
        return self.server.add_port(Port(name, TCPIP_MONITOR, tcp=TcpConfig(host, **config)), 0)

    def printer(self, name: str, *ports: str, **fields) -> Printer:
        return self.server.add_printer(Printer(name, list(ports), DRIVER, **fields), 0)

    def laser(self, name: str = "P1", host: str = "laser1", **fields) -> Printer:
        """A printer on a RAW port to its own virtual device."""
        if host not in self.network:
            self.device(host)
        self.tcp_port(f"IP_{host}", host)
        return self.printer(name, f"IP_{host}", **fields)


def submit(client: Client, printer: str, data: bytes, *, doc: str = "doc", **doc_info) -> int:
    """StartDoc, one WritePrinter, EndDoc: returns the job id."""
    h = client.RpcAsyncOpenPrinter(printer, None, None, Access.PRINTER_ACCESS_USE).pHandle
    r = client.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": doc, **doc_info}))
    assert r.status == 0, r
    client.RpcAsyncWritePrinter(h, data, len(data))
    assert client.RpcAsyncEndDocPrinter(h).status == 0
    client.RpcAsyncClosePrinter(h)
    return r.pJobId


async def settle() -> None:
    """Let the spooler act on what the test just did: a microsecond of virtual time passes, and
    the deadline loop handles the present instant first."""
    await trio.sleep(1e-6)


def pages(n: int) -> bytes:
    return b"".join(b"page %d\f" % i for i in range(1, n + 1))


def timeline(server: PrintServer, *kinds: str, subject: str | None = None) -> list[tuple]:
    """(time rounded to ms, kind, subject) of the log's events of ``kinds``."""
    return [
        (round(e.time, 3), e.kind, e.subject)
        for e in server.log
        if (not kinds or e.kind in kinds) and (subject is None or e.subject == subject)
    ]


def configs() -> list[RuntimeConfig]:
    return [RuntimeConfig(transport="wire"), RuntimeConfig(transport="direct")]


ALICE, ADMIN = user("alice"), admin()
