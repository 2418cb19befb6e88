"""The adaptor between NDR method bodies and the method surface: decode, invoke, encode.

Theory of operation
-------------------
A DCE/RPC request names an interface (MS-PAR or MS-RPRN) and an opnum; its stub is the method's
``[in]`` parameters in NDR (``spoolsim.wire.winspool``). :func:`decode_call` turns the stub into
the surface's arguments: wire structures become what the surface takes (a ``*_CONTAINER`` is a
:class:`~spoolsim.rpc.core.Container` of its level and the info structure's fields by their spec
names, DEVMODE_CONTAINER a Container of ``pDevMode`` and ``cbBuf``, SECURITY_CONTAINER and
PORT_VAR_CONTAINER their bytes, multisz arrays tuples of strings, notification filters
:class:`~spoolsim.rpc.notify.NamedProperty` tuples ...). The Int32 values of a notification
collection are LONGs on the wire and DWORDs (flags, colours) on the surface: the same 32 bits.

An MS-RPRN method is its MS-PAR counterpart's surface method (fact sheet section 2); parameters
the MS-RPRN form lacks take the surface's defaults, except RpcAddPrinterDriver (opnum 9), which
is AddPrinterDriverEx with APD_COPY_NEW_FILES, the flag a plain AddPrinterDriver means (the Win32
AddPrinterDriverEx documentation; ``spoolsim.model.adddriver`` reads "no flag" the same way).

:func:`encode_reply` writes the ``[out]`` parameters from the reply's values and then the status.
The surface is the single source of behaviour; this module only shapes values:

* an ``[in, out, unique, size_is(cbBuf)] BYTE*`` buffer comes back NULL when the request's was
  NULL, else as exactly ``cbBuf`` octets (the surface's data, zero-padded; zeros when the call
  failed); an ``[out, size_is(n)]`` array is exactly ``n`` elements;
* a context handle closed by the call (ClosePrinter, DeletePrinterIC,
  UnRegisterForRemoteNotifications) comes back zeroed; when the call fails, as it came in;
* any other out value the reply lacks (a failed call) is zero / NULL, an ``[in, out]`` one as it
  came in.

Arrays the server must send back are bounded by :data:`MAX_OUT_OCTETS`: a request asking for a
larger one is refused at decoding (NdrError), before the surface sees it, so a hostile ``cbBuf``
of 0xFFFFFFFF cannot make the server build 4 GiB of zeros.

RpcAsyncGetRemoteNotifications (MS-PAR 61) is a long poll: the server decodes the call, awaits
``spoolsim.runtime.notify.get_remote_notifications(surface, session, decoded.handles[0])`` and
encodes that reply with :func:`encode_reply`. This module imports neither Trio nor the runtime.
"""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from spoolsim.model.constants import APD
from spoolsim.rpc.bidi import BidiRequest, BidiResponse
from spoolsim.rpc.branchoffice import (
    BranchOfficeJobData,
    BranchOfficeJobDataContainer,
    BranchOfficeJobDataError,
    BranchOfficeJobDataPipelineFailed,
    BranchOfficeJobDataPrinted,
    BranchOfficeJobDataRendered,
    BranchOfficeLogOfflineFileFull,
)
from spoolsim.rpc.core import BY_NAME, Container, Reply, Session, Surface
from spoolsim.rpc.jobprops import PrintNamedProperty, PrintPropertyValue
from spoolsim.rpc.notifier import NotifyData, NotifyInfo
from spoolsim.rpc.notify import NamedProperty, NotifyOptions, NotifyOptionsType
from spoolsim.wire import winspool
from spoolsim.wire import winspooltypes as t
from spoolsim.wire.ndr import (
    BYTE,
    CONTEXT_HANDLE,
    PWCHARS,
    ConformantArray,
    NdrError,
    NdrType,
    Struct,
    Union,
    Unique,
)
from spoolsim.wire.winspool import INOUT, Method, Param

# The largest array a request may ask the server to send back. Real Enum and Get replies are a
# few MB at most; 16 MiB leaves room and bounds what a hostile cbBuf can cost.
MAX_OUT_OCTETS = 16 * 1024 * 1024


class Interface(enum.Enum):
    PAR = "MS-PAR"
    RPRN = "MS-RPRN"


class UnknownOpnum(Exception):
    """The opnum is not in the interface's table; the front end answers nca_s_op_rng_error."""

    def __init__(self, interface: Interface, opnum: int) -> None:
        super().__init__(f"{interface.value} has no method with opnum {opnum}")
        self.interface, self.opnum = interface, opnum


@attrs.frozen
class Decoded:
    """A decoded request: the wire method, the surface method and its arguments, the context
    handles it passes in (``[in]`` and ``[in, out]``, in IDL order), and the decoded ``[in]``
    parameters by IDL name (they size the reply's arrays)."""

    interface: Interface
    opnum: int
    wire_name: str
    method: str
    args: tuple[Any, ...]
    handles: tuple[bytes, ...]
    params: Mapping[str, Any] = attrs.field(repr=False)


_TABLES: dict[Interface, dict[int, Method]] = {
    Interface.PAR: winspool.PAR,
    Interface.RPRN: winspool.RPRN,
}
# Values for surface parameters an MS-RPRN form does not carry (others take their defaults).
_FILLED: dict[str, dict[str, Any]] = {
    "RpcAddPrinterDriver": {"dwFileCopyFlags": int(APD.COPY_NEW_FILES)},
}


def _surface_method(interface: Interface, opnum: int) -> str:
    if interface is Interface.PAR:
        return winspool.PAR_OPNUMS[opnum]
    return winspool.RPRN_COUNTERPART[opnum]


def _method(interface: Interface, opnum: int) -> Method:
    try:
        return _TABLES[interface][opnum]
    except KeyError:
        raise UnknownOpnum(interface, opnum) from None


@functools.cache
def _surface_params(name: str) -> tuple[inspect.Parameter, ...]:
    return tuple(inspect.signature(BY_NAME[name].func).parameters.values())[1:]


def reachable(interface: Interface) -> list[tuple[int, str, str]]:
    """(opnum, IDL name, surface method) for every method of ``interface`` this adaptor serves."""
    return [
        (opnum, m.name, _surface_method(interface, opnum))
        for opnum, m in sorted(_TABLES[interface].items())
    ]


def decode_call(interface: Interface, opnum: int, stub: bytes) -> Decoded:
    """Decode a request stub into the surface's arguments.

    Raises:
        UnknownOpnum: the interface has no such method here.
        NdrError: the stub is not a valid request (the detail names the field).
    """
    method = _method(interface, opnum)
    params = method.decode_request(stub)
    _check_out_sizes(method, params)
    surface = _surface_method(interface, opnum)
    filled = _FILLED.get(method.name, {})
    args = []
    for sp in _surface_params(surface):
        if sp.name in params:
            args.append(_inbound(method.param(sp.name).type, params[sp.name]))
        elif sp.name in filled:
            args.append(filled[sp.name])
        else:
            assert sp.default is not inspect.Parameter.empty, f"{method.name} lacks {sp.name}"
            args.append(sp.default)
    handles = tuple(params[p.name] for p in method.params if p.is_in and p.type is CONTEXT_HANDLE)
    return Decoded(interface, opnum, method.name, surface, tuple(args), handles, params)


def encode_reply(decoded: Decoded, reply: Reply) -> bytes:
    """The response stub: the ``[out]`` parameters shaped from ``reply``, then its status."""
    method = _method(decoded.interface, decoded.opnum)
    ok = reply.status == 0
    values: dict[str, Any] = {}
    sized: list[Param] = []
    for p in method.params:
        if not p.is_out:
            continue
        if p.size_is is not None:
            sized.append(p)
        elif p.type is CONTEXT_HANDLE and p.direction == INOUT:
            values[p.name] = None if ok else decoded.params[p.name]
        elif p.name in reply.out:
            values[p.name] = _outbound(p.type, reply.out[p.name])
        elif p.direction == INOUT:
            values[p.name] = decoded.params[p.name]
        else:
            values[p.name] = _outbound(p.type, None)
    for p in sized:
        size_param = method.param(p.size_is)  # type: ignore[arg-type]
        n = (values if size_param.is_out else decoded.params)[p.size_is] // p.size_div
        if p.direction == INOUT and decoded.params[p.name] is None:
            values[p.name] = None
        else:
            values[p.name] = _exactly(p, n, reply.out.get(p.name))
    return method.encode_response(values, reply.status)


def call(
    surface: Surface, session: Session, interface: Interface, opnum: int, stub: bytes
) -> bytes:
    """Decode, invoke the surface as ``session``, encode. Raises UnknownOpnum, NdrError."""
    decoded = decode_call(interface, opnum, stub)
    return encode_reply(decoded, surface.invoke(session, decoded.method, *decoded.args))


def encode_request(interface: Interface, opnum: int, *args: Any, **kwargs: Any) -> bytes:
    """A request stub as a client sends it (tests, tools): the ``[in]`` parameters in IDL order
    positionally, or by IDL name, as wire values (dicts for structures, None for NULL)."""
    method = _method(interface, opnum)
    values = dict(zip((name for name, _ in method.ins()), args, strict=False))
    return method.encode_request({**values, **kwargs})


def decode_response(interface: Interface, opnum: int, stub: bytes) -> dict[str, Any]:
    """A response stub as a client reads it: ``[out]`` parameters by IDL name and ``return``."""
    return _method(interface, opnum).decode_response(stub)


# -- out arrays -----------------------------------------------------------------------------------


def _array_type(p: Param) -> ConformantArray:
    array = p.type.target if isinstance(p.type, Unique) else p.type
    assert isinstance(array, ConformantArray)
    return array


def _check_out_sizes(method: Method, params: Mapping[str, Any]) -> None:
    for p in method.params:
        if p.size_is is None or not p.is_out:
            continue
        if p.direction == INOUT and params[p.name] is None:
            continue
        octets = params[p.size_is] // p.size_div * max(_array_type(p).elem.min_size, 1)
        if octets > MAX_OUT_OCTETS:
            raise NdrError(
                f"{method.name}.{p.name}: {p.size_is} asks for a {octets}-octet reply array, "
                f"more than the {MAX_OUT_OCTETS} this server sends"
            )


def _exactly(p: Param, n: int, value: Any) -> Any:
    """``value`` as an array of exactly ``n`` elements, zero-padded."""
    elem = _array_type(p).elem
    if elem is BYTE:
        data: Any = bytes(value or b"")
        pad: Any = bytes(n - len(data))
    elif isinstance(elem, Struct):
        data = [_outbound(elem, v) for v in value or ()]
        pad = [{}] * (n - len(data))
    else:  # wchar_t: a string (its NUL added) or a multisz already encoded
        if isinstance(value, bytes | bytearray):
            data = bytes(value).decode("utf-16-le", "surrogatepass")
        else:
            data = "" if value is None else value + "\0"
        pad = "\0" * (n - len(data))
    if len(data) > n:
        raise ValueError(f"{p.name}: {len(data)} elements do not fit size_is {n}")
    return data + pad


# -- wire values -> surface values ----------------------------------------------------------------

CONTAINERS = frozenset(
    {
        t.DOC_INFO_CONTAINER,
        t.SPLCLIENT_CONTAINER,
        t.PRINTER_CONTAINER,
        t.JOB_CONTAINER,
        t.FORM_CONTAINER,
        t.DRIVER_CONTAINER,
        t.PORT_CONTAINER,
        t.MONITOR_CONTAINER,
    }
)
# ULONG_PTR placeholders of the info structures: the data travels in its own container.
_PLACEHOLDERS = frozenset({"pDevMode", "pSecurityDescriptor"})


def multisz(text: str | None) -> tuple[str, ...]:
    """The strings of a multisz (``a\\0b\\0\\0``), up to the first empty one."""
    items = []
    for item in (text or "").split("\0"):
        if not item:
            break
        items.append(item)
    return tuple(items)


def _info(struct: Struct, value: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An info structure as the surface reads it: SIZE/RECTL members flattened
    (``Size_cx``), multisz members as tuples, ULONG_PTR placeholders left out."""
    if value is None:
        return None
    info: dict[str, Any] = {}
    for name, ftype in struct.fields:
        v = value[name]
        if ftype is t.ULONG_PTR and name in _PLACEHOLDERS:
            continue
        if ftype is PWCHARS:
            info[name] = multisz(v)
        elif isinstance(ftype, Struct):
            info.update({f"{name}_{k}": x for k, x in v.items()})
        else:
            info[name] = v
    return info


def _container(ctype: Struct, value: Mapping[str, Any]) -> Container:
    _, (union_name, union) = ctype.fields
    assert isinstance(union, Union)
    _, arm = union.arms[union.switch_is(value)]
    struct = arm.target if isinstance(arm, Unique) else arm
    assert isinstance(struct, Struct)
    return Container(value["Level"], _info(struct, value[union_name]))


def _inbound(ntype: NdrType, value: Any) -> Any:
    if isinstance(ntype, Unique):
        return None if value is None else _inbound(ntype.target, value)
    if ntype in CONTAINERS:
        return _container(ntype, value)  # type: ignore[arg-type]
    if ntype is t.DEVMODE_CONTAINER:
        return Container(0, {"pDevMode": value["pDevMode"], "cbBuf": value["cbBuf"]})
    if ntype is t.SECURITY_CONTAINER:
        return value["pSecurity"]
    if ntype is t.PORT_VAR_CONTAINER:
        return value["pMonitorData"]
    if ntype is t.RpcPrintPropertiesCollection:
        return collection_from_wire(value)
    if ntype is t.RPC_PrintNamedProperty:
        return PrintNamedProperty(
            value["propertyName"], job_property_from_wire(value["propertyValue"])
        )
    if ntype is t.RPC_BranchOfficeJobDataContainer:
        return _branch_office(value)
    if ntype is t.RPC_BIDI_REQUEST_CONTAINER:
        return [
            BidiRequest(d["dwReqNumber"], d["pSchema"], *_bidi_in(d["data"]))
            for d in value["aData"]
        ]
    return value


_BRANCH_STRUCTURES = {
    1: BranchOfficeJobDataPrinted,
    2: BranchOfficeJobDataRendered,
    3: BranchOfficeJobDataError,
    4: BranchOfficeJobDataPipelineFailed,
    5: BranchOfficeLogOfflineFileFull,
}


def _branch_office(value: Mapping[str, Any]) -> BranchOfficeJobDataContainer:
    entries = tuple(
        BranchOfficeJobData(
            e["eEventType"], e["JobId"], _BRANCH_STRUCTURES[e["eEventType"]](**e["JobInfo"])
        )
        for e in value["JobData"]
    )
    return BranchOfficeJobDataContainer(value["cJobDataEntries"], entries)


def _bidi_in(data: Mapping[str, Any]) -> tuple[int, Any]:
    kind, arm = data["dwBidiType"], data["u"]
    if kind == t.BIDI_BLOB:
        arm = arm["pszString"] or b""
    return kind, arm


# MS-PAR EPrintPropertyType (2.2.6) and the arm each uses.
_STRING, _INT32, _INT64, _BYTE, _TIME, _DEVMODE, _SD, _REPLY, _OPTIONS = range(1, 10)


def collection_from_wire(value: Mapping[str, Any]) -> tuple[NamedProperty, ...]:
    """RpcPrintPropertiesCollection -> NamedProperty tuple (the surface's filters and replies)."""
    return tuple(
        NamedProperty(
            p["propertyName"],
            p["propertyValue"]["ePropertyType"],
            _property_in(p["propertyValue"]["ePropertyType"], p["propertyValue"]["value"]),
        )
        for p in value["propertiesCollection"] or ()
    )


def _property_in(kind: int, arm: Any) -> Any:
    if kind == _INT32:  # a LONG on the wire; the filters' and replies' values are DWORDs
        return arm & 0xFFFFFFFF
    if kind == _TIME:
        return arm["pSystemTime"]
    if kind == _DEVMODE:
        return arm["pDevMode"]
    if kind == _SD:
        return arm["pSecurity"]
    if kind == _REPLY:
        return notify_info_from_wire(arm["pInfo"])
    if kind == _OPTIONS:
        options = arm["pOptions"]
        if options is None:
            return None
        types = tuple(
            NotifyOptionsType(o["Type"], tuple(o["pFields"] or ())) for o in options["pTypes"] or ()
        )
        return NotifyOptions(types, options["Reserved"], options["Version"])
    return arm


def notify_info_from_wire(value: Mapping[str, Any] | None) -> NotifyInfo | None:
    if value is None:
        return None
    data = tuple(
        NotifyData(d["Type"], d["Field"], d["Reserved"], d["Id"], _notify_data_in(d))
        for d in value["aData"]
    )
    return NotifyInfo(value["Flags"], data, value["Version"])


def _notify_data_in(d: Mapping[str, Any]) -> Any:
    table, arm = d["Reserved"] & 0xFFFF, d["Data"]
    if table == t.TABLE_DWORD:
        return arm[0]
    if table == t.TABLE_STRING:
        return (arm["pszString"] or "").split("\0", 1)[0]
    if table == t.TABLE_TIME:
        return arm["pSystemTime"]
    if table == t.TABLE_DEVMODE:
        return arm["pDevMode"] or b""
    return arm["pSecurity"] or b""


def job_property_from_wire(value: Mapping[str, Any]) -> PrintPropertyValue:
    kind, arm = value["ePropertyType"], value["value"]
    if kind == 5:
        arm = arm["pBuf"]
    return PrintPropertyValue(kind, arm)


# -- surface values -> wire values ----------------------------------------------------------------


def _outbound(ntype: NdrType, value: Any) -> Any:
    if isinstance(ntype, Unique):
        return None if value is None else _outbound(ntype.target, value)
    if ntype is t.RpcPrintPropertiesCollection:
        return collection_to_wire(value)
    if ntype is t.RPC_PrintPropertyValue:
        return job_property_to_wire(value)
    if isinstance(ntype, ConformantArray) and ntype.elem is t.RPC_PrintNamedProperty:
        return [
            {"propertyName": p.propertyName, "propertyValue": job_property_to_wire(p.propertyValue)}
            for p in value
        ] or None
    if ntype is t.RPC_BIDI_RESPONSE_CONTAINER:
        return {**value, "aData": [_bidi_out(r) for r in value["aData"]]}
    return value


def collection_to_wire(props: Sequence[NamedProperty]) -> dict[str, Any]:
    return {
        "numberOfProperties": len(props),
        "propertiesCollection": [
            {
                "propertyName": p.propertyName,
                "propertyValue": {
                    "ePropertyType": p.ePropertyType,
                    "value": _property_out(p.ePropertyType, p.value),
                },
            }
            for p in props
        ],
    }


def _property_out(kind: int, value: Any) -> Any:
    if kind == _INT32 and isinstance(value, int) and 0x80000000 <= value <= 0xFFFFFFFF:
        return value - 0x100000000  # the DWORD's 32 bits, as the LONG the IDL declares
    if kind == _TIME:
        return {"cbBuf": 16 if value else 0, "pSystemTime": value}
    if kind == _DEVMODE:
        return {"cbBuf": len(value or b""), "pDevMode": value}
    if kind == _SD:
        return {"cbBuf": len(value or b""), "pSecurity": value}
    if kind == _REPLY:
        return {"pInfo": notify_info_to_wire(value)}
    if kind == _OPTIONS:
        if value is None:
            return {"pOptions": None}
        types = [
            {"Type": o.Type, "Count": len(o.pFields), "pFields": tuple(o.pFields)}
            for o in value.pTypes
        ]
        return {
            "pOptions": {
                "Version": value.Version,
                "Reserved": value.Reserved,
                "Count": len(types),
                "pTypes": types,
            }
        }
    return value


def notify_info_to_wire(info: NotifyInfo | None) -> dict[str, Any] | None:
    if info is None:
        return None
    return {
        "Version": info.Version,
        "Flags": info.Flags,
        "Count": len(info.aData),
        "aData": [
            {
                "Type": d.Type,
                "Field": d.Field,
                "Reserved": d.Reserved,
                "Id": d.Id,
                "Data": _notify_data_out(d.Reserved & 0xFFFF, d.Data),
            }
            for d in info.aData
        ],
    }


def _notify_data_out(table: int, value: Any) -> Any:
    if table == t.TABLE_DWORD:
        return (value & 0xFFFFFFFF, 0)
    if table == t.TABLE_STRING:
        text = (value or "") + "\0"
        return {"cbBuf": len(text.encode("utf-16-le", "surrogatepass")), "pszString": text}
    if table == t.TABLE_TIME:
        return {"cbBuf": 16, "pSystemTime": tuple(value)}
    data = bytes(value or b"")
    key = "pDevMode" if table == t.TABLE_DEVMODE else "pSecurity"
    return {"cbBuf": len(data), key: data or None}


def job_property_to_wire(value: PrintPropertyValue | None) -> dict[str, Any]:
    """RPC_PrintPropertyValue. A failed Get has no value; its reply carries a zero Int32 (the
    union needs some arm, and a zeroed structure's type 0 has none)."""
    if value is None:
        return {"ePropertyType": _INT32, "value": 0}
    kind, arm = int(value.ePropertyType), value.value
    if kind == 5:
        arm = {"cbBuf": len(arm), "pBuf": bytes(arm)}
    return {"ePropertyType": kind, "value": arm}


def _bidi_out(r: BidiResponse) -> dict[str, Any]:
    arm: Any = r.value
    if r.dwBidiType == t.BIDI_BLOB:
        arm = {"cbBuf": len(arm or b""), "pszString": arm}
    elif r.dwBidiType in (t.BIDI_NULL, t.BIDI_BOOL, t.BIDI_INT):
        arm = int(arm or 0)
    return {
        "dwResult": r.dwResult,
        "dwReqNumber": r.dwReqNumber,
        "pSchema": r.pSchema,
        "data": {"dwBidiType": r.dwBidiType, "u": arm},
    }
