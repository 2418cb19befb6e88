"""RpcAsyncXcvData (opnum 33) on the Standard TCP/IP and Local Port monitors."""

from __future__ import annotations

import struct

import pytest

from spoolsim.model.constants import Access
from spoolsim.model.constants import Win32 as E
from spoolsim.model.ports import LPR, RAW, TcpConfig
from spoolsim.rpc import Container
from spoolsim.rpc.core import HandleKind, HandleState
from spoolsim.wire import portdata as pd
from tests.rpc.estate import printer_container

TCP = ",XcvMonitor Standard TCP/IP Port"
LOCAL = ",XcvMonitor Local Port"
ADMIN = Access.SERVER_ACCESS_ADMINISTER


def open_xcv(client, name=TCP):
    r = client.RpcAsyncOpenPrinter(name, None, None, ADMIN)
    assert r.status == 0, r
    return r.pHandle


def xcv(client, handle, command, data=b"", cb=0):
    """One XcvData call; the call itself must succeed, the command's verdict is pdwStatus."""
    r = client.RpcAsyncXcvData(handle, command, data, len(data), cb, 0)
    assert r.status == 0, r
    return r


def raw_port(name="IP_10.0.0.5", host="10.0.0.5", **kw) -> bytes:
    return pd.encode(pd.PortData1(name, pd.PROTOCOL_RAWTCP_TYPE, host, **kw))


def port_names(client, level):
    status, ports = client.fetch(
        "RpcAsyncEnumPorts", None, family="PORT_INFO", level=level, out="pPort"
    )
    assert status == 0
    return ports


def limited_handle(estate, client, xcv_name):
    """An Xcv handle granted only SERVER_ACCESS_ENUMERATE (OpenPrinter gives administrators
    only; the monitor must still check each command)."""
    state = HandleState(
        HandleKind.XCV, client.session.id, Access.SERVER_ACCESS_ENUMERATE, xcv=xcv_name
    )
    return estate.surface.new_handle(state)


# -- Standard TCP/IP Port ------------------------------------------------------------------------


def test_admin_adds_a_raw_port_that_enumerates_and_takes_a_printer(estate):
    a = estate.admin
    h = open_xcv(a)
    data = raw_port(snmp_enabled=True, snmp_community="campus", snmp_dev_index=3)
    r = xcv(a, h, "AddPort", data)
    assert (r.pdwStatus, r.pcbOutputNeeded, r.pOutputData) == (0, 0, b"")
    port = estate.server.ports["ip_10.0.0.5"]
    assert port.monitor == "Standard TCP/IP Port"
    assert port.tcp == TcpConfig("10.0.0.5", 9100, RAW, byte_count=False)
    assert port.config["snmp_enabled"] is True and port.config["snmp_community"] == "campus"
    assert port.config["snmp_dev_index"] == 3 and port.config["ip_address"] == ""
    assert [e.kind for e in estate.server.log if e.subject == "IP_10.0.0.5"] == ["port.added"]
    assert "IP_10.0.0.5" in [p["pPortName"] for p in port_names(a, 1)]
    info = next(p for p in port_names(a, 2) if p["pPortName"] == "IP_10.0.0.5")
    assert info["pMonitorName"] == info["pDescription"] == "Standard TCP/IP Port"
    r = a.RpcAsyncAddPrinter(None, printer_container("Net1", pPortName="IP_10.0.0.5"), None, None)
    assert r.status == 0
    assert [p.name for p in estate.server.printers_on("IP_10.0.0.5")] == ["Net1"]


def test_add_port_by_opnum_and_duplicate(estate):
    h = open_xcv(estate.admin)
    r = estate.admin.call(33, h, "AddPort", raw_port(), 964, 0, 0)
    assert (r.status, r.pdwStatus) == (0, 0)
    assert xcv(estate.admin, h, "AddPort", raw_port()).pdwStatus == E.ERROR_ALREADY_EXISTS
    assert xcv(estate.admin, h, "AddPort", raw_port("lpt1:")).pdwStatus == E.ERROR_ALREADY_EXISTS


def test_add_lpr_port_from_port_data_2(estate):
    h = open_xcv(estate.admin)
    data = pd.encode(
        pd.PortData2("LPR_q", pd.PROTOCOL_LPR_TYPE, "unix-host", double_spool=True, queue="raw")
    )
    assert xcv(estate.admin, h, "AddPort", data).pdwStatus == 0
    tcp = estate.server.ports["lpr_q"].tcp
    assert tcp == TcpConfig("unix-host", 515, LPR, queue="raw", byte_count=True)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (b"", E.ERROR_INVALID_DATA),
        (raw_port()[:500], E.ERROR_INVALID_DATA),
        (raw_port()[:128] + struct.pack("<I", 3) + raw_port()[132:], E.ERROR_INVALID_LEVEL),
        (pd.encode(pd.PortData1("X", 9, "h")), E.ERROR_INVALID_PARAMETER),  # no such protocol
        (raw_port(host=""), E.ERROR_INVALID_PARAMETER),
        (raw_port(name=""), E.ERROR_INVALID_PARAMETER),
        (raw_port(name="A,B"), E.ERROR_INVALID_PARAMETER),
        (raw_port(port_number=70000), E.ERROR_INVALID_PARAMETER),
        (pd.encode(pd.PortData1("L", pd.PROTOCOL_LPR_TYPE, "h")), E.ERROR_INVALID_PARAMETER),
    ],
)
def test_add_port_refusals_change_nothing(estate, data, status):
    before = set(estate.server.ports)
    assert xcv(estate.admin, open_xcv(estate.admin), "AddPort", data).pdwStatus == status
    assert set(estate.server.ports) == before


def test_trailing_input_after_the_structure_is_accepted(estate):
    h = open_xcv(estate.admin)
    assert xcv(estate.admin, h, "AddPort", raw_port() + bytes(36)).pdwStatus == 0


def test_config_port_changes_host_and_port_number(estate):
    a = estate.admin
    h = open_xcv(a)
    xcv(a, h, "AddPort", raw_port())
    new = raw_port(host="10.0.0.9", port_number=9101, snmp_enabled=True)
    assert xcv(a, h, "ConfigPort", new).pdwStatus == 0
    port = estate.server.ports["ip_10.0.0.5"]
    assert (port.tcp.host, port.tcp.port_number) == ("10.0.0.9", 9101)
    assert port.config["snmp_enabled"] is True
    event = [e for e in estate.server.log if e.kind == "port.configured"][-1]
    assert event.subject == "IP_10.0.0.5" and ("host", "10.0.0.9") in event.data
    ph = open_xcv(a, ",XcvPort IP_10.0.0.5")
    r = xcv(a, ph, "GetConfigInfo", pd.encode(pd.ConfigInfoData1()), 964)
    got = pd.decode_port_data(r.pOutputData)
    assert (got.host_address, got.port_number, got.snmp_enabled) == ("10.0.0.9", 9101, True)
    assert xcv(a, h, "ConfigPort", raw_port("IP_nope")).pdwStatus == E.ERROR_UNKNOWN_PORT
    assert xcv(a, h, "ConfigPort", raw_port("LPT1:")).pdwStatus == E.ERROR_UNKNOWN_PORT
    assert xcv(a, h, "ConfigPort", raw_port()[:900]).pdwStatus == E.ERROR_INVALID_DATA


def test_delete_port_refuses_a_port_in_use_and_deletes_an_unused_one(estate):
    a = estate.admin
    h = open_xcv(a)
    xcv(a, h, "AddPort", raw_port())
    xcv(a, h, "AddPort", raw_port("IP_spare", "10.0.0.6"))
    a.RpcAsyncAddPrinter(None, printer_container("Net1", pPortName="IP_10.0.0.5"), None, None)
    used = pd.encode(pd.DeletePortData1("IP_10.0.0.5"))
    assert xcv(a, h, "DeletePort", used).pdwStatus == E.ERROR_BUSY
    assert "ip_10.0.0.5" in estate.server.ports
    spare = pd.encode(pd.DeletePortData1("ip_SPARE"))  # names are case-insensitive
    assert xcv(a, h, "DeletePort", spare).pdwStatus == 0
    assert "IP_spare" not in [p["pPortName"] for p in port_names(a, 1)]
    assert [e.kind for e in estate.server.log if e.subject == "IP_spare"][-1] == "port.deleted"
    assert xcv(a, h, "DeletePort", spare).pdwStatus == E.ERROR_UNKNOWN_PORT
    lpt = pd.encode(pd.DeletePortData1("LPT2:"))  # not this monitor's port
    assert xcv(a, h, "DeletePort", lpt).pdwStatus == E.ERROR_UNKNOWN_PORT
    assert xcv(a, h, "DeletePort", used[:100]).pdwStatus == E.ERROR_INVALID_DATA
    bad_version = used[:228] + struct.pack("<II", 2, 0)
    assert xcv(a, h, "DeletePort", bad_version).pdwStatus == E.ERROR_INVALID_LEVEL


def test_a_plain_user_is_refused(estate):
    r = estate.alice.RpcAsyncOpenPrinter(TCP, None, None, ADMIN)
    assert r.status == E.ERROR_ACCESS_DENIED
    assert estate.alice.RpcAsyncOpenPrinter(TCP, None, None, 0).status == E.ERROR_ACCESS_DENIED


def test_changing_commands_need_administer_on_the_handle(estate):
    xcv(estate.admin, open_xcv(estate.admin), "AddPort", raw_port())
    a = estate.admin
    h = limited_handle(estate, a, "XcvMonitor Standard TCP/IP Port")
    assert xcv(a, h, "AddPort", raw_port("IP_x", "h")).pdwStatus == E.ERROR_ACCESS_DENIED
    assert "ip_x" not in estate.server.ports
    delete = pd.encode(pd.DeletePortData1("IP_10.0.0.5"))
    assert xcv(a, h, "DeletePort", delete).pdwStatus == E.ERROR_ACCESS_DENIED
    assert xcv(a, h, "ConfigPort", raw_port(host="h2")).pdwStatus == E.ERROR_ACCESS_DENIED
    assert estate.server.ports["ip_10.0.0.5"].tcp.host == "10.0.0.5"
    # The WDK lists MonitorUI among TCPMON's administrator commands.
    assert xcv(a, h, "MonitorUI", cb=100).pdwStatus == E.ERROR_ACCESS_DENIED
    # Reads need no more than the handle has.
    ph = limited_handle(estate, a, "XcvPort IP_10.0.0.5")
    r = xcv(a, ph, "HostAddress", cb=100)
    assert (r.pdwStatus, r.pOutputData) == (0, pd.encode_wstr("10.0.0.5"))


def test_monitor_ui_and_the_output_buffer_contract(estate):
    a = estate.admin
    h = open_xcv(a)
    expected = "tcpmonui.dll\0".encode("utf-16-le")
    r = xcv(a, h, "MonitorUI")
    assert (r.pdwStatus, r.pcbOutputNeeded, r.pOutputData) == (
        E.ERROR_INSUFFICIENT_BUFFER,
        len(expected),
        b"",
    )
    r = xcv(a, h, "MonitorUI", cb=len(expected) - 1)
    assert (r.pdwStatus, r.pOutputData) == (E.ERROR_INSUFFICIENT_BUFFER, b"")
    r = xcv(a, h, "MonitorUI", cb=len(expected))
    assert (r.pdwStatus, r.pcbOutputNeeded, r.pOutputData) == (0, 26, expected)
    r = xcv(a, h, "MonitorUI", cb=4096)
    assert r.pOutputData == expected
    local = open_xcv(a, LOCAL)
    r = xcv(a, local, "MonitorUI", cb=100)
    assert r.pOutputData == pd.encode_wstr("localui.dll")


def test_port_handle_reads(estate):
    a = estate.admin
    xcv(a, open_xcv(a), "AddPort", raw_port(ip_address="10.0.0.5", snmp_dev_index=4))
    h = open_xcv(a, ",XcvPort IP_10.0.0.5")
    assert xcv(a, h, "HostAddress", cb=64).pOutputData == pd.encode_wstr("10.0.0.5")
    assert xcv(a, h, "IPAddress", cb=64).pOutputData == pd.encode_wstr("10.0.0.5")
    assert xcv(a, h, "SNMPCommunity", cb=64).pOutputData == pd.encode_wstr("public")
    assert xcv(a, h, "SNMPDeviceIndex", cb=4).pOutputData == struct.pack("<I", 4)
    assert xcv(a, h, "SNMPEnabled", cb=4).pOutputData == struct.pack("<I", 0)
    r = xcv(a, h, "SNMPDeviceIndex", cb=3)
    assert (r.pdwStatus, r.pcbOutputNeeded) == (E.ERROR_INSUFFICIENT_BUFFER, 4)
    config_in = pd.encode(pd.ConfigInfoData1())
    r = xcv(a, h, "GetConfigInfo", config_in, 100)
    assert (r.pdwStatus, r.pcbOutputNeeded, r.pOutputData) == (
        E.ERROR_INSUFFICIENT_BUFFER,
        964,
        b"",
    )
    r = xcv(a, h, "GetConfigInfo", config_in, r.pcbOutputNeeded)
    got = pd.decode_port_data(r.pOutputData)
    assert got == pd.PortData1(
        "IP_10.0.0.5", pd.PROTOCOL_RAWTCP_TYPE, "10.0.0.5", ip_address="10.0.0.5", snmp_dev_index=4
    )
    assert xcv(a, h, "GetConfigInfo", b"", 964).pdwStatus == E.ERROR_INVALID_DATA
    assert xcv(a, h, "GetConfigInfo", bytes(132), 964).pdwStatus == E.ERROR_INVALID_LEVEL
    # The port reads need a port handle.
    mh = open_xcv(a)
    assert xcv(a, mh, "GetConfigInfo", config_in, 964).pdwStatus == E.ERROR_INVALID_PARAMETER
    assert xcv(a, mh, "HostAddress", cb=64).pdwStatus == E.ERROR_INVALID_PARAMETER


def test_get_config_info_reports_a_long_host_in_port_data_2(estate):
    a = estate.admin
    host = "h" * 100
    xcv(a, open_xcv(a), "AddPort", pd.encode(pd.PortData2("IP_long", 1, host)))
    r = xcv(a, open_xcv(a, ",XcvPort IP_long"), "GetConfigInfo", pd.encode(pd.ConfigInfoData1()))
    assert (r.pdwStatus, r.pcbOutputNeeded) == (E.ERROR_INSUFFICIENT_BUFFER, 1068)


def test_unknown_commands_are_the_monitors_verdict(estate):
    a = estate.admin
    h = open_xcv(a)
    for name in ("NoSuchCommand", "monitorui", ""):
        r = xcv(a, h, name, cb=100)
        assert (r.pdwStatus, r.pOutputData) == (E.ERROR_INVALID_PARAMETER, b"")
    assert xcv(a, open_xcv(a, LOCAL), "ConfigPort").pdwStatus == E.ERROR_INVALID_PARAMETER


def test_call_level_failures(estate):
    a = estate.admin
    h = open_xcv(a)
    assert a.RpcAsyncXcvData(h, "MonitorUI", b"", 4, 0, 0).status == E.ERROR_INVALID_PARAMETER
    assert a.RpcAsyncXcvData(h, None, b"", 0, 0, 0).status == E.ERROR_INVALID_PARAMETER
    assert a.RpcAsyncXcvData(h, "MonitorUI", None, 0, -1, 0).status == E.ERROR_INVALID_PARAMETER
    assert a.RpcAsyncXcvData(h, "MonitorUI", None, 0, 100, 0).pdwStatus == 0


def test_wrong_handle_kinds(estate):
    a = estate.admin
    server = a.RpcAsyncOpenPrinter(None, None, None, ADMIN).pHandle
    printer = estate.open(a)
    port = a.RpcAsyncOpenPrinter("LPT1:, Port", None, None, 0).pHandle
    for handle in (server, printer, port, b"junk", None):
        r = a.RpcAsyncXcvData(handle, "MonitorUI", b"", 0, 100, 0)
        assert r.status == E.ERROR_INVALID_HANDLE
    h = open_xcv(a)
    assert estate.bob.RpcAsyncXcvData(h, "MonitorUI", b"", 0, 100, 0).status == (
        E.ERROR_INVALID_HANDLE
    )


def test_a_port_handle_outlives_its_port(estate):
    a = estate.admin
    mh = open_xcv(a)
    xcv(a, mh, "AddPort", raw_port())
    ph = open_xcv(a, ",XcvPort IP_10.0.0.5")
    xcv(a, mh, "DeletePort", pd.encode(pd.DeletePortData1("IP_10.0.0.5")))
    assert a.RpcAsyncXcvData(ph, "HostAddress", b"", 0, 64, 0).status == E.ERROR_UNKNOWN_PORT


# -- Local Port ----------------------------------------------------------------------------------


def test_local_port_add_exists_delete(estate):
    a = estate.admin
    h = open_xcv(a, LOCAL)
    name = pd.encode_wstr("C:\\out\\p.prn")
    assert xcv(a, h, "PortExists", name, 4).pOutputData == struct.pack("<I", 0)
    assert xcv(a, h, "AddPort", name).pdwStatus == 0
    port = estate.server.ports["c:\\out\\p.prn"]
    assert (port.monitor, port.description, port.tcp) == ("Local Port", "Local Port", None)
    assert xcv(a, h, "PortExists", name, 4).pOutputData == struct.pack("<I", 1)
    assert xcv(a, h, "AddPort", name).pdwStatus == E.ERROR_ALREADY_EXISTS
    assert xcv(a, h, "AddPort", pd.encode_wstr("")).pdwStatus == E.ERROR_INVALID_PARAMETER
    assert xcv(a, h, "DeletePort", name).pdwStatus == 0
    assert "c:\\out\\p.prn" not in estate.server.ports
    assert xcv(a, h, "DeletePort", name).pdwStatus == E.ERROR_FILE_NOT_FOUND
    # LPT1: carries the estate's printer P1.
    assert xcv(a, h, "DeletePort", pd.encode_wstr("LPT1:")).pdwStatus == E.ERROR_BUSY
    assert xcv(a, h, "DeletePort", pd.encode_wstr("COM1:")).pdwStatus == 0
    xcv(a, open_xcv(a), "AddPort", raw_port())
    tcp_port = pd.encode_wstr("IP_10.0.0.5")  # another monitor's port
    assert xcv(a, h, "DeletePort", tcp_port).pdwStatus == E.ERROR_FILE_NOT_FOUND
    assert xcv(a, h, "PortExists", tcp_port, 4).pOutputData == struct.pack("<I", 1)
    assert xcv(a, h, "PortExists", tcp_port, 3).pdwStatus == E.ERROR_INSUFFICIENT_BUFFER


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("LPT1:", 0),
        ("COM3:", 0),
        ("FILE:", 0),
        ("C:\\temp\\out.prn", 0),
        ("\\\\host\\share\\out.prn", 0),
        ("", E.ERROR_PATH_NOT_FOUND),
        ("nonsense", E.ERROR_PATH_NOT_FOUND),
        ("C:\\temp\\", E.ERROR_INVALID_NAME),
    ],
)
def test_local_port_is_valid(estate, name, status):
    h = limited_handle(estate, estate.admin, "XcvMonitor Local Port")  # needs no administer
    assert xcv(estate.admin, h, "PortIsValid", pd.encode_wstr(name)).pdwStatus == status


def test_local_port_changes_need_administer(estate):
    a = estate.admin
    h = limited_handle(estate, a, "XcvMonitor Local Port")
    assert xcv(a, h, "AddPort", pd.encode_wstr("LPT7:")).pdwStatus == E.ERROR_ACCESS_DENIED
    assert xcv(a, h, "DeletePort", pd.encode_wstr("COM1:")).pdwStatus == E.ERROR_ACCESS_DENIED
    assert {"lpt7:", "com1:"} & set(estate.server.ports) == {"com1:"}
    assert xcv(a, h, "MonitorUI", cb=100).pOutputData == pd.encode_wstr("localui.dll")


def test_local_port_handle_reaches_the_local_monitor(estate):
    a = estate.admin
    h = open_xcv(a, ",XcvPort LPT2:")
    assert xcv(a, h, "MonitorUI", cb=100).pOutputData == pd.encode_wstr("localui.dll")
    assert xcv(a, h, "HostAddress", cb=100).pdwStatus == E.ERROR_INVALID_PARAMETER


def test_monitors_without_an_xcv_model(estate):
    a = estate.admin
    mon = Container(
        2, {"pName": "LPR Port", "pEnvironment": "Windows x64", "pDLLName": "lprmon.dll"}
    )
    assert a.RpcAsyncAddMonitor(None, mon).status == 0
    h = open_xcv(a, ",XcvMonitor LPR Port")
    assert a.RpcAsyncXcvData(h, "MonitorUI", b"", 0, 100, 0).status == E.ERROR_NOT_SUPPORTED
    assert a.RpcAsyncDeleteMonitor(None, None, "LPR Port").status == 0
    r = a.RpcAsyncXcvData(h, "MonitorUI", b"", 0, 100, 0)
    assert r.status == E.ERROR_UNKNOWN_PRINT_MONITOR
