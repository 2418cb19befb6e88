"""What a change notification can report: types, fields, their data types and values.

Numbers are the fact sheet's section 5g (MS-RPRN 2.2.3.1-2.2.3.6, Samba's spoolss.idl, Wine).
Each watchable field maps to its table type (how RPC_V2_NOTIFY_INFO_DATA carries it) and a
function reading the value from the model.

Fields the Win32 PRINTER_NOTIFY_INFO_DATA documentation marks "not supported" are accepted in a
filter and never reported, as Windows does: the printer's SERVER_NAME, STATUS_STRING,
AVERAGE_PPM, TOTAL_PAGES, PAGES_PRINTED, TOTAL_BYTES and BYTES_PRINTED, and the job's
SECURITY_DESCRIPTOR. This model also leaves out JOB_NOTIFY_FIELD_TIME (milliseconds since
printing began): it changes every instant without any event, so no notification could keep a
subscriber's copy equal to a refresh; clients read it with GetJob. PRINTER_NOTIFY_FIELD_
BRANCH_OFFICE_PRINTING is left out too (branch office printing is not modelled).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable

from spoolsim.model.jobs import Job
from spoolsim.model.printers import Printer
from spoolsim.model.server import PrintServer
from spoolsim.rpc.secdesc import encode_descriptor

PRINTER_NOTIFY_TYPE, JOB_NOTIFY_TYPE, SERVER_NOTIFY_TYPE = 0, 1, 2


class Table(enum.IntEnum):
    """RPC_V2_NOTIFY_INFO_DATA.Reserved: how the value travels."""

    DWORD = 1
    STRING = 2
    DEVMODE = 3
    TIME = 4
    SECURITYDESCRIPTOR = 5


class Change(enum.IntFlag):
    """PRINTER_CHANGE_* (MS-RPRN 2.2.3.6)."""

    ADD_PRINTER = 0x00000001
    SET_PRINTER = 0x00000002
    DELETE_PRINTER = 0x00000004
    FAILED_CONNECTION_PRINTER = 0x00000008
    ADD_JOB = 0x00000100
    SET_JOB = 0x00000200
    DELETE_JOB = 0x00000400
    WRITE_JOB = 0x00000800
    ADD_FORM = 0x00010000
    SET_FORM = 0x00020000
    DELETE_FORM = 0x00040000
    ADD_PORT = 0x00100000
    CONFIGURE_PORT = 0x00200000
    DELETE_PORT = 0x00400000
    ADD_PRINT_PROCESSOR = 0x01000000
    DELETE_PRINT_PROCESSOR = 0x04000000
    SERVER = 0x08000000
    ADD_PRINTER_DRIVER = 0x10000000
    SET_PRINTER_DRIVER = 0x20000000
    DELETE_PRINTER_DRIVER = 0x40000000
    TIMEOUT = 0x80000000


PRINTER_CHANGE_PRINTER = 0x000000FF
PRINTER_CHANGE_JOB = 0x0000FF00
# Samba, Wine and MS-RPRN's table give PRINTER_CHANGE_ALL as 0x7777FFFF; today's SDK metadata
# gives 0x7F77FFFF (MS-RPRN's PRINTER_CHANGE_ALL_2, with PRINTER_CHANGE_SERVER). Both are
# accepted: a filter is a mask, and every bit of either has a meaning here.
PRINTER_CHANGE_ALL = 0x7777FFFF
PRINTER_CHANGE_ALL_2 = 0x7F77FFFF
# Changes reported through a printer handle (MS-RPRN 2.2.3.6.1); the rest need a server handle.
PRINTER_HANDLE_CHANGES = PRINTER_CHANGE_PRINTER | PRINTER_CHANGE_JOB | Change.SET_PRINTER_DRIVER

PRINTER_NOTIFY_OPTIONS_REFRESH = 0x00000001
PRINTER_NOTIFY_INFO_DISCARDED = 0x00000001
# fdwOptions categories, wire values (MS-RPRN 2.2.3.8): 0 means 2D printers only.
CATEGORY_2D, CATEGORY_ALL, CATEGORY_3D = 0x00000000, 0x00010000, 0x00020000

Getter = Callable[[PrintServer, Printer, Job | None], object]

# Security descriptors are frozen values that rarely change: encode each once.
_descriptor = functools.lru_cache(maxsize=256)(encode_descriptor)


def _printer(read: Callable[[Printer], object]) -> Getter:
    return lambda server, p, job: read(p)


def _job(read: Callable[[Job], object]) -> Getter:
    return lambda server, p, job: read(job)  # type: ignore[arg-type]


S, D = Table.STRING, Table.DWORD

PRINTER_FIELDS: dict[int, tuple[Table, Getter]] = {
    0x01: (S, _printer(lambda p: p.name)),
    0x02: (S, _printer(lambda p: p.share_name)),
    0x03: (S, _printer(lambda p: p.port_name)),
    0x04: (S, _printer(lambda p: p.driver_name)),
    0x05: (S, _printer(lambda p: p.comment)),
    0x06: (S, _printer(lambda p: p.location)),
    0x07: (Table.DEVMODE, _printer(lambda p: p.devmode or b"")),
    0x08: (S, _printer(lambda p: p.sep_file)),
    0x09: (S, _printer(lambda p: p.print_processor)),
    0x0A: (S, _printer(lambda p: p.parameters)),
    0x0B: (S, _printer(lambda p: p.datatype)),
    0x0C: (Table.SECURITYDESCRIPTOR, _printer(lambda p: _descriptor(p.security))),
    0x0D: (D, _printer(lambda p: int(p.attributes))),
    0x0E: (D, _printer(lambda p: p.priority)),
    0x0F: (D, _printer(lambda p: p.default_priority)),
    0x10: (D, _printer(lambda p: p.start_time)),
    0x11: (D, _printer(lambda p: p.until_time)),
    0x12: (D, _printer(lambda p: int(p.full_status))),
    0x14: (D, _printer(lambda p: len(p.queue))),
    0x1A: (S, _printer(lambda p: p.object_guid)),
    0x1B: (S, _printer(lambda p: p.name)),
}
PRINTER_FIELD_IDS = range(0x00, 0x1D)  # 0x1C BRANCH_OFFICE_PRINTING is the last defined

JOB_FIELDS: dict[int, tuple[Table, Getter]] = {
    0x00: (S, _job(lambda j: j.printer_name)),
    0x01: (S, _job(lambda j: j.machine)),
    0x02: (S, _job(lambda j: j.port or "")),
    0x03: (S, _job(lambda j: j.user)),
    0x04: (S, _job(lambda j: j.notify_name)),
    0x05: (S, _job(lambda j: j.datatype)),
    0x06: (S, _job(lambda j: j.print_processor)),
    0x07: (S, _job(lambda j: j.parameters)),
    0x08: (S, _job(lambda j: j.driver_name)),
    0x09: (Table.DEVMODE, _job(lambda j: j.devmode or b"")),
    0x0A: (D, _job(lambda j: int(j.status))),
    0x0B: (S, _job(lambda j: j.status_text or "")),
    0x0D: (S, _job(lambda j: j.document)),
    0x0E: (D, _job(lambda j: j.priority)),
    0x0F: (D, lambda server, p, job: p.position(job.job_id)),  # type: ignore[union-attr]
    0x10: (Table.TIME, lambda server, p, job: server.systemtime(job.submitted)),  # type: ignore[union-attr]
    0x11: (D, _job(lambda j: j.start_time)),
    0x12: (D, _job(lambda j: j.until_time)),
    0x14: (D, _job(lambda j: j.total_pages)),
    0x15: (D, _job(lambda j: j.pages_printed)),
    0x16: (D, _job(lambda j: j.size & 0xFFFFFFFF)),
    0x17: (D, _job(lambda j: j.bytes_printed & 0xFFFFFFFF)),
}
JOB_FIELD_IDS = range(0x00, 0x18)

PRINTER_STATUS_FIELD = 0x12
JOB_STATUS_FIELD = 0x0A
# Job fields that change while data arrives: a change to these alone is PRINTER_CHANGE_WRITE_JOB.
WRITE_FIELDS = frozenset({0x14, 0x16})

# SERVER_NOTIFY_FIELD_PRINT_DRIVER_ISOLATION_GROUP (0x00) is accepted in a filter; driver
# isolation is not modelled, so it never changes and is never reported.
SERVER_FIELD_IDS = range(0x00, 0x01)

FIELD_IDS = {
    PRINTER_NOTIFY_TYPE: PRINTER_FIELD_IDS,
    JOB_NOTIFY_TYPE: JOB_FIELD_IDS,
    SERVER_NOTIFY_TYPE: SERVER_FIELD_IDS,
}


def printer_values(server: PrintServer, p: Printer) -> dict[int, object]:
    return {field: get(server, p, None) for field, (_, get) in PRINTER_FIELDS.items()}


SUBMITTED_FIELD = 0x10


def job_values(
    server: PrintServer, p: Printer, job: Job, before: dict[int, object] | None = None
) -> dict[int, object]:
    """The job's field values; ``before`` (its values at the last look) spares recomputing the
    submission time, which never changes."""
    if before is None:
        return {field: get(server, p, job) for field, (_, get) in JOB_FIELDS.items()}
    return {
        field: before[field] if field == SUBMITTED_FIELD else get(server, p, job)
        for field, (_, get) in JOB_FIELDS.items()
    }


def table_of(type_: int, field: int) -> Table:
    fields = PRINTER_FIELDS if type_ == PRINTER_NOTIFY_TYPE else JOB_FIELDS
    return fields[field][0]
