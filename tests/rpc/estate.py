"""A small estate for method tests: one server, one driver, one shared printer."""

from __future__ import annotations

from spoolsim.model import Driver, PrintServer
from spoolsim.model.constants import Access, PrinterAttributes
from spoolsim.model.security import admin, operator, user
from spoolsim.rpc import Client, Container, Surface

DRIVER = "Generic / Text Only"


class Estate:
    """A server with one driver and one shared printer P1, and clients for the usual principals."""

    def __init__(self) -> None:
        self.t = 0.0
        self.server = PrintServer()
        self.server.drivers.add(
            Driver(DRIVER, "Windows x64", 3, "unidrv.dll", "ttyres.gpd", "unidrvui.dll")
        )
        self.surface = Surface(self.server, clock=lambda: self.t)
        self.admin = Client(self.surface, admin())
        self.alice = Client(self.surface, user("alice"))
        self.bob = Client(self.surface, user("bob"))
        self.op = Client(self.surface, operator("op"))
        r = self.admin.RpcAsyncAddPrinter(None, printer_container("P1"), None, None)
        assert r.status == 0, r

    def open(self, client: Client, name: str = "P1", access: int = Access.PRINTER_ACCESS_USE):
        r = client.RpcAsyncOpenPrinter(name, None, None, access)
        assert r.status == 0, r
        return r.pHandle

    def print_job(self, client: Client, data: bytes = b"hello\f", pages: int = 1, name="P1") -> int:
        h = self.open(client, name)
        job = client.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": "doc"})).pJobId
        for _ in range(pages):
            client.RpcAsyncStartPagePrinter(h)
            client.RpcAsyncWritePrinter(h, data, len(data))
            client.RpcAsyncEndPagePrinter(h)
        assert client.RpcAsyncEndDocPrinter(h).status == 0
        client.RpcAsyncClosePrinter(h)
        return job


def printer_container(name: str, **extra) -> Container:
    info = {
        "pPrinterName": name,
        "pPortName": "LPT1:",
        "pDriverName": DRIVER,
        "pPrintProcessor": "winprint",
        "Attributes": PrinterAttributes.QUEUED | PrinterAttributes.SHARED,
    }
    info.update(extra)
    return Container(2, info)
