"""Job Named Properties (MS-PAR 3.1.4.10, opnums 70-73; MS-RPRN 3.1.4.12.1-3.1.4.12.4).

Theory of operation
-------------------
A print job carries a small dictionary of named, typed values beside its JOB_INFO fields: the
Job Named Properties of MS-RPRN 3.1.1. A value is an ``RPC_PrintPropertyValue`` (MS-RPRN
2.2.1.14.1): a type tag from ``RPC_EPrintPropertyType`` (2.2.1.14.3) and a value of that type.
Four methods reach them, each the MS-PAR twin of an MS-RPRN method whose rules it follows:

=====  ===================================  =========================================
opnum  method                               effect
=====  ===================================  =========================================
70     RpcAsyncGetJobNamedPropertyValue     one value by name
71     RpcAsyncSetJobNamedProperty          create the property, or replace its value
72     RpcAsyncDeleteJobNamedProperty       remove one property
73     RpcAsyncEnumJobNamedProperties       every property of the job
=====  ===================================  =========================================

Finding the job. MS-PAR lets ``hPrinter`` be a printer or a server handle (any other kind is
ERROR_INVALID_HANDLE, this surface's handle code, see ``rpc/core.py``). On a server handle the job
is looked for on every printer; on a printer handle only in that printer's queue. A JobId that
names no job there (zero included: the spec says it MUST NOT be zero) is ERROR_INVALID_PARAMETER,
as MS-RPRN 3.1.4.12.x say.

Access. The spec's validation lists for these methods check only the handle, the job and the
pointers. This surface applies the rules its GetJob and SetJob apply, so a property is no easier
to reach than the job itself: reading (Get, Enum) needs a printer handle with PRINTER_ACCESS_USE
or PRINTER_ACCESS_ADMINISTER, or a server handle with SERVER_ACCESS_ENUMERATE or
SERVER_ACCESS_ADMINISTER; changing (Set, Delete) needs JOB_ACCESS_ADMINISTER on the job, which the
job's owner (CREATOR OWNER) and document managers hold. Refusal is ERROR_ACCESS_DENIED.

Parameters. A NULL name (``None``) or NULL ``pProperty`` is ERROR_INVALID_PARAMETER. So is a type
tag outside 1-5 and a value that does not fit its type. Ranges follow the spec's IDL:
``propertyInt32`` is a LONG (signed 32-bit; Samba's IDL says uint32, the spec wins here),
``propertyInt64`` a LONGLONG (signed 64-bit), ``propertyByte`` a BYTE (0-255), ``propertyString``
a non-NULL string and ``propertyBlob`` bytes (``cbBuf`` is their length). Python's ``bool`` is
refused for the integer types. A name that the job does not have is ERROR_NOT_FOUND for Get and
Delete (MS-RPRN 3.1.4.12.3 says so for Delete; Get follows the same rule).

Names. The spec does not say how names compare. This model compares them without regard to case
and keeps the spelling the property was created with, as the spooler's other names (printer data
values, forms, printers) do; setting ``color`` after ``Color`` replaces the value of ``Color``.
Enum lists properties in the order they were created; replacing a value keeps its place.

Validation order: the handle; for reading, the handle's access; the job; for changing, access to
the job (it needs the job's owner, hence after the lookup); then the other parameters. A refused
call changes nothing. Set and Delete append ``job.property_set`` and
``job.property_deleted`` to the event log. Properties live on the job (``Job.properties``) and
go with it when the job is deleted.
"""

from __future__ import annotations

import enum

import attrs

from spoolsim.model.constants import Access, Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.jobs import Job
from spoolsim.rpc.core import Call, HandleKind, HandleState, Reply, method
from spoolsim.rpc.jobs import check_job_access

PRINTER_OR_SERVER = (HandleKind.PRINTER, HandleKind.SERVER)

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class EPrintPropertyType(enum.IntEnum):
    """RPC_EPrintPropertyType (MS-RPRN 2.2.1.14.3; fact sheet section 5k)."""

    kRpcPropertyTypeString = 1
    kRpcPropertyTypeInt32 = 2
    kRpcPropertyTypeInt64 = 3
    kRpcPropertyTypeByte = 4
    kRpcPropertyTypeBuffer = 5


T = EPrintPropertyType


@attrs.frozen
class PrintPropertyValue:
    """RPC_PrintPropertyValue: a type tag and the value in the union arm the tag selects.

    Not validated on construction, so a caller can send what a real client could; the server
    checks it (:func:`check_value`).
    """

    ePropertyType: int
    value: object

    @classmethod
    def string(cls, s: str) -> PrintPropertyValue:
        return cls(T.kRpcPropertyTypeString, s)

    @classmethod
    def int32(cls, n: int) -> PrintPropertyValue:
        return cls(T.kRpcPropertyTypeInt32, n)

    @classmethod
    def int64(cls, n: int) -> PrintPropertyValue:
        return cls(T.kRpcPropertyTypeInt64, n)

    @classmethod
    def byte(cls, n: int) -> PrintPropertyValue:
        return cls(T.kRpcPropertyTypeByte, n)

    @classmethod
    def buffer(cls, b: bytes) -> PrintPropertyValue:
        return cls(T.kRpcPropertyTypeBuffer, b)


@attrs.frozen
class PrintNamedProperty:
    """RPC_PrintNamedProperty (MS-RPRN 2.2.1.14.2): a name and its value."""

    propertyName: str | None
    propertyValue: PrintPropertyValue | None


def _int_in(value: object, lo: int, hi: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and lo <= value <= hi


def check_value(v: object) -> PrintPropertyValue:
    """The value as the server stores it (type tag as the enum, buffers as ``bytes``), or
    ERROR_INVALID_PARAMETER when the tag is unknown or the value does not fit its type."""
    if not isinstance(v, PrintPropertyValue):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "propertyValue")
    try:
        kind = EPrintPropertyType(v.ePropertyType)
    except ValueError:
        raise SpoolerError(
            Win32.ERROR_INVALID_PARAMETER, f"ePropertyType {v.ePropertyType!r}"
        ) from None
    value = v.value
    ok = {
        T.kRpcPropertyTypeString: lambda: isinstance(value, str),
        T.kRpcPropertyTypeInt32: lambda: _int_in(value, INT32_MIN, INT32_MAX),
        T.kRpcPropertyTypeInt64: lambda: _int_in(value, INT64_MIN, INT64_MAX),
        T.kRpcPropertyTypeByte: lambda: _int_in(value, 0, 255),
        T.kRpcPropertyTypeBuffer: lambda: isinstance(value, bytes | bytearray | memoryview),
    }[kind]()
    if not ok:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"{kind.name} value {value!r}")
    if kind is T.kRpcPropertyTypeBuffer:
        value = bytes(value)
    return PrintPropertyValue(kind, value)


def _job(call: Call, state: HandleState, JobId: object) -> Job:
    """The job ``JobId`` names in the handle's scope; ERROR_INVALID_PARAMETER otherwise."""
    if not isinstance(JobId, int) or isinstance(JobId, bool) or JobId == 0:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"JobId {JobId!r}")
    return call.server.job(JobId, state.printer)


def _check_read(state: HandleState) -> None:
    if state.kind is HandleKind.SERVER:
        wanted = Access.SERVER_ACCESS_ENUMERATE | Access.SERVER_ACCESS_ADMINISTER
    else:
        wanted = Access.PRINTER_ACCESS_USE | Access.PRINTER_ACCESS_ADMINISTER
    if not state.granted & wanted:
        raise SpoolerError(Win32.ERROR_ACCESS_DENIED, f"{state.kind.value} handle access")


def _name(name: object, what: str) -> str:
    if not isinstance(name, str):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"{what} is NULL")
    return name


def _existing(job: Job, name: str) -> PrintNamedProperty:
    prop = job.properties.get(name.lower())
    if prop is None:
        raise SpoolerError(Win32.ERROR_NOT_FOUND, f"job {job.job_id} has no property {name!r}")
    assert isinstance(prop, PrintNamedProperty)
    return prop


@method(70)
def RpcAsyncGetJobNamedPropertyValue(
    call: Call, hPrinter: bytes, JobId: int, pszName: str | None
) -> Reply:
    state = call.handle(hPrinter, *PRINTER_OR_SERVER)
    _check_read(state)
    job = _job(call, state, JobId)
    prop = _existing(job, _name(pszName, "pszName"))
    return Reply(0, {"pValue": prop.propertyValue})


@method(71)
def RpcAsyncSetJobNamedProperty(
    call: Call, hPrinter: bytes, JobId: int, pProperty: PrintNamedProperty | None
) -> Reply:
    state = call.handle(hPrinter, *PRINTER_OR_SERVER)
    job = _job(call, state, JobId)
    check_job_access(call, job, Access.JOB_ACCESS_ADMINISTER)
    if not isinstance(pProperty, PrintNamedProperty):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pProperty is NULL")
    name = _name(pProperty.propertyName, "propertyName")
    value = check_value(pProperty.propertyValue)
    old = job.properties.get(name.lower())
    stored = old.propertyName if isinstance(old, PrintNamedProperty) else name
    job.properties[name.lower()] = PrintNamedProperty(stored, value)
    call.server.log.add(
        call.now,
        "job.property_set",
        job.subject,
        name=stored,
        type=int(value.ePropertyType),
        created=old is None,
        user=call.principal.user,
    )
    return Reply(0)


@method(72)
def RpcAsyncDeleteJobNamedProperty(
    call: Call, hPrinter: bytes, JobId: int, pszName: str | None
) -> Reply:
    state = call.handle(hPrinter, *PRINTER_OR_SERVER)
    job = _job(call, state, JobId)
    check_job_access(call, job, Access.JOB_ACCESS_ADMINISTER)
    prop = _existing(job, _name(pszName, "pszName"))
    del job.properties[prop.propertyName.lower()]
    call.server.log.add(
        call.now,
        "job.property_deleted",
        job.subject,
        name=prop.propertyName,
        user=call.principal.user,
    )
    return Reply(0)


@method(73)
def RpcAsyncEnumJobNamedProperties(call: Call, hPrinter: bytes, JobId: int) -> Reply:
    state = call.handle(hPrinter, *PRINTER_OR_SERVER)
    _check_read(state)
    job = _job(call, state, JobId)
    props = tuple(job.properties.values())
    return Reply(0, {"pcProperties": len(props), "ppProperties": props})
