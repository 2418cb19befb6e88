"""The winspool method tables against impacket's NDR classes, hand-computed golden bytes, and
round trips over every method of both interfaces."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from impacket.dcerpc.v5 import par, rprn
from impacket.dcerpc.v5.dtypes import NULL

from spoolsim.wire import winspool as ws
from spoolsim.wire import winspooltypes as t
from spoolsim.wire.ndr import NdrError, decode, encode
from tests.parcalls import (
    RpcAsyncEndDocPrinter,
    RpcAsyncEndDocPrinterResponse,
    RpcAsyncEnumForms,
    RpcAsyncEnumFormsResponse,
    RpcAsyncGetPrinter,
    RpcAsyncGetPrinterResponse,
    RpcAsyncStartDocPrinter,
    RpcAsyncStartDocPrinterResponse,
    RpcAsyncWritePrinter,
    RpcAsyncWritePrinterResponse,
)
from tests.wire.test_ndr import values

HANDLE = bytes(range(20))


def _wstr(text):
    raw = (text + "\0").encode("utf-16-le")
    return struct.pack("<III", len(raw) // 2, 0, len(raw) // 2) + raw


# -- impacket-built requests, decoded here --------------------------------------------------------


def _client_info(req):
    info = req["pClientInfo"]
    info["Level"] = 1
    info["ClientInfo"]["tag"] = 1
    level1 = info["ClientInfo"]["pClientInfo1"]
    level1["dwSize"] = 28
    level1["pMachineName"] = "CLIENT\x00"
    level1["pUserName"] = "alice\x00"
    level1["dwBuildNum"] = 19045
    level1["dwMajorVersion"] = 10
    level1["dwMinorVersion"] = 0
    level1["wProcessorArchitecture"] = 9


CLIENT = {
    "Level": 1,
    "ClientInfo": {
        "dwSize": 28,
        "pMachineName": "CLIENT",
        "pUserName": "alice",
        "dwBuildNum": 19045,
        "dwMajorVersion": 10,
        "dwMinorVersion": 0,
        "wProcessorArchitecture": 9,
    },
}


@pytest.mark.parametrize(
    ("module", "cls", "method"),
    [(par, "RpcAsyncOpenPrinter", ws.PAR[0]), (rprn, "RpcOpenPrinterEx", ws.RPRN[69])],
)
def test_open_printer_ex_from_impacket(module, cls, method):
    req = getattr(module, cls)()
    req["pPrinterName"] = "\\\\SRV\\Laser\x00"
    req["pDatatype"] = "RAW\x00"
    req["pDevModeContainer"]["pDevMode"] = NULL
    req["AccessRequired"] = 0x8
    _client_info(req)
    assert method.decode_request(req.getData()) == {
        "pPrinterName": "\\\\SRV\\Laser",
        "pDatatype": "RAW",
        "pDevModeContainer": {"cbBuf": 0, "pDevMode": None},
        "AccessRequired": 8,
        "pClientInfo": CLIENT,
    }


def test_open_printer_from_impacket():
    req = rprn.RpcOpenPrinter()
    req["pPrinterName"] = NULL
    req["pDatatype"] = NULL
    req["pDevModeContainer"]["cbBuf"] = 4
    req["pDevModeContainer"]["pDevMode"] = b"\x01\x02\x03\x04"
    req["AccessRequired"] = 0x20000
    assert ws.RPRN[1].decode_request(req.getData()) == {
        "pPrinterName": None,
        "pDatatype": None,
        "pDevModeContainer": {"cbBuf": 4, "pDevMode": b"\x01\x02\x03\x04"},
        "AccessRequired": 0x20000,
    }


@pytest.mark.parametrize(
    ("module", "cls", "method", "buffer", "extra"),
    [
        (par, "RpcAsyncEnumPrinters", ws.PAR[38], "pPrinterEnum", {"Flags": 2, "Name": NULL}),
        (rprn, "RpcEnumPrinters", ws.RPRN[0], "pPrinterEnum", {"Flags": 8, "Name": "\\\\S\x00"}),
        (
            par,
            "RpcAsyncEnumPrinterDrivers",
            ws.PAR[40],
            "pDrivers",
            {"pName": NULL, "pEnvironment": "Windows x64\x00"},
        ),
        (
            rprn,
            "RpcEnumPrinterDrivers",
            ws.RPRN[10],
            "pDrivers",
            {"pName": "\\\\S\x00", "pEnvironment": NULL},
        ),
        (
            par,
            "RpcAsyncGetPrinterDriverDirectory",
            ws.PAR[41],
            "pDriverDirectory",
            {"pName": NULL, "pEnvironment": "Windows x64\x00"},
        ),
        (
            rprn,
            "RpcGetPrinterDriverDirectory",
            ws.RPRN[12],
            "pDriverDirectory",
            {"pName": NULL, "pEnvironment": NULL},
        ),
    ],
)
@pytest.mark.parametrize("cb", [0, 7])
def test_buffered_requests_from_impacket(module, cls, method, buffer, extra, cb):
    req = getattr(module, cls)()
    for key, value in extra.items():
        req[key] = value
    req["Level"] = 1
    req[buffer] = b"\xaa" * cb if cb else NULL
    req["cbBuf"] = cb
    got = method.decode_request(req.getData())
    wanted = {k: (v.rstrip("\x00") if isinstance(v, str) else None) for k, v in extra.items()}
    if "Flags" in extra:
        wanted["Flags"] = extra["Flags"]
    assert got == {**wanted, "Level": 1, buffer: b"\xaa" * cb if cb else None, "cbBuf": cb}


@pytest.mark.parametrize(
    ("module", "cls", "method"),
    [(par, "RpcAsyncClosePrinter", ws.PAR[20]), (rprn, "RpcClosePrinter", ws.RPRN[29])],
)
def test_close_printer_from_impacket(module, cls, method):
    req = getattr(module, cls)()
    req["phPrinter"] = HANDLE
    assert method.decode_request(req.getData()) == {"phPrinter": HANDLE}


@pytest.mark.parametrize(
    ("module", "cls", "method"),
    [(par, "RpcAsyncAddPrinterDriver", ws.PAR[39]), (rprn, "RpcAddPrinterDriverEx", ws.RPRN[89])],
)
def test_add_printer_driver_from_impacket(module, cls, method):
    req = getattr(module, cls)()
    req["pName"] = "\\\\SRV\x00"
    container = req["pDriverContainer"]
    container["Level"] = 2
    container["DriverInfo"]["tag"] = 2
    level2 = container["DriverInfo"]["Level2"]
    level2["cVersion"] = 3
    level2["pName"] = "Generic\x00"
    level2["pEnvironment"] = "Windows x64\x00"
    level2["pDriverPath"] = "C:\\unidrv.dll\x00"
    level2["pDataFile"] = "a.gpd\x00"
    level2["pConfigFile"] = "ui.dll\x00"
    req["dwFileCopyFlags"] = 0x8
    assert method.decode_request(req.getData()) == {
        "pName": "\\\\SRV",
        "pDriverContainer": {
            "Level": 2,
            "DriverInfo": {
                "cVersion": 3,
                "pName": "Generic",
                "pEnvironment": "Windows x64",
                "pDriverPath": "C:\\unidrv.dll",
                "pDataFile": "a.gpd",
                "pConfigFile": "ui.dll",
            },
        },
        "dwFileCopyFlags": 8,
    }


# -- responses encoded here, parsed by impacket ---------------------------------------------------


def _bytes(field):
    return b"".join(field) if isinstance(field, list) else bytes(field)


@pytest.mark.parametrize(
    ("response", "method"),
    [
        (par.RpcAsyncOpenPrinterResponse, ws.PAR[0]),
        (rprn.RpcOpenPrinterExResponse, ws.RPRN[69]),
        (rprn.RpcOpenPrinterResponse, ws.RPRN[1]),
        (par.RpcAsyncClosePrinterResponse, ws.PAR[20]),
        (rprn.RpcClosePrinterResponse, ws.RPRN[29]),
    ],
)
def test_handle_responses_parse_in_impacket(response, method):
    name = method.outs()[0][0]
    resp = response(method.encode_response({name: HANDLE}, 0x5))
    assert resp[name] == HANDLE
    assert resp["ErrorCode"] == 5


@pytest.mark.parametrize(
    ("response", "method", "buffer", "counted"),
    [
        (par.RpcAsyncEnumPrintersResponse, ws.PAR[38], "pPrinterEnum", True),
        (rprn.RpcEnumPrintersResponse, ws.RPRN[0], "pPrinterEnum", True),
        (par.RpcAsyncEnumPrinterDriversResponse, ws.PAR[40], "pDrivers", True),
        (rprn.RpcEnumPrinterDriversResponse, ws.RPRN[10], "pDrivers", True),
        (par.RpcAsyncGetPrinterDriverDirectoryResponse, ws.PAR[41], "pDriverDirectory", False),
        (rprn.RpcGetPrinterDriverDirectoryResponse, ws.RPRN[12], "pDriverDirectory", False),
    ],
)
@pytest.mark.parametrize("data", [None, b"", b"\x01\x02\x03\x04\x05"])
def test_buffered_responses_parse_in_impacket(response, method, buffer, counted, data):
    values = {buffer: data, "pcbNeeded": 77}
    if counted:
        values["pcReturned"] = 2
    resp = response(method.encode_response(values, 0x7A))
    if data is None:
        assert resp[buffer] == b""  # impacket's reading of a NULL pointer
    else:
        assert isinstance(resp[buffer], list) and _bytes(resp[buffer]) == data
    assert resp["pcbNeeded"] == 77
    if counted:
        assert resp["pcReturned"] == 2
    assert resp["ErrorCode"] == 0x7A


@pytest.mark.parametrize(
    ("response", "method"),
    [
        (par.RpcAsyncAddPrinterDriverResponse, ws.PAR[39]),
        (rprn.RpcAddPrinterDriverExResponse, ws.RPRN[89]),
    ],
)
def test_status_only_responses_parse_in_impacket(response, method):
    assert response(method.encode_response({}, 0x80070005))["ErrorCode"] == 0x80070005


def test_start_doc_printer_both_ways():
    req = RpcAsyncStartDocPrinter()
    req["hPrinter"] = HANDLE
    req["pDocInfoContainer"]["Level"] = 1
    req["pDocInfoContainer"]["DocInfo"]["tag"] = 1
    req["pDocInfoContainer"]["DocInfo"]["pDocInfo1"]["pDocName"] = "report.txt\x00"
    req["pDocInfoContainer"]["DocInfo"]["pDocInfo1"]["pOutputFile"] = NULL
    req["pDocInfoContainer"]["DocInfo"]["pDocInfo1"]["pDatatype"] = "RAW\x00"
    assert ws.PAR[10].decode_request(req.getData()) == {
        "hPrinter": HANDLE,
        "pDocInfoContainer": {
            "Level": 1,
            "DocInfo": {"pDocName": "report.txt", "pOutputFile": None, "pDatatype": "RAW"},
        },
    }
    resp = RpcAsyncStartDocPrinterResponse(ws.PAR[10].encode_response({"pJobId": 42}, 0))
    assert (resp["pJobId"], resp["ErrorCode"]) == (42, 0)


def test_write_printer_both_ways():
    req = RpcAsyncWritePrinter()
    req["hPrinter"] = HANDLE
    req["pBuf"] = list(b"%!PS\n")
    req["cbBuf"] = 5
    assert ws.PAR[12].decode_request(req.getData()) == {
        "hPrinter": HANDLE,
        "pBuf": b"%!PS\n",
        "cbBuf": 5,
    }
    resp = RpcAsyncWritePrinterResponse(ws.PAR[12].encode_response({"pcWritten": 5}, 0))
    assert (resp["pcWritten"], resp["ErrorCode"]) == (5, 0)


@pytest.mark.parametrize("cb", [0, 9])
def test_get_printer_both_ways(cb):
    req = RpcAsyncGetPrinter()
    req["hPrinter"] = HANDLE
    req["Level"] = 2
    req["pPrinter"] = b"\0" * cb if cb else NULL
    req["cbBuf"] = cb
    assert ws.PAR[9].decode_request(req.getData()) == {
        "hPrinter": HANDLE,
        "Level": 2,
        "pPrinter": bytes(cb) if cb else None,
        "cbBuf": cb,
    }
    data = b"abcdefghi"[:cb] if cb else None
    resp = RpcAsyncGetPrinterResponse(
        ws.PAR[9].encode_response({"pPrinter": data, "pcbNeeded": 9}, 0 if cb else 122)
    )
    assert resp["pcbNeeded"] == 9
    assert resp["ErrorCode"] == (0 if cb else 122)
    if cb:
        assert _bytes(resp["pPrinter"]) == data


def test_end_doc_printer_both_ways():
    req = RpcAsyncEndDocPrinter()
    req["hPrinter"] = HANDLE
    assert ws.PAR[14].decode_request(req.getData()) == {"hPrinter": HANDLE}
    assert RpcAsyncEndDocPrinterResponse(ws.PAR[14].encode_response({}, 0))["ErrorCode"] == 0


def test_enum_forms_both_ways():
    req = RpcAsyncEnumForms()
    req["hPrinter"] = HANDLE
    req["Level"] = 1
    req["pForm"] = b"\0" * 4
    req["cbBuf"] = 4
    assert ws.PAR[25].decode_request(req.getData())["pForm"] == bytes(4)
    out = {"pForm": b"\x10\x20\x30\x40", "pcbNeeded": 4, "pcReturned": 1}
    resp = RpcAsyncEnumFormsResponse(ws.PAR[25].encode_response(out, 0))
    assert _bytes(resp["pForm"]) == b"\x10\x20\x30\x40"
    assert (resp["pcbNeeded"], resp["pcReturned"], resp["ErrorCode"]) == (4, 1, 0)


# -- golden bytes from the IDL --------------------------------------------------------------------


def test_samba_sends_the_processor_architecture_as_32_bits():
    """spoolss_UserLevel1.processor is a 32-bit enum in Samba; the IDL's is an unsigned short."""
    stub = (
        struct.pack("<I", 0)  # pPrinterName NULL
        + struct.pack("<I", 0)  # pDatatype NULL
        + struct.pack("<II", 0, 0)  # DEVMODE_CONTAINER
        + struct.pack("<I", 8)  # AccessRequired
        + struct.pack("<II", 1, 1)  # Level, union discriminant
        + struct.pack("<I", 0x20000)  # pClientInfo1
        + struct.pack("<IIIIIII", 28, 0x20004, 0, 2600, 5, 1, 9)  # the last DWORD: processor
        + _wstr("HOST")
    )
    got = ws.RPRN[69].decode_request(stub)
    assert got["pClientInfo"]["ClientInfo"] == {
        "dwSize": 28,
        "pMachineName": "HOST",
        "pUserName": None,
        "dwBuildNum": 2600,
        "dwMajorVersion": 5,
        "dwMinorVersion": 1,
        "wProcessorArchitecture": 9,
    }


def test_notify_filter_collection_golden():
    """One Int32 property. RpcPrintNamedProperty and RpcPrintPropertyValue are 8-aligned (the
    value's union has an __int64 arm); the union's discriminant and arm align to their own
    types."""
    name = "RemoteNotifyFilter Flags"
    value = {
        "numberOfProperties": 1,
        "propertiesCollection": (
            {
                "propertyName": name,
                "propertyValue": {"ePropertyType": 2, "value": 0x100},
            },
        ),
    }
    data = encode([("c", t.RpcPrintPropertiesCollection)], {"c": value}, "M")
    expected = (
        struct.pack("<II", 1, 0x20000)  # numberOfProperties, referent of the array
        + struct.pack("<I", 1)  # max_count
        + bytes(4)  # gap to the element's 8-alignment
        + struct.pack("<I", 0x20004)  # propertyName
        + bytes(4)  # gap to RpcPrintPropertyValue's 8-alignment
        + struct.pack("<HH", 2, 2)  # ePropertyType, union discriminant
        + struct.pack("<I", 0x100)
        + _wstr(name)
    )
    assert data == expected
    assert decode([("c", t.RpcPrintPropertiesCollection)], data, "M") == {"c": value}


def test_notify_info_golden():
    info = {
        "Version": 2,
        "Flags": 0,
        "Count": 2,
        "aData": (
            {"Type": 1, "Field": 0x0A, "Reserved": 1, "Id": 5, "Data": (0x10, 0)},
            {
                "Type": 0,
                "Field": 0x05,
                "Reserved": 2,
                "Id": 1,
                "Data": {"cbBuf": 6, "pszString": "ab\0"},
            },
        ),
    }
    data = encode([("i", t.RPC_V2_NOTIFY_INFO)], {"i": info}, "M")
    expected = (
        struct.pack("<I", 2)  # the conformant structure's max_count comes first
        + struct.pack("<III", 2, 0, 2)
        + struct.pack("<HHIII", 1, 0x0A, 1, 5, 1)
        + struct.pack("<II", 0x10, 0)
        + struct.pack("<HHIII", 0, 0x05, 2, 1, 2)
        + struct.pack("<II", 6, 0x20000)
        + struct.pack("<I", 3)
        + "ab\0".encode("utf-16-le")
    )
    assert data == expected
    assert decode([("i", t.RPC_V2_NOTIFY_INFO)], data, "M") == {"i": info}


def test_port_container_switches_on_the_low_24_bits():
    value = {"Level": 0x12000001, "PortInfo": {"pPortName": "LPT9:"}}
    data = encode([("c", t.PORT_CONTAINER)], {"c": value}, "M")
    assert data[:12] == struct.pack("<III", 0x12000001, 1, 0x20000)
    assert decode([("c", t.PORT_CONTAINER)], data, "M") == {"c": value}


def test_level_and_discriminant_must_agree():
    stub = HANDLE + struct.pack("<III", 1, 2, 0)
    with pytest.raises(NdrError) as err:
        ws.PAR[10].decode_request(stub)
    assert err.value.detail == (
        "RpcAsyncStartDocPrinter.pDocInfoContainer.DocInfo: "
        "union discriminant 2 but switch_is gives 1"
    )


def test_unknown_level_has_no_arm():
    stub = HANDLE + struct.pack("<III", 2, 2, 0)
    with pytest.raises(NdrError, match="DocInfo: no union arm for discriminant 2"):
        ws.PAR[10].decode_request(stub)


def test_a_megabyte_write_printer_decodes():
    payload = bytes(1 << 20)
    stub = ws.PAR[12].encode_request({"hPrinter": HANDLE, "pBuf": payload, "cbBuf": 1 << 20})
    got = ws.PAR[12].decode_request(stub)
    assert got["pBuf"] == payload and got["cbBuf"] == 1 << 20


def test_tables():
    assert sorted(ws.PAR) == list(range(75))
    assert {m.name for m in ws.PAR.values()} == set(ws.PAR_OPNUMS.values())
    assert ws.RPRN[53].name == "RpcGetPrinterDriver2"
    assert ws.RPRN_COUNTERPART[53] == "RpcAsyncGetPrinterDriver"
    assert [p.name for p in ws.RPRN[1].params] == [
        "pPrinterName",
        "pHandle",
        "pDatatype",
        "pDevModeContainer",
        "AccessRequired",
    ]
    assert [p.name for p in ws.RPRN[11].params if p.is_out] == ["pDriver", "pcbNeeded"]
    assert [m.opnum for m in ws.PAR.values() if m.hresult] == list(range(58, 68))
    assert [m.opnum for m in ws.RPRN.values() if m.hresult] == [102, 104]
    assert not {37, 38, 39, 65, 96} & set(ws.RPRN)


# -- round trips and hostile bytes over every method ----------------------------------------------

METHODS = [*ws.PAR.values(), *ws.RPRN.values()]


@st.composite
def calls(draw, direction):
    method = draw(st.sampled_from(METHODS))
    params = method.ins() if direction == "in" else method.outs()
    value = draw(st.fixed_dictionaries({name: values(ty) for name, ty in params}))
    return method, value


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(calls("in"))
def test_every_request_round_trips(call):
    method, value = call
    assert method.decode_request(method.encode_request(value)) == value


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(calls("out"), st.integers(0, 2**32 - 1))
def test_every_response_round_trips(call, status):
    method, value = call
    assert method.decode_response(method.encode_response(value, status)) == {
        **value,
        "return": status,
    }


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(
    calls("in"),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(0, 10_000),
)
def test_mutated_requests_raise_only_ndr_error(call, flips, cut):
    method, value = call
    data = bytearray(method.encode_request(value))
    for at, byte in flips:
        if data:
            data[at % len(data)] = byte
    try:
        method.decode_request(bytes(data[: max(cut, len(data) // 2)]))
    except NdrError as err:
        assert err.detail.startswith(method.name + ".")


@settings(max_examples=300)
@given(st.sampled_from(METHODS), st.binary(max_size=300))
def test_arbitrary_requests_raise_only_ndr_error(method, data):
    try:
        method.decode_request(data)
    except NdrError:
        pass
