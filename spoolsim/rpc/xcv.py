"""RpcAsyncXcvData (MS-PAR opnum 33; MS-RPRN 3.1.4.6.5 RpcXcvData): port monitor commands.

Theory of operation
-------------------
An Xcv handle is opened with ``,XcvMonitor <monitor>`` or ``,XcvPort <port>`` (see
``printers.py``); the monitor behind it is the named monitor, or the monitor of the named port.
XcvData hands the command (``pszDataName``) and its input bytes to that monitor and returns two
results: the method's own status, 0 whenever the monitor was reached, and ``pdwStatus``, the
monitor's verdict on the command. Only a wrong handle, malformed parameters or a monitor the
simulator has no Xcv model for fail the call itself.

Each monitor is a table of commands (names are case-sensitive, as native localspl's are: Wine's
localmon tests). A command may require SERVER_ACCESS_ADMINISTER on the handle; without it the
monitor answers ERROR_ACCESS_DENIED in ``pdwStatus`` (the WDK's TCPMON Xcv page; ReactOS localmon).
An unknown command is ERROR_INVALID_PARAMETER in ``pdwStatus`` (native localspl per Wine's tests;
ReactOS). Samba instead fails the call with ERROR_INVALID_FUNCTION; we follow Windows.

Output follows the buffer contract: ``pcbOutputNeeded`` is the output's size; a ``cbOutputData``
smaller than that is ERROR_INSUFFICIENT_BUFFER in ``pdwStatus`` with no data. ``pOutputData`` holds
the bytes the monitor wrote (the transport pads them to ``cbOutputData``).

Standard TCP/IP Port (WDK "TCPMON Xcv Commands"; MS-RPRN 3.1.4.11, TCPMON)
    AddPort, ConfigPort (PORT_DATA_1 or PORT_DATA_2 in), DeletePort (DELETE_PORT_DATA_1 in) and
    MonitorUI (``tcpmonui.dll``) need administrator access. GetConfigInfo (CONFIG_INFO_DATA_1 in,
    PORT_DATA_1 out) and the reads HostAddress, IPAddress, SNMPCommunity (strings) and
    SNMPDeviceIndex, SNMPEnabled (DWORDs) need an ``XcvPort`` handle. Input shorter than its
    structure is ERROR_INVALID_DATA, a wrong dwVersion ERROR_INVALID_LEVEL, an unknown port
    ERROR_UNKNOWN_PORT, a port in use ERROR_BUSY, a duplicate name ERROR_ALREADY_EXISTS.
    ``dwDoubleSpool`` is LPR byte counting (tcpmonui binds it to the LPR settings' checkbox,
    IDC_CHECK_LPR_DOUBLESPOOL); the SNMP fields and the IP address are kept in ``Port.config``.

Local Port (MS-RPRN 3.1.4.11.1; Wine and ReactOS localmon)
    AddPort and DeletePort take the port name as a NUL-terminated UTF-16LE string and need
    administrator access; MonitorUI (``localui.dll``), PortExists (a DWORD BOOL out) and
    PortIsValid do not. Deleting a port the monitor does not have is ERROR_FILE_NOT_FOUND, as
    native localspl answers (Wine's tests).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Callable, Mapping
from typing import TypeVar

import attrs

from spoolsim.model.constants import LOCAL_MONITOR, TCPIP_MONITOR, Access, Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.ports import LPR, RAW, Port, TcpConfig
from spoolsim.rpc.core import Call, HandleKind, HandleState, Reply, method, require
from spoolsim.wire import portdata as pd

ADMIN = Access.SERVER_ACCESS_ADMINISTER
TCPMON_UI, LOCALMON_UI = "tcpmonui.dll", "localui.dll"
# An LPR port talks to the LPD port, 515 (RFC 1179); dwPortNumber is used for RAW ports only.
LPR_PORT_NUMBER = 515
# Ports the Local Port monitor recognises by name: LPTn:, COMn:, FILE:, NUL:, or a file path.
_LOCAL_NAME = re.compile(r"(?i)^(?:(?:LPT|COM)\d+:|FILE:|NUL:|[A-Z]:\\.+|\\\\[^\\]+\\.+)$")


@attrs.frozen
class Request:
    """What a command sees: the call, the handle, the port an XcvPort handle names, the input."""

    call: Call
    state: HandleState
    port: Port | None
    data: bytes
    cb_output: int


@attrs.frozen
class Outcome:
    """A command's result: ``pdwStatus``, the output bytes and ``pcbOutputNeeded``."""

    status: int = 0
    output: bytes = b""
    needed: int = 0


@attrs.frozen
class Command:
    run: Callable[[Request], Outcome]
    admin: bool = False


def _out(req: Request, data: bytes) -> Outcome:
    if req.cb_output < len(data):
        return Outcome(Win32.ERROR_INSUFFICIENT_BUFFER, b"", len(data))
    return Outcome(0, data, len(data))


T = TypeVar("T")


def _decode(decoder: Callable[..., T], data: bytes) -> T:
    """A structure from the input. Only a buffer shorter than the structure is refused (the WDK:
    "smaller than required"), with ERROR_INVALID_DATA; a wrong version is ERROR_INVALID_LEVEL."""
    try:
        return decoder(data, allow_trailing=True)
    except pd.PortDataVersionError as err:
        raise SpoolerError(Win32.ERROR_INVALID_LEVEL, str(err)) from None
    except pd.PortDataError as err:
        raise SpoolerError(Win32.ERROR_INVALID_DATA, str(err)) from None


# -- Standard TCP/IP Port ------------------------------------------------------------------------


def _tcp_settings(data: pd.PortData1 | pd.PortData2, base: TcpConfig | None) -> TcpConfig:
    if data.protocol == pd.PROTOCOL_RAWTCP_TYPE:
        protocol, number = RAW, data.port_number
    elif data.protocol == pd.PROTOCOL_LPR_TYPE:
        protocol, number = LPR, LPR_PORT_NUMBER  # dwPortNumber is for RAW only
    else:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"dwProtocol {data.protocol}")
    if not data.host_address:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "sztHostAddress is empty")
    if protocol == LPR and not data.queue:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "an LPR port needs sztQueue")
    changes = {
        "host": data.host_address,
        "port_number": number,
        "protocol": protocol,
        "queue": data.queue or "lp",
        "byte_count": data.double_spool,
    }
    try:
        return attrs.evolve(base, **changes) if base else TcpConfig(**changes)
    except ValueError as err:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, str(err)) from None


def _monitor_data(data: pd.PortData1 | pd.PortData2) -> dict[str, object]:
    return {
        "snmp_community": data.snmp_community,
        "snmp_enabled": data.snmp_enabled,
        "snmp_dev_index": data.snmp_dev_index,
        "ip_address": getattr(data, "ip_address", ""),
    }


def _tcp_port(req: Request, name: str) -> Port:
    port = req.call.server.ports.get(name.lower())
    if port is None or port.monitor != TCPIP_MONITOR:
        raise SpoolerError(Win32.ERROR_UNKNOWN_PORT, f"no Standard TCP/IP port {name!r}")
    return port


def _handle_port(req: Request) -> Port:
    """The port of an XcvPort handle (GetConfigInfo and the reads need one)."""
    if req.port is None:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "the command needs an XcvPort handle")
    return req.port


def tcp_add_port(req: Request) -> Outcome:
    data = _decode(pd.decode_port_data, req.data)
    if not data.port_name or "," in data.port_name:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"port name {data.port_name!r}")
    port = Port(
        data.port_name,
        TCPIP_MONITOR,
        TCPIP_MONITOR,
        config=_monitor_data(data),
        tcp=_tcp_settings(data, None),
    )
    req.call.server.add_port(port, req.call.now)
    return Outcome()


def tcp_config_port(req: Request) -> Outcome:
    data = _decode(pd.decode_port_data, req.data)
    port = _tcp_port(req, data.port_name)
    tcp = _tcp_settings(data, port.tcp)
    req.call.server.configure_port(port, tcp, {**port.config, **_monitor_data(data)}, req.call.now)
    return Outcome()


def tcp_delete_port(req: Request) -> Outcome:
    data = _decode(pd.decode_delete_port_data, req.data)
    req.call.server.delete_port(_tcp_port(req, data.port_name).name, req.call.now)
    return Outcome()


def port_data(port: Port) -> pd.PortData1 | pd.PortData2:
    """A port's configuration as GetConfigInfo reports it: PORT_DATA_1, or PORT_DATA_2 when the
    host name is too long for PORT_DATA_1 (MS-RPRN allows either; the WDK names only the first)."""
    tcp, cfg = port.tcp or TcpConfig(""), port.config
    fields = {
        "port_name": port.name,
        "protocol": pd.PROTOCOL_LPR_TYPE if tcp.protocol == LPR else pd.PROTOCOL_RAWTCP_TYPE,
        "host_address": tcp.host,
        "snmp_community": str(cfg.get("snmp_community", "public")),
        "double_spool": tcp.protocol == LPR and tcp.byte_count,
        "queue": tcp.queue if tcp.protocol == LPR else "",
        "port_number": tcp.port_number,
        "snmp_enabled": bool(cfg.get("snmp_enabled", False)),
        "snmp_dev_index": _snmp_index(port),
    }
    if len(tcp.host) < pd.MAX_NETWORKNAME_LEN:
        return pd.PortData1(ip_address=_ip_address(port), **fields)
    return pd.PortData2(**fields)


def _snmp_index(port: Port) -> int:
    value = port.config.get("snmp_dev_index", 1)
    return value if isinstance(value, int) else 1


def _ip_address(port: Port) -> str:
    known = str(port.config.get("ip_address", ""))
    host = port.tcp.host if port.tcp else ""
    if not known and re.fullmatch(r"\d{1,3}(\.\d{1,3}){3}", host):
        known = host
    return known if len(known) < pd.MAX_IPADDR_STR_LEN else ""


def tcp_get_config_info(req: Request) -> Outcome:
    port = _handle_port(req)
    _decode(pd.decode_config_info_data, req.data)
    try:
        return _out(req, pd.encode(port_data(port)))
    except pd.PortDataError as err:  # a port set up outside XcvData, e.g. a 70-character name
        raise SpoolerError(Win32.ERROR_INVALID_DATA, str(err)) from None


def _read(value: Callable[[Port], str | int]) -> Callable[[Request], Outcome]:
    def run(req: Request) -> Outcome:
        result = value(_handle_port(req))
        if isinstance(result, int):
            return _out(req, struct.pack("<I", result))
        return _out(req, pd.encode_wstr(result))

    return run


TCPMON: Mapping[str, Command] = {
    "AddPort": Command(tcp_add_port, admin=True),
    "ConfigPort": Command(tcp_config_port, admin=True),
    "DeletePort": Command(tcp_delete_port, admin=True),
    "MonitorUI": Command(lambda req: _out(req, pd.encode_wstr(TCPMON_UI)), admin=True),
    "GetConfigInfo": Command(tcp_get_config_info),
    "HostAddress": Command(_read(lambda p: p.tcp.host if p.tcp else "")),
    "IPAddress": Command(_read(_ip_address)),
    "SNMPCommunity": Command(_read(lambda p: str(p.config.get("snmp_community", "public")))),
    "SNMPDeviceIndex": Command(_read(_snmp_index)),
    "SNMPEnabled": Command(_read(lambda p: int(bool(p.config.get("snmp_enabled", False))))),
}


# -- Local Port ----------------------------------------------------------------------------------


def _local_name(req: Request) -> str:
    return pd.decode_wstr(req.data)


def local_add_port(req: Request) -> Outcome:
    name = _local_name(req)
    if not name or "," in name:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"port name {name!r}")
    req.call.server.add_port(Port(name, LOCAL_MONITOR, LOCAL_MONITOR), req.call.now)
    return Outcome()


def local_delete_port(req: Request) -> Outcome:
    name = _local_name(req)
    port = req.call.server.ports.get(name.lower())
    if port is None or port.monitor != LOCAL_MONITOR:
        raise SpoolerError(Win32.ERROR_FILE_NOT_FOUND, f"no local port {name!r}")
    req.call.server.delete_port(port.name, req.call.now)
    return Outcome()


def local_port_exists(req: Request) -> Outcome:
    exists = _local_name(req).lower() in req.call.server.ports
    return _out(req, struct.pack("<I", int(exists)))


def local_port_is_valid(req: Request) -> Outcome:
    """A device name or a file path is valid; a directory is ERROR_INVALID_NAME and anything else
    (the empty name too) ERROR_PATH_NOT_FOUND, as Wine's tests saw native localspl answer."""
    name = _local_name(req)
    if name.endswith("\\"):
        return Outcome(Win32.ERROR_INVALID_NAME)
    return Outcome(0 if _LOCAL_NAME.match(name) else Win32.ERROR_PATH_NOT_FOUND)


LOCALMON: Mapping[str, Command] = {
    "AddPort": Command(local_add_port, admin=True),
    "DeletePort": Command(local_delete_port, admin=True),
    "MonitorUI": Command(lambda req: _out(req, pd.encode_wstr(LOCALMON_UI))),
    "PortExists": Command(local_port_exists),
    "PortIsValid": Command(local_port_is_valid),
}

MONITORS: Mapping[str, Mapping[str, Command]] = {
    TCPIP_MONITOR.lower(): TCPMON,
    LOCAL_MONITOR.lower(): LOCALMON,
}


# -- the method ----------------------------------------------------------------------------------


def _target(call: Call, state: HandleState) -> tuple[str, Port | None]:
    """The monitor behind an Xcv handle, and the port when the handle names one."""
    kind, _, name = (state.xcv or "").partition(" ")
    if kind == "XcvPort":
        port = call.server.ports.get(name.lower())
        if port is None:  # deleted since the handle was opened: no monitor left to ask
            raise SpoolerError(Win32.ERROR_UNKNOWN_PORT, f"port {name!r} is gone")
        return port.monitor, port
    if name.lower() not in call.server.monitors:
        raise SpoolerError(Win32.ERROR_UNKNOWN_PRINT_MONITOR, f"monitor {name!r} is gone")
    return name, None


@method(33)
def RpcAsyncXcvData(
    call: Call,
    hXcv: bytes,
    pszDataName: str,
    pInputData: bytes | None,
    cbInputData: int,
    cbOutputData: int,
    pdwStatus: int = 0,
) -> Reply:
    state = call.handle(hXcv, HandleKind.XCV)
    if pszDataName is None:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pszDataName is NULL")
    if cbInputData is None or cbInputData < 0 or len(pInputData or b"") < cbInputData:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pInputData is shorter than cbInputData")
    if cbOutputData is None or cbOutputData < 0:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "cbOutputData")
    monitor, port = _target(call, state)
    commands = MONITORS.get(monitor.lower())
    if commands is None:
        # As RpcDeletePort answers for a monitor without the method (MS-RPRN 3.1.4.6.2).
        raise SpoolerError(Win32.ERROR_NOT_SUPPORTED, f"no Xcv model for monitor {monitor!r}")
    request = Request(call, state, port, bytes((pInputData or b"")[:cbInputData]), cbOutputData)
    command = commands.get(pszDataName)
    try:
        if command is None:
            raise SpoolerError(
                Win32.ERROR_INVALID_PARAMETER, f"{monitor}: no command {pszDataName!r}"
            )
        if command.admin:
            require(state, ADMIN)
        outcome = command.run(request)
    except SpoolerError as err:  # the monitor's verdict, not the call's
        outcome = Outcome(err.code)
    return Reply(
        0,
        {
            "pOutputData": outcome.output,
            "pcbOutputNeeded": outcome.needed,
            "pdwStatus": int(outcome.status),
        },
    )
