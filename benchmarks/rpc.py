"""The DCE/RPC front end over loopback TCP: small calls per second and WritePrinter throughput.

    python -m benchmarks.rpc [CALLS] [MEGABYTES]

One unauthenticated MS-PAR connection to an in-process ``RpcFrontEnd`` on a small estate
(20 printers). The client encodes with ``spoolsim.rpc.ndrcall`` and the PDU codec, sends one
call at a time and waits for its whole response, so the figures include both ends' costs:
EnumPrinters level 2 (the size already known, about 6 KB: two response fragments) per second,
and MB/s of 1 MiB WritePrinter calls (each about 180 request fragments of 5,840 octets).
"""

from __future__ import annotations

import sys
import time
import uuid

import trio

from spoolsim.model import Driver, PrintServer
from spoolsim.model.constants import Access
from spoolsim.model.security import admin
from spoolsim.net.rpcserver import RpcFrontEnd
from spoolsim.rpc import Client, Container, Surface
from spoolsim.rpc.ndrcall import Interface, decode_response, encode_request
from spoolsim.wire import dcerpccodes as c
from spoolsim.wire.dcerpc import Bind, BindAck, ContextElem, Request, Response, SyntaxId
from spoolsim.wire.dcerpcstream import NEED_DATA, PduReader, Reassembler, fragment

WINSPOOL = uuid.UUID("9940ca8e-512f-4c58-88a9-61098d6896bd")
MEBIBYTE = 1024 * 1024


def estate(printers: int = 20) -> Surface:
    server = PrintServer()
    server.drivers.add(Driver("Bench", "Windows x64", 3, "unidrv.dll", "b.gpd", "unidrvui.dll"))
    surface = Surface(server, log_calls=False)
    root = Client(surface, admin())
    for i in range(printers):
        info = {"pPrinterName": f"Bench-Printer-{i:03d}", "pPortName": "LPT1:"}
        info |= {"pDriverName": "Bench", "pPrintProcessor": "winprint"}
        assert root.RpcAsyncAddPrinter(None, Container(2, info), None, None).ok
    return surface


class Connection:
    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream, self.reader, self.joined, self.call_id = stream, PduReader(), Reassembler(), 1

    async def bind(self) -> None:
        ctx = ContextElem(0, SyntaxId(*c.MS_PAR), (SyntaxId(*c.NDR),))
        await self.stream.send_all(Bind(call_id=1, contexts=(ctx,)).encode())
        assert isinstance(await self._next(), BindAck)

    async def call(self, opnum: int, **params) -> dict:
        self.call_id += 1
        stub = encode_request(Interface.PAR, opnum, **params)
        request = Request(call_id=self.call_id, opnum=opnum, object=WINSPOOL, stub=stub)
        await self.stream.send_all(b"".join(f.encode() for f in fragment(request, 5840)))
        response = await self._next()
        assert isinstance(response, Response), response
        return decode_response(Interface.PAR, opnum, response.stub)

    async def _next(self):
        while True:
            while (pdu := self.reader.next_event()) is not NEED_DATA:
                whole = self.joined.add(pdu) if isinstance(pdu, Response) else pdu
                if whole is not None:
                    return whole
            self.reader.receive_data(await self.stream.receive_some(65536))


async def main(calls: int = 2000, megabytes: int = 64) -> dict[str, float]:
    """Run both measurements; print and return their figures."""
    surface = estate()
    front = RpcFrontEnd(surface)
    figures: dict[str, float] = {}
    async with trio.open_nursery() as nursery:
        port = await nursery.start(front.serve, "127.0.0.1", 0)
        async with await trio.open_tcp_stream("127.0.0.1", port) as stream:
            conn = Connection(stream)
            await conn.bind()
            sized = await conn.call(38, Flags=2, Name=None, Level=2, pPrinterEnum=None, cbBuf=0)
            need = sized["pcbNeeded"]
            start = time.perf_counter()
            for _ in range(calls):
                reply = await conn.call(
                    38, Flags=2, Name=None, Level=2, pPrinterEnum=bytes(need), cbBuf=need
                )
                assert reply["return"] == 0 and reply["pcReturned"] == 20
            figures["enum_printers_per_s"] = calls / (time.perf_counter() - start)
            print(f"EnumPrinters level 2 ({need} octets): {figures['enum_printers_per_s']:8.0f}/s")

            client_info = {"Level": 1, "ClientInfo": {"pClientInfo1": None}}
            opened = await conn.call(
                0, pPrinterName="Bench-Printer-000", pDatatype=None,
                pDevModeContainer={"cbBuf": 0, "pDevMode": None},
                AccessRequired=Access.PRINTER_ACCESS_USE, pClientInfo=client_info,
            )  # fmt: skip
            handle = opened["pHandle"]
            doc = {"Level": 1, "DocInfo": {"pDocInfo1": {"pDocName": "bench", "pOutputFile": None,
                                                         "pDatatype": "RAW"}}}  # fmt: skip
            assert (await conn.call(10, hPrinter=handle, pDocInfoContainer=doc))["return"] == 0
            chunk = bytes(range(256)) * (MEBIBYTE // 256)
            start = time.perf_counter()
            for _ in range(megabytes):
                reply = await conn.call(12, hPrinter=handle, pBuf=chunk, cbBuf=len(chunk))
                assert reply["return"] == 0 and reply["pcWritten"] == len(chunk)
            figures["write_mb_per_s"] = megabytes * MEBIBYTE / 1e6 / (time.perf_counter() - start)
            await conn.call(14, hPrinter=handle)
            print(f"WritePrinter, 1 MiB per call: {figures['write_mb_per_s']:8.1f} MB/s")
        nursery.cancel_scope.cancel()
    return figures


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    trio.run(main, *args)
