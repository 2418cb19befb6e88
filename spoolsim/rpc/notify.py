"""The printing-related notification methods, MS-PAR opnums 58-61 (section 3.1.4.9).

A client registers a filter on a printer or server handle (58) and gets a notification handle;
it polls that handle (61) for what changed since its last poll; when a reply says
PRINTER_NOTIFY_INFO_DISCARDED it asks for the whole state (60); it unregisters (59), or closes the
printer handle, which ends its subscriptions too. All four return HRESULTs.

Filters and replies travel as RpcPrintPropertiesCollection (MS-PAR 2.2.4): named, typed values.
A filter holds "RemoteNotifyFilter Flags" (PRINTER_CHANGE_* mask), "RemoteNotifyFilter Options"
(the printer category), "RemoteNotifyFilter NotifyOptions" (RPC_V2_NOTIFY_OPTIONS: the printer
and job fields to watch) and "RemoteNotifyFilter Color"; a reply holds "RemoteNotifyData Flags",
"RemoteNotifyData Info" (RPC_V2_NOTIFY_INFO) and "RemoteNotifyData Color". :func:`notify_filter`
builds a filter; :func:`reply_values` reads a reply.

The poll is a long poll: it suspends until the subscription has something to say. This surface is
synchronous, so opnum 61 answers E_PENDING when nothing is waiting, and
``spoolsim.runtime.notify.get_remote_notifications`` is the call that suspends: it waits until
the subscription is ready (or gone) and then makes the call. What the subscription accumulates,
how it is bounded and when it is discarded is described in ``spoolsim.rpc.notifier``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

import attrs

from spoolsim.model.constants import Access, Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.rpc.core import Call, HandleKind, HandleState, Reply, method, require
from spoolsim.rpc.notifier import NotifyInfo, Subscription
from spoolsim.rpc.notifyfields import (
    CATEGORY_2D,
    CATEGORY_3D,
    CATEGORY_ALL,
    FIELD_IDS,
    JOB_NOTIFY_TYPE,
    PRINTER_NOTIFY_TYPE,
)

# E_PENDING (MS-ERREF 2.1.1): "the data necessary to complete this operation is not yet
# available": what the synchronous surface answers for a poll that would have to wait.
E_PENDING = 0x8000000A
# RpcPrintPropertiesCollection.numberOfProperties is [range(0,50)] (MS-PAR 2.2.4).
MAX_PROPERTIES = 50


class PropertyType(enum.IntEnum):
    """RpcPrintPropertyType, the type of an RpcPrintPropertyValue (MS-PAR 2.2.2)."""

    String = 1
    Int32 = 2
    Int64 = 3
    Byte = 4
    Time = 5
    DevMode = 6
    SD = 7
    NotificationReply = 8
    NotificationOptions = 9


@attrs.frozen
class NamedProperty:
    """RpcPrintNamedProperty: ``propertyName`` and a value of ``ePropertyType``."""

    propertyName: str
    ePropertyType: int
    value: object


@attrs.frozen
class NotifyOptionsType:
    """RPC_V2_NOTIFY_OPTIONS_TYPE: a notification type and the field ids to watch."""

    Type: int
    pFields: tuple[int, ...] = ()

    @property
    def Count(self) -> int:
        return len(self.pFields)


@attrs.frozen
class NotifyOptions:
    """RPC_V2_NOTIFY_OPTIONS; ``Reserved`` may hold PRINTER_NOTIFY_OPTIONS_REFRESH."""

    pTypes: tuple[NotifyOptionsType, ...] = ()
    Reserved: int = 0
    Version: int = 2

    @property
    def Count(self) -> int:
        return len(self.pTypes)


FILTER_FLAGS = "RemoteNotifyFilter Flags"
FILTER_OPTIONS = "RemoteNotifyFilter Options"
FILTER_NOTIFY_OPTIONS = "RemoteNotifyFilter NotifyOptions"
FILTER_COLOR = "RemoteNotifyFilter Color"
DATA_FLAGS = "RemoteNotifyData Flags"
DATA_INFO = "RemoteNotifyData Info"
DATA_COLOR = "RemoteNotifyData Color"

_FILTER = {
    FILTER_FLAGS: PropertyType.Int32,
    FILTER_OPTIONS: PropertyType.Int32,
    FILTER_NOTIFY_OPTIONS: PropertyType.NotificationOptions,
    FILTER_COLOR: PropertyType.Int32,
}


def notify_filter(
    flags: int = 0,
    *,
    printer_fields: Iterable[int] = (),
    job_fields: Iterable[int] = (),
    category: int = CATEGORY_2D,
    color: int = 0,
) -> tuple[NamedProperty, ...]:
    """A filter collection, as a client builds one."""
    types = []
    for type_, fields in ((PRINTER_NOTIFY_TYPE, printer_fields), (JOB_NOTIFY_TYPE, job_fields)):
        fields = tuple(fields)
        if fields:
            types.append(NotifyOptionsType(type_, fields))
    return (
        NamedProperty(FILTER_FLAGS, PropertyType.Int32, flags),
        NamedProperty(FILTER_OPTIONS, PropertyType.Int32, category),
        NamedProperty(
            FILTER_NOTIFY_OPTIONS, PropertyType.NotificationOptions, NotifyOptions(tuple(types))
        ),
        NamedProperty(FILTER_COLOR, PropertyType.Int32, color),
    )


def reply_values(collection: Sequence[NamedProperty]) -> tuple[int, NotifyInfo, int]:
    """(flags, info, color) from a reply collection."""
    by_name = {p.propertyName: p.value for p in collection}
    return by_name[DATA_FLAGS], by_name[DATA_INFO], by_name[DATA_COLOR]  # type: ignore[return-value]


@attrs.frozen
class _Filter:
    flags: int
    category: int
    fields: dict[int, frozenset[int]]
    color: int


def _parse_filter(collection: object) -> _Filter:
    """Check a filter collection; ERROR_INVALID_PARAMETER names what is wrong."""
    if not isinstance(collection, Sequence) or isinstance(collection, (str, bytes)):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pNotifyFilter is not a collection")
    if len(collection) > MAX_PROPERTIES:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"more than {MAX_PROPERTIES} properties")
    values: dict[str, object] = {}
    for prop in collection:
        if not isinstance(prop, NamedProperty):
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"not a named property: {prop!r}")
        wanted = _FILTER.get(prop.propertyName)
        if wanted is not None and prop.ePropertyType != wanted:
            raise SpoolerError(
                Win32.ERROR_INVALID_PARAMETER,
                f"{prop.propertyName!r} must be of type {wanted.name}",
            )
        values[prop.propertyName] = prop.value
    missing = [name for name in _FILTER if name not in values]
    if missing:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"filter lacks {', '.join(missing)}")
    for name in (FILTER_FLAGS, FILTER_OPTIONS, FILTER_COLOR):
        if not isinstance(values[name], int) or not 0 <= values[name] <= 0xFFFFFFFF:  # type: ignore[operator]
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"{name!r} is not a DWORD")
    category = values[FILTER_OPTIONS]
    if category not in (CATEGORY_2D, CATEGORY_ALL, CATEGORY_3D):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"printer category 0x{category:08x}")
    return _Filter(
        int(values[FILTER_FLAGS]),  # type: ignore[call-overload]
        int(category),  # type: ignore[call-overload]
        _parse_options(values[FILTER_NOTIFY_OPTIONS]),
        int(values[FILTER_COLOR]),  # type: ignore[call-overload]
    )


def _parse_options(options: object) -> dict[int, frozenset[int]]:
    if options is None:
        return {}
    if not isinstance(options, NotifyOptions):
        raise SpoolerError(
            Win32.ERROR_INVALID_PARAMETER, "NotifyOptions is not RPC_V2_NOTIFY_OPTIONS"
        )
    if options.Version != 2:
        raise SpoolerError(
            Win32.ERROR_INVALID_PARAMETER, f"NotifyOptions version {options.Version}"
        )
    fields: dict[int, frozenset[int]] = {}
    for entry in options.pTypes:
        known = FIELD_IDS.get(entry.Type)
        if known is None:
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"notify type {entry.Type}")
        bad = [f for f in entry.pFields if f not in known]
        if bad:
            raise SpoolerError(
                Win32.ERROR_INVALID_PARAMETER, f"notify type {entry.Type}: field 0x{bad[0]:02x}"
            )
        fields[entry.Type] = fields.get(entry.Type, frozenset()) | frozenset(entry.pFields)
    return fields


def _subscription(call: Call, handle: object) -> Subscription:
    sub = call.surface.notifier.get(handle, call.session.id)
    if sub is None:
        raise SpoolerError(Win32.ERROR_INVALID_HANDLE, "notification handle")
    return sub


def _reply(flags: int, info: NotifyInfo, color: int) -> tuple[NamedProperty, ...]:
    return (
        NamedProperty(DATA_FLAGS, PropertyType.Int32, flags),
        NamedProperty(DATA_INFO, PropertyType.NotificationReply, info),
        NamedProperty(DATA_COLOR, PropertyType.Int32, color),
    )


@method(58, hresult=True)
def RpcSyncRegisterForRemoteNotifications(
    call: Call, hPrinter: bytes, pNotifyFilter: Sequence[NamedProperty]
) -> Reply:
    state = call.handle(hPrinter, HandleKind.PRINTER, HandleKind.SERVER)
    if state.kind is HandleKind.PRINTER:
        require(state, Access.PRINTER_ACCESS_USE)
    elif not state.granted & (Access.SERVER_ACCESS_ENUMERATE | Access.SERVER_ACCESS_ADMINISTER):
        raise SpoolerError(Win32.ERROR_ACCESS_DENIED, "the server handle may not watch the server")
    wanted = _parse_filter(pNotifyFilter)
    if not wanted.flags and not wanted.fields:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "the filter watches nothing")
    handle = call.surface.new_handle(HandleState(HandleKind.NOTIFY, call.session.id, 0))
    call.surface.notifier.add(
        Subscription(
            handle,
            call.session.id,
            hPrinter,
            state.printer,
            wanted.flags,
            wanted.category,
            wanted.fields,
            wanted.color,
        )
    )
    return Reply(0, {"phRpcHandle": handle})


@method(59, hresult=True)
def RpcSyncUnRegisterForRemoteNotifications(call: Call, phRpcHandle: bytes) -> Reply:
    _subscription(call, phRpcHandle)
    call.surface.notifier.remove(phRpcHandle)
    call.surface.drop_handle(phRpcHandle)
    return Reply(0, {"phRpcHandle": None})


@method(60, hresult=True)
def RpcSyncRefreshRemoteNotifications(
    call: Call, hRpcHandle: bytes, pNotifyFilter: Sequence[NamedProperty]
) -> Reply:
    """The whole watched state now. What was waiting is dropped (the refresh supersedes it),
    a discarded subscription starts afresh, and the filter's colour is kept for later replies."""
    sub = _subscription(call, hRpcHandle)
    wanted = _parse_filter(pNotifyFilter)
    info = call.surface.notifier.snapshot(sub)
    sub.take()
    sub.discarded = False
    sub.color = wanted.color
    return Reply(0, {"ppNotifyData": _reply(0, info, sub.color)})


@method(61, hresult=True)
def RpcAsyncGetRemoteNotifications(call: Call, hRpcHandle: bytes) -> Reply:
    sub = _subscription(call, hRpcHandle)
    if not sub.ready:
        return Reply(E_PENDING, {"ppNotifyData": None})
    flags, info = sub.take()
    return Reply(0, {"ppNotifyData": _reply(flags, info, sub.color)})
