"""impacket (a real DCE/RPC client, from PyPI) against a real ``spoolsim serve --rpc``.

Over MS-PAR and MS-RPRN, unauthenticated and with NTLM at the privacy level: open a printer,
enumerate printers at levels 1 and 2 (a reply too large for one fragment), print a document of
more than 100 KB (StartDoc, WritePrinter, EndDoc) that the virtual device then prints, close, and
the errors for a bad printer name, a stale handle and a wrong password. impacket defines only a
few MS-PAR methods; the job-printing ones are in ``tests.parcalls``.
"""

from __future__ import annotations

import re
import time

import pytest
from impacket.dcerpc.v5 import par, rpcrt, rprn, transport
from impacket.dcerpc.v5.dtypes import NULL

from spoolsim.wire.info import LAYOUTS
from spoolsim.wire.marshal import unpack
from tests.net import rpcserve
from tests.parcalls import (
    RpcAsyncEndDocPrinter,
    RpcAsyncEndDocPrinterResponse,
    RpcAsyncGetJob,
    RpcAsyncGetJobResponse,
    RpcAsyncStartDocPrinter,
    RpcAsyncStartDocPrinterResponse,
    RpcAsyncWritePrinter,
    RpcAsyncWritePrinterResponse,
)

ERROR_ACCESS_DENIED = 5
ERROR_INVALID_PRINTER_NAME = 1801
JOB_STATUS_PRINTED = 0x80
SERVER_ACCESS_ADMINISTER = 0x00000001
PRINTER_ACCESS_USE = 0x00000008
PRINTER_ENUM_LOCAL = 0x00000002


# --- the client side --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = rpcserve.start(tmp_path_factory.mktemp("rpc"))
    yield server
    out = server.stop()
    assert "Traceback" not in out, out


def connect(served, interface, *, user: str = "", password: str = "", level: int = 0):
    """A bound DCE/RPC connection (``level`` 0: unauthenticated)."""
    t = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:{served.host}[{served.rpc}]")
    t.set_connect_timeout(20)
    if user:
        t.set_credentials(user, password, "", "", "")
    dce = t.get_dce_rpc()
    if level:
        dce.set_auth_type(rpcrt.RPC_C_AUTHN_WINNT)
        dce.set_auth_level(level)
    dce.connect()
    dce.bind(interface)
    return dce


def call(dce, request, response_class=None):
    """A request with MS-PAR's object UUID; the parsed response (no error check)."""
    data = dce.request(request, uuid=par.MSRPC_UUID_WINSPOOL, checkError=False)
    return data if response_class is None else response_class(data.getData())


def client_info() -> rprn.SPLCLIENT_CONTAINER:
    """SPLCLIENT_INFO_1 as a Windows 10 x64 client sends it (MS-RPRN 2.2.1.10.1)."""
    container = rprn.SPLCLIENT_CONTAINER()
    container["Level"] = 1
    container["ClientInfo"]["tag"] = 1
    one = container["ClientInfo"]["pClientInfo1"]
    one["dwSize"], one["pMachineName"], one["pUserName"] = 28, "WS1\0", "tester\0"
    one["dwBuildNum"], one["dwMajorVersion"], one["dwMinorVersion"] = 19045, 10, 0
    one["wProcessorArchitecture"] = 9  # PROCESSOR_ARCHITECTURE_AMD64
    return container


def open_printer(dce, name: str, access: int = PRINTER_ACCESS_USE) -> bytes:
    reply = par.hRpcAsyncOpenPrinter(dce, name, accessRequired=access, pClientInfo=client_info())
    return reply["pHandle"]


def enum_printers(dce, level: int) -> tuple[list[dict], int]:
    reply = par.hRpcAsyncEnumPrinters(dce, PRINTER_ENUM_LOCAL, NULL, level)
    data = b"".join(reply["pPrinterEnum"])
    return unpack(LAYOUTS[("PRINTER_INFO", level)], data, reply["pcReturned"]), len(data)


def print_document(dce, printer: str, data: bytes) -> tuple[bytes, int]:
    handle = open_printer(dce, printer)
    start = RpcAsyncStartDocPrinter()
    start["hPrinter"] = handle
    start["pDocInfoContainer"]["Level"] = 1
    start["pDocInfoContainer"]["DocInfo"]["tag"] = 1
    info = start["pDocInfoContainer"]["DocInfo"]["pDocInfo1"]
    info["pDocName"], info["pOutputFile"], info["pDatatype"] = "impacket doc\0", NULL, "RAW\0"
    started = call(dce, start, RpcAsyncStartDocPrinterResponse)
    assert started["ErrorCode"] == 0
    write = RpcAsyncWritePrinter()
    write["hPrinter"], write["pBuf"], write["cbBuf"] = handle, list(data), len(data)
    written = call(dce, write, RpcAsyncWritePrinterResponse)
    assert (written["ErrorCode"], written["pcWritten"]) == (0, len(data))
    end = RpcAsyncEndDocPrinter()
    end["hPrinter"] = handle
    assert call(dce, end, RpcAsyncEndDocPrinterResponse)["ErrorCode"] == 0
    return handle, started["pJobId"]


def get_job(dce, handle: bytes, job_id: int) -> tuple[int, dict | None]:
    def ask(size: int):
        req = RpcAsyncGetJob()  # a fresh request: impacket keeps a NULL pointer once set
        req["hPrinter"], req["JobId"], req["Level"], req["cbBuf"] = handle, job_id, 1, size
        req["pJob"] = b"\0" * size if size else NULL
        return call(dce, req, RpcAsyncGetJobResponse)

    first = ask(0)
    if first["ErrorCode"] != 122:  # ERROR_INSUFFICIENT_BUFFER: the size is known now
        return first["ErrorCode"], None
    reply = ask(first["pcbNeeded"])
    if reply["ErrorCode"]:
        return reply["ErrorCode"], None
    (job,) = unpack(LAYOUTS[("JOB_INFO", 1)], b"".join(reply["pJob"]), 1)
    return 0, job


def completed(served, printer: str) -> float:
    pattern = rf'^spoolsim_jobs_completed_total\{{[^}}]*printer="{printer}"[^}}]*\}} (\S+)$'
    found = re.findall(pattern, served.metrics(), re.M)
    return sum(float(v) for v in found)


# --- tests ----------------------------------------------------------------------------------


def test_enum_printers_at_levels_1_and_2_over_ms_par_without_auth(served) -> None:
    dce = connect(served, par.MSRPC_UUID_PAR)
    try:
        one, _ = enum_printers(dce, 1)
        two, size = enum_printers(dce, 2)
    finally:
        dce.disconnect()
    names = sorted(p["pPrinterName"] for p in two)
    assert names == sorted(rpcserve.PRINTERS)
    assert size > 5840  # more than one fragment's worth: the reply was reassembled
    assert {p["pName"].split(",")[0].rsplit("\\", 1)[-1] for p in one} == set(rpcserve.PRINTERS)
    assert all(p["pPortName"].startswith("IP_") for p in two)


def test_a_large_document_prints_on_the_virtual_device_over_ms_par(served) -> None:
    before = completed(served, "Laser1")
    document = (b"spoolsim over DCE/RPC " * 50 + b"\r\n\f") * 100  # 110,400 octets, 100 pages
    dce = connect(served, par.MSRPC_UUID_PAR)
    try:
        handle, job_id = print_document(dce, "Laser1", document)
        status, job = get_job(dce, handle, job_id)  # 100 pages take the device a while
        assert status == 0 and job["pDocument"] == "impacket doc"
        assert job["pUserName"] == "ANONYMOUS LOGON" and job["pDatatype"] == "RAW"
        deadline = time.monotonic() + 60
        while completed(served, "Laser1") < before + 1:
            assert time.monotonic() < deadline, "the job never completed on the device"
            time.sleep(0.2)
        par.hRpcAsyncClosePrinter(dce, handle)
    finally:
        dce.disconnect()


def test_errors_for_a_bad_printer_name_and_a_stale_handle(served) -> None:
    dce = connect(served, par.MSRPC_UUID_PAR)
    try:
        with pytest.raises(par.DCERPCSessionError) as err:
            open_printer(dce, "NoSuchPrinter")
        assert err.value.get_error_code() == ERROR_INVALID_PRINTER_NAME
        handle = open_printer(dce, "Laser1")
        par.hRpcAsyncClosePrinter(dce, handle)
        with pytest.raises(rpcrt.DCERPCException) as err:
            par.hRpcAsyncClosePrinter(dce, handle)
        assert "nca_s_fault_context_mismatch" in str(err.value)  # 0x1C00001A
        # The connection survives the fault.
        assert len(enum_printers(dce, 1)[0]) == len(rpcserve.PRINTERS)
    finally:
        dce.disconnect()


def test_a_handle_belongs_to_its_association(served) -> None:
    first = connect(served, par.MSRPC_UUID_PAR)
    second = connect(served, par.MSRPC_UUID_PAR)
    try:
        handle = open_printer(first, "Laser1")
        with pytest.raises(rpcrt.DCERPCException) as err:
            par.hRpcAsyncClosePrinter(second, handle)
        assert "nca_s_fault_context_mismatch" in str(err.value)
        par.hRpcAsyncClosePrinter(first, handle)
    finally:
        first.disconnect()
        second.disconnect()


def test_ntlm_at_privacy_prints_as_the_authenticated_user_over_ms_par(served) -> None:
    level = rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY
    dce = connect(served, par.MSRPC_UUID_PAR, user="alice", password="Pa55word!", level=level)
    try:
        two, size = enum_printers(dce, 2)
        assert len(two) == len(rpcserve.PRINTERS) and size > 5840
        document = (b"sealed page " * 9 + b"\r\n\f") * 1000  # 113,000 octets
        handle, job_id = print_document(dce, "Laser1", document)
        status, job = get_job(dce, handle, job_id)
        assert status == 0 and job["pUserName"] == "alice"
        with pytest.raises(rpcrt.DCERPCException) as err:  # impacket's class for code 5
            open_printer(dce, "", SERVER_ACCESS_ADMINISTER)
        assert err.value.get_error_code() == ERROR_ACCESS_DENIED
        par.hRpcAsyncClosePrinter(dce, handle)
    finally:
        dce.disconnect()
    admin = connect(served, par.MSRPC_UUID_PAR, user="root", password="Adm1n!", level=level)
    try:
        par.hRpcAsyncClosePrinter(admin, open_printer(admin, "", SERVER_ACCESS_ADMINISTER))
    finally:
        admin.disconnect()


def test_a_wrong_password_is_refused(served) -> None:
    level = rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY
    with pytest.raises(rpcrt.DCERPCException) as err:
        dce = connect(served, par.MSRPC_UUID_PAR, user="alice", password="guess", level=level)
        try:
            enum_printers(dce, 1)
        finally:
            dce.disconnect()
    assert "access_denied" in str(err.value)


@pytest.mark.parametrize(
    "level", [rpcrt.RPC_C_AUTHN_LEVEL_CONNECT, rpcrt.RPC_C_AUTHN_LEVEL_PKT_INTEGRITY]
)
def test_ms_rprn_opens_enumerates_and_closes_with_ntlm(served, level: int) -> None:
    dce = connect(served, rprn.MSRPC_UUID_RPRN, user="alice", password="Pa55word!", level=level)
    try:
        name = f"\\\\{served.host}\\Laser1\0"
        handle = rprn.hRpcOpenPrinterEx(dce, name, pClientInfo=client_info())["pHandle"]
        reply = rprn.hRpcEnumPrinters(dce, PRINTER_ENUM_LOCAL, NULL, 2)
        data = b"".join(reply["pPrinterEnum"])
        printers = unpack(LAYOUTS[("PRINTER_INFO", 2)], data, reply["pcReturned"])
        assert sorted(p["pPrinterName"] for p in printers) == sorted(rpcserve.PRINTERS)
        rprn.hRpcClosePrinter(dce, handle)
        with pytest.raises(rpcrt.DCERPCException) as err:
            rprn.hRpcClosePrinter(dce, handle)
        assert "nca_s_fault_context_mismatch" in str(err.value)
    finally:
        dce.disconnect()
