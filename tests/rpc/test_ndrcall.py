"""The NDR adaptor: requests as clients send them, through the surface, replies as clients read
them. Each test drives a real Surface (tests/rpc/estate.py) with encoded stubs only."""

from __future__ import annotations

import pathlib
import re
import struct
import uuid

import pytest
import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st

from spoolsim.model.constants import Access, JobStatus, PrinterStatus
from spoolsim.model.constants import Win32 as E
from spoolsim.rpc import BY_NAME as METHODS_BY_NAME
from spoolsim.rpc import METHODS, ndrcall
from spoolsim.rpc.branchoffice import BranchOfficeJobDataContainer
from spoolsim.rpc.core import Container
from spoolsim.rpc.jobprops import PrintNamedProperty
from spoolsim.rpc.ndrcall import Interface, UnknownOpnum
from spoolsim.rpc.notifier import NotifyData, NotifyInfo
from spoolsim.rpc.notify import E_PENDING, NamedProperty, notify_filter, reply_values
from spoolsim.rpc.notifyfields import PRINTER_CHANGE_ALL_2, Change
from spoolsim.runtime.notify import get_remote_notifications
from spoolsim.wire import winspool as ws
from spoolsim.wire import winspooltypes as t
from spoolsim.wire.info import LAYOUTS
from spoolsim.wire.marshal import unpack
from spoolsim.wire.ndr import NdrError, decode, encode

PAR, RPRN = Interface.PAR, Interface.RPRN
FACTS = pathlib.Path(__file__).resolve().parents[3] / "shared/reference/print-protocol-facts.md"
CLIENT_INFO = {
    "Level": 1,
    "ClientInfo": {"dwSize": 28, "pMachineName": "WS1", "pUserName": "alice", "dwBuildNum": 1},
}
NO_DEVMODE = {"cbBuf": 0, "pDevMode": None}
USE = int(Access.PRINTER_ACCESS_USE)


class Wire:
    """A client that speaks only NDR stubs to the surface, as one session."""

    def __init__(self, estate, client, interface: Interface) -> None:
        self.surface, self.session, self.interface = estate.surface, client.session, interface
        self.table = ws.PAR if interface is PAR else ws.RPRN

    def __call__(self, opnum: int, **values) -> dict:
        method = self.table[opnum]
        stub = method.encode_request(values)
        reply = ndrcall.call(self.surface, self.session, self.interface, opnum, stub)
        return method.decode_response(reply)

    def open(self, name="P1", access=USE) -> bytes:
        if self.interface is PAR:
            r = self(0, pPrinterName=name, pDevModeContainer=NO_DEVMODE, AccessRequired=access,
                     pClientInfo=CLIENT_INFO)  # fmt: skip
        else:
            r = self(69, pPrinterName=name, pDevModeContainer=NO_DEVMODE, AccessRequired=access,
                     pClientInfo=CLIENT_INFO)  # fmt: skip
        assert r["return"] == 0, r
        return r["pHandle"]


# Opnums of the same methods in each interface.
OPS = {
    PAR: {"start": 10, "page": 11, "write": 12, "endpage": 13, "enddoc": 14, "enumjobs": 4,
          "close": 20, "enumprinters": 38, "getprinter": 9},
    RPRN: {"start": 17, "page": 18, "write": 19, "endpage": 20, "enddoc": 23, "enumjobs": 4,
           "close": 29, "enumprinters": 0, "getprinter": 8},
}  # fmt: skip


@pytest.mark.parametrize("interface", [PAR, RPRN])
def test_print_a_document_end_to_end(estate, interface):
    w, op = Wire(estate, estate.alice, interface), OPS[interface]
    h = w.open()
    doc = {"Level": 1, "DocInfo": {"pDocName": "report", "pDatatype": "RAW"}}
    r = w(op["start"], hPrinter=h, pDocInfoContainer=doc)
    assert r["return"] == 0
    job_id = r["pJobId"]
    assert w(op["page"], hPrinter=h)["return"] == 0
    payload = b"\x1b%-12345X@PJL\r\n" + bytes(range(256)) * 64
    r = w(op["write"], hPrinter=h, pBuf=payload, cbBuf=len(payload))
    assert (r["return"], r["pcWritten"]) == (0, len(payload))
    assert w(op["endpage"], hPrinter=h)["return"] == 0
    assert w(op["enddoc"], hPrinter=h)["return"] == 0
    assert estate.server.jobs[job_id].data == payload

    # EnumJobs: first with no buffer to learn the size, then with exactly that size.
    r = w(op["enumjobs"], hPrinter=h, FirstJob=0, NoJobs=10, Level=2, pJob=None, cbBuf=0)
    assert (r["return"], r["pJob"], r["pcReturned"]) == (E.ERROR_INSUFFICIENT_BUFFER, None, 0)
    need = r["pcbNeeded"]
    r = w(op["enumjobs"], hPrinter=h, FirstJob=0, NoJobs=10, Level=2, pJob=bytes(need),
          cbBuf=need)  # fmt: skip
    assert (r["return"], r["pcReturned"], len(r["pJob"])) == (0, 1, need)
    (job,) = unpack(LAYOUTS[("JOB_INFO", 2)], r["pJob"], 1)
    assert (job["JobId"], job["pDocument"], job["pUserName"]) == (job_id, "report", "alice")
    assert job["pMachineName"] == estate.server.jobs[job_id].machine

    r = w(op["close"], phPrinter=h)
    assert (r["return"], r["phPrinter"]) == (0, bytes(20))
    # The handle is stale now: every use of it is ERROR_INVALID_HANDLE, and it comes back as sent.
    assert w(op["start"], hPrinter=h, pDocInfoContainer=doc) == {"pJobId": 0, "return": 6}
    assert w(op["close"], phPrinter=h) == {"phPrinter": h, "return": E.ERROR_INVALID_HANDLE}


@pytest.mark.parametrize("interface", [PAR, RPRN])
@pytest.mark.parametrize("level", [1, 2])
def test_enum_printers_buffer_contract(estate, interface, level):
    w = Wire(estate, estate.alice, interface)
    op = OPS[interface]["enumprinters"]
    query = {"Flags": 2, "Name": None, "Level": level}  # PRINTER_ENUM_LOCAL
    r = w(op, **query, pPrinterEnum=None, cbBuf=0)
    assert r["return"] == E.ERROR_INSUFFICIENT_BUFFER
    assert r["pPrinterEnum"] is None and r["pcReturned"] == 0
    need = r["pcbNeeded"]
    assert need > 0
    # A buffer one octet short: still too small, and the array comes back exactly cbBuf long.
    r = w(op, **query, pPrinterEnum=bytes(need - 1), cbBuf=need - 1)
    assert r["return"] == E.ERROR_INSUFFICIENT_BUFFER
    assert r["pPrinterEnum"] == bytes(need - 1) and r["pcbNeeded"] == need
    r = w(op, **query, pPrinterEnum=bytes(need), cbBuf=need)
    assert (r["return"], r["pcReturned"], r["pcbNeeded"]) == (0, 1, need)
    (rec,) = unpack(LAYOUTS[("PRINTER_INFO", level)], r["pPrinterEnum"], 1)
    assert (rec["pName"] if level == 1 else rec["pPrinterName"]).endswith("P1")
    # A larger buffer: the data, zero-padded to cbBuf.
    r = w(op, **query, pPrinterEnum=bytes(need + 13), cbBuf=need + 13)
    assert r["return"] == 0 and len(r["pPrinterEnum"]) == need + 13
    assert r["pPrinterEnum"].endswith(bytes(13))


def test_get_printer_out_buffer_is_null_or_exactly_cbbuf(estate):
    w = Wire(estate, estate.alice, PAR)
    h = w.open()
    r = w(9, hPrinter=h, Level=2, pPrinter=None, cbBuf=0)
    assert (r["return"], r["pPrinter"]) == (E.ERROR_INSUFFICIENT_BUFFER, None)
    r = w(9, hPrinter=h, Level=2, pPrinter=b"", cbBuf=0)
    assert (r["return"], r["pPrinter"]) == (E.ERROR_INSUFFICIENT_BUFFER, b"")
    # The request's array need not be cbBuf long ([disable_consistency_check]); the reply's is.
    r = w(9, hPrinter=h, Level=2, pPrinter=b"", cbBuf=r["pcbNeeded"] + 3)
    assert r["return"] == 0 and len(r["pPrinter"]) == r["pcbNeeded"] + 3


def test_out_arrays_are_bounded(estate):
    w = Wire(estate, estate.alice, PAR)
    h = w.open()
    stub = ws.PAR[9].encode_request(
        {"hPrinter": h, "Level": 2, "pPrinter": b"", "cbBuf": 0xFFFFFFFF}
    )
    with pytest.raises(NdrError, match=r"RpcAsyncGetPrinter\.pPrinter: cbBuf asks for a"):
        ndrcall.decode_call(PAR, 9, stub)
    # A NULL buffer asks for nothing back: the surface answers.
    r = w(9, hPrinter=h, Level=2, pPrinter=None, cbBuf=0xFFFFFFFF)
    assert r["return"] == 0 and r["pPrinter"] is None
    stub = ws.PAR[68].encode_request({"hPrinter": h, "cbBuf": 0x7FFFFFFF})
    with pytest.raises(NdrError, match=r"RpcAsyncReadPrinter\.pBuf"):
        ndrcall.decode_call(PAR, 68, stub)


def test_client_side_helpers(estate):
    h = Wire(estate, estate.alice, PAR).open()
    stub = ndrcall.encode_request(PAR, 9, h, 2, cbBuf=0)
    assert stub == ws.PAR[9].encode_request({"hPrinter": h, "Level": 2, "cbBuf": 0})
    reply = ndrcall.call(estate.surface, estate.alice.session, PAR, 9, stub)
    out = ndrcall.decode_response(PAR, 9, reply)
    assert out["return"] == E.ERROR_INSUFFICIENT_BUFFER and out["pPrinter"] is None


def test_unknown_opnums(estate):
    for interface, opnum in [(PAR, 75), (RPRN, 65), (RPRN, 37), (RPRN, 39), (RPRN, 28)]:
        with pytest.raises(UnknownOpnum) as err:
            ndrcall.decode_call(interface, opnum, b"")
        assert err.value.opnum == opnum


def test_malformed_stub_is_ndr_error(estate):
    with pytest.raises(NdrError, match=r"^RpcAsyncStartDocPrinter\.hPrinter: context handle"):
        ndrcall.call(estate.surface, estate.alice.session, PAR, 10, b"\0" * 7)


def test_reachable_methods():
    par = ndrcall.reachable(PAR)
    assert [(o, n) for o, n, _ in par] == [(o, m.name) for o, m in sorted(METHODS.items())]
    assert all(wire == surface for _, wire, surface in par)
    rprn = {o: (n, s) for o, n, s in ndrcall.reachable(RPRN)}
    assert rprn[1] == ("RpcOpenPrinter", "RpcAsyncOpenPrinter")
    assert rprn[9] == ("RpcAddPrinterDriver", "RpcAsyncAddPrinterDriver")
    assert rprn[11] == ("RpcGetPrinterDriver", "RpcAsyncGetPrinterDriver")
    if not FACTS.exists():
        pytest.skip(f"{FACTS} is not beside the checkout")
    # Every counterpart of the fact sheet's section 2 table is reachable and maps back.
    for line in FACTS.read_text().splitlines():
        m = re.match(r"\| \d+ \| (Rpc\w+) \| \w+ \| (Rpc\w+) \| (\d+) \|", line)
        if m:
            assert rprn[int(m[3])] == (m[2], m[1])


def test_rprn_add_printer_driver_means_copy_new_files(estate):
    driver = {
        "cVersion": 3,
        "pName": "Wire Driver",
        "pEnvironment": "Windows x64",
        "pDriverPath": "w.dll",
        "pDataFile": "w.gpd",
        "pConfigFile": "wui.dll",
        "pDependentFiles": "w1.ini\0w2.ini\0\0",
        "cchDependentFiles": 15,
    }
    stub = ws.RPRN[9].encode_request(
        {"pName": None, "pDriverContainer": {"Level": 3, "DriverInfo": driver}}
    )
    decoded = ndrcall.decode_call(RPRN, 9, stub)
    assert decoded.method == "RpcAsyncAddPrinterDriver" and decoded.args[2] == 8
    assert decoded.handles == ()
    container = decoded.args[1]
    assert container.Level == 3
    assert container.info["pDependentFiles"] == ("w1.ini", "w2.ini")
    reply = estate.surface.invoke(estate.admin.session, decoded.method, *decoded.args)
    assert ndrcall.encode_reply(decoded, reply) == struct.pack("<I", 0)
    (added,) = estate.server.drivers.named("Wire Driver")
    assert added.dependent_files == ("w1.ini", "w2.ini")


def test_forms_travel_flattened(estate):
    w = Wire(estate, estate.admin, PAR)
    hs = w.open(None, int(Access.SERVER_ACCESS_ADMINISTER))
    form = {
        "Flags": 0,
        "pName": "Card",
        "Size": {"cx": 50000, "cy": 80000},
        "ImageableArea": {"left": 1, "top": 2, "right": 49999, "bottom": 79998},
    }
    container = {"Level": 1, "FormInfo": form}
    assert w(21, hPrinter=hs, pFormInfoContainer=container)["return"] == 0
    r = w(23, hPrinter=hs, pFormName="Card", Level=1, pForm=None, cbBuf=0)
    need = r["pcbNeeded"]
    r = w(23, hPrinter=hs, pFormName="Card", Level=1, pForm=bytes(need), cbBuf=need)
    (rec,) = unpack(LAYOUTS[("FORM_INFO", 1)], r["pForm"], 1)
    assert (rec["Size_cx"], rec["Size_cy"], rec["ImageableArea_bottom"]) == (50000, 80000, 79998)
    assert w(22, hPrinter=hs, pFormName="Card")["return"] == 0


def test_set_printer_and_set_job(estate):
    w = Wire(estate, estate.admin, RPRN)
    h = w.open(access=int(Access.PRINTER_ALL_ACCESS))
    info = {"pPrinterName": "P1", "pPortName": "LPT1:", "pDriverName": "Generic / Text Only",
            "pPrintProcessor": "winprint", "pComment": "by wire", "pDatatype": "RAW",
            "Attributes": 0x48, "pDevMode": 0x1234, "pSecurityDescriptor": 0x5678}  # fmt: skip
    r = w(7, hPrinter=h, pPrinterContainer={"Level": 2, "PrinterInfo": info},
          pDevModeContainer=NO_DEVMODE, pSecurityContainer={}, Command=0)  # fmt: skip
    assert r["return"] == 0
    printer = estate.server.printers["p1"]
    assert printer.comment == "by wire" and printer.devmode is None
    # Level 0 with a NULL info pointer and a command (pause).
    r = w(7, hPrinter=h, pPrinterContainer={"Level": 0, "PrinterInfo": None},
          pDevModeContainer=NO_DEVMODE, pSecurityContainer={}, Command=1)  # fmt: skip
    assert r["return"] == 0 and printer.status & PrinterStatus.PAUSED
    job_id = estate.print_job(estate.alice)
    r = w(2, hPrinter=h, JobId=job_id, pJobContainer={"Level": 1, "JobInfo": {"Priority": 7}},
          Command=0)  # fmt: skip
    assert r["return"] == 0 and estate.server.jobs[job_id].priority == 7
    r = w(2, hPrinter=h, JobId=job_id, pJobContainer=None, Command=3)  # JOB_CONTROL_CANCEL
    assert r["return"] == 0
    assert estate.server.jobs.get(job_id) is None or estate.server.jobs[job_id].status & (
        JobStatus.DELETING | JobStatus.DELETED
    )


def test_printer_data_arrays(estate):
    w = Wire(estate, estate.admin, PAR)
    h = w.open(access=int(Access.PRINTER_ALL_ACCESS))
    r = w(19, hPrinter=h, pKeyName="PrinterDriverData", pValueName="Color", Type=4,
          pData=struct.pack("<I", 1), cbData=4)  # fmt: skip
    assert r["return"] == 0
    r = w(17, hPrinter=h, pKeyName="PrinterDriverData", pValueName="Color", nSize=2)
    assert r == {"pType": 4, "pData": bytes(2), "pcbNeeded": 4, "return": E.ERROR_MORE_DATA}
    r = w(17, hPrinter=h, pKeyName="PrinterDriverData", pValueName="Color", nSize=6)
    assert r == {"pType": 4, "pData": struct.pack("<I", 1) + bytes(2), "pcbNeeded": 4, "return": 0}
    # EnumPrinterData: pValueName is exactly cbValueName/2 characters, pData cbData octets.
    r = w(27, hPrinter=h, dwIndex=0, cbValueName=21, cbData=5)
    assert r["return"] == 0
    assert r["pValueName"] == "Color" + "\0" * 5 and r["pcbValueName"] == 12
    assert r["pData"] == struct.pack("<I", 1) + b"\0" and (r["pType"], r["pcbData"]) == (4, 4)
    # EnumPrinterKey: a multisz of subkeys in cbSubkey/2 characters.
    w(19, hPrinter=h, pKeyName="PrinterDriverData\\Sub", pValueName="v", Type=1,
      pData=b"x\0", cbData=2)  # fmt: skip
    r = w(29, hPrinter=h, pKeyName="PrinterDriverData", cbSubkey=16)
    assert (r["return"], r["pSubkey"], r["pcbSubkey"]) == (0, "Sub\0\0\0\0\0", 10)
    r = w(28, hPrinter=h, pKeyName="PrinterDriverData", cbEnumValues=0)
    assert (r["return"], r["pEnumValues"], r["pnEnumValues"]) == (E.ERROR_MORE_DATA, b"", 0)
    assert w(31, hPrinter=h, pKeyName="PrinterDriverData", pValueName="Color")["return"] == 0


def test_ports_and_monitors(estate):
    w = Wire(estate, estate.admin, RPRN)
    port = {"Level": 1, "PortInfo": {"pPortName": "IP_10.1.1.1"}}
    r = w(61, pName=None, pPortContainer=port, pPortVarContainer={"cbMonitorData": 0},
          pMonitorName="Standard TCP/IP Port")  # fmt: skip
    assert r["return"] == 0 and "ip_10.1.1.1" in estate.server.ports
    status = {"Level": 3, "PortInfo": {"dwStatus": 3, "pszStatus": "paper out", "dwSeverity": 1}}
    assert w(71, pName=None, pPortName="IP_10.1.1.1", pPortContainer=status)["return"] == 0
    assert estate.server.ports["ip_10.1.1.1"].status_text == "paper out"
    monitor = {"Level": 2, "MonitorInfo": {"pName": "LPR Port", "pEnvironment": "Windows x64",
                                           "pDLLName": "lprmon.dll"}}  # fmt: skip
    assert w(46, Name=None, pMonitorContainer=monitor)["return"] == 0
    r = w(36, pName=None, Level=1, pMonitor=None, cbBuf=0)
    r = w(36, pName=None, Level=1, pMonitor=bytes(r["pcbNeeded"]), cbBuf=r["pcbNeeded"])
    names = [m["pName"] for m in unpack(LAYOUTS[("MONITOR_INFO", 1)], r["pMonitor"], 3)]
    assert "LPR Port" in names and r["pcReturned"] == 3
    assert w(47, Name=None, pEnvironment=None, pMonitorName="LPR Port")["return"] == 0


@pytest.mark.parametrize("interface", [PAR, RPRN])
def test_driver_and_processor_directories(estate, interface):
    w = Wire(estate, estate.alice, interface)
    op = 41 if interface is PAR else 12
    r = w(op, pName=None, pEnvironment="Windows x64", Level=1, pDriverDirectory=None, cbBuf=0)
    need = r["pcbNeeded"]
    r = w(op, pName=None, pEnvironment="Windows x64", Level=1, pDriverDirectory=bytes(need),
          cbBuf=need)  # fmt: skip
    assert r["pDriverDirectory"].decode("utf-16-le").rstrip("\0").endswith("\\DRIVERS\\x64")


# -- notifications (MS-PAR 58-61) -----------------------------------------------------------------


def _register(w, h, flt):
    r = w(58, hPrinter=h, pNotifyFilter=ndrcall.collection_to_wire(flt))
    assert r["return"] == 0, r
    return r["phRpcHandle"]


def _poll(w, nh):
    r = w(61, hRpcHandle=nh)
    if r["ppNotifyData"] is None:
        return r["return"], None
    return r["return"], reply_values(ndrcall.collection_from_wire(r["ppNotifyData"]))


def test_notifications_over_the_wire(estate):
    w = Wire(estate, estate.alice, PAR)
    h = w.open()
    flt = notify_filter(
        PRINTER_CHANGE_ALL_2, printer_fields=[0x05, 0x0C], job_fields=[0x0A, 0x0D, 0x10]
    )
    nh = _register(w, h, flt)
    assert _poll(w, nh) == (E_PENDING, None)
    job_id = estate.print_job(estate.alice)
    status, (flags, info, color) = _poll(w, nh)
    assert status == 0 and flags & Change.ADD_JOB and color == 0
    mine = {d.Field: d.Data for d in info.aData if d.Type == 1 and d.Id == job_id}
    assert mine[0x0D] == "doc"
    submitted = mine[0x10]
    assert len(submitted) == 8 and submitted[0] >= 1601
    # A refresh carries every watched value: the printer's comment (a string) and its security
    # descriptor (bytes), with the filter's colour.
    r = w(60, hRpcHandle=nh, pNotifyFilter=ndrcall.collection_to_wire(notify_filter(1, color=7)))
    assert r["return"] == 0
    flags, info, color = reply_values(ndrcall.collection_from_wire(r["ppNotifyData"]))
    printer = {d.Field: d.Data for d in info.aData if d.Type == 0}
    assert color == 7 and printer[0x05] == "" and printer[0x0C][:2] == b"\x01\x00"
    r = w(59, phRpcHandle=nh)
    assert r == {"phRpcHandle": bytes(20), "return": 0}
    assert _poll(w, nh)[0] == 0x80070006  # HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE)


def test_notification_filter_decodes_to_the_surface_shape(estate):
    flt = notify_filter(0x100, printer_fields=[1, 2], job_fields=[0x0A], color=3)
    w = Wire(estate, estate.alice, PAR)
    h = w.open()
    stub = ws.PAR[58].encode_request(
        {"hPrinter": h, "pNotifyFilter": ndrcall.collection_to_wire(flt)}
    )
    decoded = ndrcall.decode_call(PAR, 58, stub)
    assert decoded.args == (h, flt) and decoded.handles == (h,)


def test_int32_properties_carry_dword_bits(estate):
    """PRINTER_CHANGE_TIMEOUT (0x80000000) is a DWORD flag in a LONG property: same 32 bits."""
    flt = notify_filter(0x80000100, color=0xFFFFFFFF)
    wire = ndrcall.collection_to_wire(flt)
    assert wire["propertiesCollection"][0]["propertyValue"]["value"] == -0x7FFFFF00
    stub = ws.PAR[58].encode_request({"hPrinter": bytes(20), "pNotifyFilter": wire})
    decoded = ndrcall.decode_call(PAR, 58, stub)
    assert decoded.args[1] == flt


async def test_get_remote_notifications_long_poll(estate):
    w = Wire(estate, estate.alice, PAR)
    nh = _register(w, w.open(), notify_filter(Change.ADD_JOB, job_fields=[0x0D]))
    decoded = ndrcall.decode_call(PAR, 61, ws.PAR[61].encode_request({"hRpcHandle": nh}))
    assert decoded.handles == (nh,)
    replies = []

    async def poll():
        reply = await get_remote_notifications(estate.surface, w.session, decoded.handles[0])
        replies.append(ws.PAR[61].decode_response(ndrcall.encode_reply(decoded, reply)))

    async with trio.open_nursery() as nursery:
        nursery.start_soon(poll)
        await trio.testing.wait_all_tasks_blocked()
        assert replies == []
        job_id = estate.print_job(estate.alice)
    (r,) = replies
    flags, info, _ = reply_values(ndrcall.collection_from_wire(r["ppNotifyData"]))
    assert r["return"] == 0 and flags & Change.ADD_JOB
    assert [(d.Id, d.Field, d.Data) for d in info.aData] == [(job_id, 0x0D, "doc")]


# -- the rest of MS-PAR ---------------------------------------------------------------------------


def test_job_named_properties(estate):
    w = Wire(estate, estate.alice, PAR)
    h = w.open()
    job_id = estate.print_job(estate.alice)
    prop = {"propertyName": "Color", "propertyValue": {"ePropertyType": 5,
            "value": {"cbBuf": 3, "pBuf": b"RGB"}}}  # fmt: skip
    decoded = ndrcall.decode_call(
        PAR, 71, ws.PAR[71].encode_request({"hPrinter": h, "JobId": job_id, "pProperty": prop})
    )
    assert decoded.args[2] == PrintNamedProperty(
        "Color", ndrcall.job_property_from_wire(prop["propertyValue"])
    )
    assert job_id in estate.server.jobs  # nothing prints in this estate: the job stays queued
    assert w(71, hPrinter=h, JobId=job_id, pProperty=prop)["return"] == 0
    r = w(70, hPrinter=h, JobId=job_id, pszName="color")
    assert r == {"pValue": prop["propertyValue"], "return": 0}
    r = w(73, hPrinter=h, JobId=job_id)
    assert r == {"pcProperties": 1, "ppProperties": (prop,), "return": 0}
    assert w(72, hPrinter=h, JobId=job_id, pszName="Color")["return"] == 0
    r = w(70, hPrinter=h, JobId=job_id, pszName="Color")
    assert r == {"pValue": {"ePropertyType": 2, "value": 0}, "return": E.ERROR_NOT_FOUND}
    assert w(73, hPrinter=h, JobId=job_id) == {"pcProperties": 0, "ppProperties": None, "return": 0}


def test_branch_office_log(estate):
    w = Wire(estate, estate.alice, RPRN)
    h = w.open()
    entries = (
        {"eEventType": 1, "JobId": 9, "JobInfo": {"Status": 0, "pDocumentName": "d",
         "pUserName": "alice", "pMachineName": "WS1", "pPrinterName": "P1", "pPortName": "IP",
         "Size": 1 << 40, "TotalPages": 3}},
        {"eEventType": 5, "JobId": 0, "JobInfo": {"pMachineName": "WS1"}},
    )  # fmt: skip
    container = {"cJobDataEntries": 2, "JobData": entries}
    stub = ws.RPRN[116].encode_request({"hPrinter": h, "pBranchOfficeJobDataContainer": container})
    decoded = ndrcall.decode_call(RPRN, 116, stub)
    box = decoded.args[1]
    assert isinstance(box, BranchOfficeJobDataContainer) and box.cJobDataEntries == 2
    assert box.JobData[0].JobInfo.Size == 1 << 40
    reply = estate.surface.invoke(w.session, decoded.method, *decoded.args)
    assert reply.status == 0
    logged = [dict(e.data) for e in estate.server.log if e.kind == "branch.logged"]
    assert [(d["event_type"], d["job_id"]) for d in logged] == [(1, 9), (5, 0)]


def test_printer_ic(estate):
    w = Wire(estate, estate.alice, PAR)
    h = w.open()
    r = w(35, hPrinter=h, pDevModeContainer=NO_DEVMODE)
    assert r["return"] == 0
    ic = r["pHandle"]
    r = w(36, hPrinterIC=ic, pIn=b"", cIn=0, cOut=12, ul=0)
    assert r == {"pOut": bytes(12), "return": 0}
    r = w(36, hPrinterIC=ic, pIn=b"", cIn=0, cOut=2, ul=0)
    assert r == {"pOut": bytes(2), "return": E.ERROR_NOT_ENOUGH_MEMORY}
    assert w(37, phPrinterIC=ic) == {"phPrinterIC": bytes(20), "return": 0}
    assert w(37, phPrinterIC=ic) == {"phPrinterIC": ic, "return": E.ERROR_INVALID_HANDLE}


def test_xcv_data(estate):
    w = Wire(estate, estate.admin, PAR)
    hx = w.open(",XcvMonitor Local Port", int(Access.SERVER_ACCESS_ADMINISTER))
    name = "LPT1:\0".encode("utf-16-le")
    r = w(33, hXcv=hx, pszDataName="PortExists", pInputData=name, cbInputData=len(name),
          cbOutputData=8, pdwStatus=0xDEAD)  # fmt: skip
    assert r == {"pOutputData": struct.pack("<I", 1) + bytes(4), "pcbOutputNeeded": 4,
                 "pdwStatus": 0, "return": 0}  # fmt: skip
    stale = bytes(20)
    r = w(33, hXcv=stale, pszDataName="PortExists", pInputData=name, cbInputData=len(name),
          cbOutputData=8, pdwStatus=0xDEAD)  # fmt: skip
    assert r == {"pOutputData": bytes(8), "pcbOutputNeeded": 0, "pdwStatus": 0xDEAD,
                 "return": E.ERROR_INVALID_HANDLE}  # fmt: skip


def test_per_machine_connections(estate):
    w = Wire(estate, estate.admin, RPRN)
    r = w(85, pServer=None, pPrinterName="\\\\OTHER\\Laser", pPrintServer="\\\\OTHER",
          pProvider="win32spl.dll")  # fmt: skip
    assert r["return"] == 0
    r = w(87, pServer=None, pPrinterEnum=None, cbBuf=0)
    r = w(87, pServer=None, pPrinterEnum=bytes(r["pcbNeeded"]), cbBuf=r["pcbNeeded"])
    (rec,) = unpack(LAYOUTS[("PRINTER_INFO", 4)], r["pPrinterEnum"], r["pcReturned"])
    assert rec["pPrinterName"] == "\\\\OTHER\\Laser"
    assert w(86, pServer=None, pPrinterName="\\\\OTHER\\Laser")["return"] == 0


def test_packages_failures_keep_the_array_sizes(estate):
    w = Wire(estate, estate.alice, PAR)
    guid = "{00000000-0000-0000-0000-0000000000AA}"
    r = w(64, pszServer=None, pszEnvironment="Windows x64", cchCoreDrivers=len(guid) + 2,
          pszzCoreDriverDependencies=guid + "\0\0", cCorePrinterDrivers=1)  # fmt: skip
    assert r["return"] == 0x80070490  # HRESULT_FROM_WIN32(ERROR_NOT_FOUND)
    assert r["pCorePrinterDrivers"] == (
        {"CoreDriverGUID": uuid.UUID(int=0), "ftDriverDate": 0, "dwlDriverVersion": 0,
         "szPackageID": ""},
    )  # fmt: skip
    r = w(65, pszServer=None, pszEnvironment="Windows x64", CoreDriverGUID=uuid.UUID(guid),
          ftDriverDate=0, dwlDriverVersion=0)  # fmt: skip
    assert r == {"pbDriverInstalled": 0, "return": 0}
    r = w(66, pszServer=None, pszEnvironment="Windows x64", pszLanguage=None,
          pszPackageID=guid, pszDriverPackageCab="", cchDriverPackageCab=4)  # fmt: skip
    assert r["return"] != 0 and r["pszDriverPackageCab"] == "\0" * 4


def test_bidi_without_a_bidi_port(estate):
    w = Wire(estate, estate.alice, PAR)
    h = w.open()
    request = {"Version": 1, "Flags": 0, "Count": 1, "aData": (
        {"dwReqNumber": 0, "pSchema": "\\Printer.Status.Summary:State",
         "data": {"dwBidiType": 0, "u": 0}},)}  # fmt: skip
    decoded = ndrcall.decode_call(
        PAR, 34, ws.PAR[34].encode_request({"hPrinter": h, "pAction": "Get", "pReqData": request})
    )
    assert decoded.args[2][0].pSchema == "\\Printer.Status.Summary:State"
    r = w(34, hPrinter=h, pAction="Get", pReqData=request)
    assert r == {"ppRespData": None, "return": E.ERROR_NOT_SUPPORTED}


def test_devmode_and_security_containers_become_what_the_surface_takes(estate):
    stub = ws.PAR[1].encode_request(
        {
            "pName": None,
            "pPrinterContainer": {"Level": 2, "PrinterInfo": {"pPrinterName": "X"}},
            "pDevModeContainer": {"cbBuf": 3, "pDevMode": b"abc"},
            "pSecurityContainer": {"cbBuf": 2, "pSecurity": b"\x01\x00"},
            "pClientInfo": CLIENT_INFO,
        }
    )
    decoded = ndrcall.decode_call(PAR, 1, stub)
    name, printer, devmode, security, client = decoded.args
    assert name is None and printer.Level == 2 and printer.info["pPrinterName"] == "X"
    assert "pDevMode" not in printer.info and "pSecurityDescriptor" not in printer.info
    assert devmode == Container(0, {"pDevMode": b"abc", "cbBuf": 3})
    assert security == b"\x01\x00"
    assert client.Level == 1 and client.info["pUserName"] == "alice"


# -- properties -----------------------------------------------------------------------------------

_FIELD_IDS = st.lists(st.integers(0, 0x17), max_size=4, unique=True)


@given(
    st.integers(0, 2**32 - 1),
    _FIELD_IDS,
    _FIELD_IDS,
    st.sampled_from([0, 0x10000, 0x20000]),
    st.integers(0, 2**32 - 1),
)
def test_notify_filters_round_trip(flags, printer_fields, job_fields, category, color):
    flt = notify_filter(
        flags,
        printer_fields=printer_fields,
        job_fields=job_fields,
        category=category,
        color=color,
    )
    coll = t.RpcPrintPropertiesCollection
    data = encode([("c", coll)], {"c": ndrcall.collection_to_wire(flt)}, "M")
    assert ndrcall.collection_from_wire(decode([("c", coll)], data, "M")["c"]) == flt


_NOTIFY_DATA = st.one_of(
    st.builds(NotifyData, st.integers(0, 1), st.integers(0, 0x1B), st.just(1),
              st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
    st.builds(NotifyData, st.integers(0, 1), st.integers(0, 0x1B), st.just(2),
              st.integers(0, 2**32 - 1), st.text(st.characters(blacklist_characters="\0",
                                                               blacklist_categories=("Cs",)))),
    st.builds(NotifyData, st.just(1), st.just(0x10), st.just(4), st.integers(0, 2**32 - 1),
              st.tuples(*[st.integers(0, 2**16 - 1)] * 8)),
    st.builds(NotifyData, st.integers(0, 1), st.sampled_from([7, 9, 12]), st.sampled_from([3, 5]),
              st.integers(0, 2**32 - 1), st.binary(max_size=30)),
)  # fmt: skip


@given(st.lists(_NOTIFY_DATA, max_size=5), st.sampled_from([0, 1]), st.integers(0, 255))
def test_notify_replies_round_trip(data, info_flags, flags):
    info = NotifyInfo(info_flags, tuple(data))
    reply = (
        NamedProperty("RemoteNotifyData Flags", 2, flags),
        NamedProperty("RemoteNotifyData Info", 8, info),
        NamedProperty("RemoteNotifyData Color", 2, 0),
    )
    method = ws.PAR[61]
    stub = method.encode_response({"ppNotifyData": ndrcall.collection_to_wire(reply)}, 0)
    back = ndrcall.collection_from_wire(method.decode_response(stub)["ppNotifyData"])
    assert back == reply


@settings(max_examples=300)
@given(
    st.sampled_from([(i, o) for i in (PAR, RPRN) for o in (ws.PAR if i is PAR else ws.RPRN)]),
    st.binary(max_size=200),
)
def test_decode_call_raises_only_ndr_error(target, data):
    interface, opnum = target
    try:
        decoded = ndrcall.decode_call(interface, opnum, data)
    except NdrError:
        return
    assert decoded.method in METHODS_BY_NAME


def test_a_megabyte_write_printer_through_the_adaptor(estate):
    w = Wire(estate, estate.alice, RPRN)
    h = w.open()
    assert w(17, hPrinter=h, pDocInfoContainer={"Level": 1, "DocInfo": {}})["return"] == 0
    payload = bytes(range(256)) * 4096
    stub = ws.RPRN[19].encode_request({"hPrinter": h, "pBuf": payload, "cbBuf": len(payload)})
    decoded = ndrcall.decode_call(RPRN, 19, stub)
    assert decoded.args == (h, payload, 1 << 20)
    reply = estate.surface.invoke(w.session, decoded.method, *decoded.args)
    assert ws.RPRN[19].decode_response(ndrcall.encode_reply(decoded, reply)) == {
        "pcWritten": 1 << 20,
        "return": 0,
    }
