"""Sequencing: the MS-PAR surface driven by a Hypothesis state machine against a reference.

Several clients (an administrator, two users, a print operator, an anonymous caller) hold several
server and printer handles each, opened with varied access masks, on two printers (``P2`` keeps
printed jobs). Rules interleave opening and closing handles (closing twice, using closed and
foreign handles), printing (StartDoc, StartPage, Write, EndPage, EndDoc, Abort), job commands
(SetJob), queries (GetJob, EnumJobs, GetPrinter), printer control (pause, resume, purge, delete,
re-add), forms, printer data, the printer itself (``next_job``/``start_job``/``job_sent``/
``job_failed``, the calls the runtime will make) and the passing of time.

The machine keeps its own small reference (handles and what they may do, each job's phase, bytes,
pages, priority and fate, each queue's order, forms, printer data) and after every call checks the
status the reference predicts; after every step it checks the model against the reference and the
event log. Every refused call is checked to have changed nothing.

The job phases follow the transition table in ``spoolsim/model/jobs.py``; the validation order
and buffer contract follow ``spoolsim/rpc/core.py``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import struct
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from spoolsim.model import Driver, PrintServer
from spoolsim.model.constants import (
    Access,
    JobControl,
    JobStatus,
    PrinterAttributes,
    PrinterControl,
    PrinterEnum,
    PrinterStatus,
    RegType,
    Win32,
)
from spoolsim.model.jobs import Phase
from spoolsim.model.security import admin, anonymous, operator, user
from spoolsim.rpc import Client, Container, Surface
from spoolsim.wire.info import LAYOUTS, PRINTER_ENUM_VALUES
from spoolsim.wire.marshal import unpack, unpack_multi_sz

OK = Win32.ERROR_SUCCESS
E_HANDLE = Win32.ERROR_INVALID_HANDLE
E_DENIED = Win32.ERROR_ACCESS_DENIED
E_PARAM = Win32.ERROR_INVALID_PARAMETER
E_STATE = Win32.ERROR_INVALID_PRINTER_STATE
E_DELETED = Win32.ERROR_PRINTER_DELETED
E_NOSTARTDOC = Win32.ERROR_SPL_NO_STARTDOC
E_LEVEL = Win32.ERROR_INVALID_LEVEL
E_SMALL = Win32.ERROR_INSUFFICIENT_BUFFER
E_MORE = Win32.ERROR_MORE_DATA
E_NOTFOUND = Win32.ERROR_FILE_NOT_FOUND
E_FORMNAME = Win32.ERROR_INVALID_FORM_NAME
E_FORMSIZE = Win32.ERROR_INVALID_FORM_SIZE

DRIVER = "Generic / Text Only"
PRINTERS = ("P1", "P2")
KEEPS_PRINTED = frozenset({"P2"})

ROLES = {
    "admin": admin(),
    "alice": user("alice"),
    "bob": user("bob"),
    "op": operator("op"),
    "anon": anonymous(),
}
MANAGERS = frozenset({"admin", "op"})  # Administrators and Print Operators manage documents

# Rights a handle can hold, as the reference names them.
USE, PADMIN, RC, DEL, WDAC = "use", "printer-admin", "read-control", "delete", "write-dac"
ENUM, SADMIN = "enumerate", "server-admin"
PRINTER_ALL = frozenset({USE, PADMIN, RC, DEL, WDAC})
SERVER_ALL = frozenset({ENUM, SADMIN, RC, DEL, WDAC})

# Printer open masks: the mask, and the rights it asks for (None: MAXIMUM_ALLOWED).
PRINTER_MASKS: dict[str, tuple[int, frozenset[str] | None]] = {
    "zero": (0, frozenset({USE})),  # no access asked means "to print"
    "use": (Access.PRINTER_ACCESS_USE, frozenset({USE})),
    "administer": (Access.PRINTER_ACCESS_ADMINISTER, frozenset({PADMIN})),
    "all": (Access.PRINTER_ALL_ACCESS, PRINTER_ALL),
    "read_control": (Access.READ_CONTROL, frozenset({RC})),
    "generic_read": (Access.GENERIC_READ, frozenset({USE, RC})),
    "generic_all": (Access.GENERIC_ALL, PRINTER_ALL),
    "maximum": (Access.MAXIMUM_ALLOWED, None),
}
PRINTER_AVAILABLE = {
    "admin": PRINTER_ALL,
    "op": PRINTER_ALL,
    "alice": frozenset({USE, RC}),
    "bob": frozenset({USE, RC}),
    "anon": frozenset(),
}
SERVER_MASKS: dict[str, tuple[int, frozenset[str] | None]] = {
    "zero": (0, frozenset({ENUM})),
    "enumerate": (Access.SERVER_ACCESS_ENUMERATE, frozenset({ENUM})),
    "administer": (Access.SERVER_ACCESS_ADMINISTER, frozenset({SADMIN})),
    "all": (Access.SERVER_ALL_ACCESS, SERVER_ALL),
    "printer_use": (Access.PRINTER_ACCESS_USE, frozenset({ENUM})),  # printer bits are dropped
    "maximum": (Access.MAXIMUM_ALLOWED, None),
}
SERVER_AVAILABLE = {
    "admin": SERVER_ALL,
    "op": frozenset({ENUM, RC}),
    "alice": frozenset({ENUM, RC}),
    "bob": frozenset({ENUM, RC}),
    "anon": frozenset(),
}

# The job life cycle, written from the table in spoolsim/model/jobs.py. G is gone.
TABLE = {
    ("S", "end_doc"): "Q",
    ("S", "abort"): "G",
    ("S", "delete"): "X",
    ("Q", "start"): "P",
    ("Q", "delete"): "G",
    ("Q", "restart"): "Q",
    ("P", "sent"): "D",
    ("P", "delete"): "X",
    ("P", "restart"): "Q",
    ("P", "fail"): "Q",
    ("D", "ejected"): "D",
    ("D", "retire"): "G",
    ("D", "delete"): "G",
    ("D", "restart"): "Q",
    ("X", "end_doc"): "G",
    ("X", "abort"): "G",
    ("X", "retire"): "G",
    ("X", "delete"): "X",
}
PHASES = {
    "S": Phase.SPOOLING,
    "Q": Phase.QUEUED,
    "P": Phase.PRINTING,
    "D": Phase.PRINTED,
    "X": Phase.DELETING,
}
PHASE_BITS = (
    JobStatus.SPOOLING | JobStatus.PRINTING | JobStatus.PRINTED | JobStatus.DELETING
) | JobStatus.DELETED
INVALID_JOB_COMMANDS = (10, 77, 0xFFFF)
# Job hours for SetJob levels 2 and 4 (the server's clock starts at 08:00): always, 08:00-09:00,
# 22:00-06:00 (past midnight), and an invalid UntilTime.
HOURS = (None, (0, 0), (480, 540), (1320, 360), (600, 1440))

FORM_NAMES = ("Custom A", "custom a", "Custom B", "Letter", "A4", "")
DATA_KEYS = ("PrinterDriverData", "DsSpooler", "DsSpooler\\Sub", "dsspooler\\SUB", "Other", "")
VALUE_NAMES = ("a", "A", "b", "")


# --------------------------------------------------------------------------------------------------
# The reference


@dataclass(eq=False, repr=False)
class PrinterRef:
    name: str
    keep: bool
    exists: bool = True
    pending: bool = False
    paused: bool = False
    queue: list[int] = field(default_factory=list)
    total_jobs: int = 0  # documents started on this printer
    pages_printed: int = 0  # pages of the jobs it printed
    # lower-cased key path -> (path as created, {lower-cased value name: (name, type, data)})
    data: dict[str, tuple[str, dict[str, tuple[str, int, bytes]]]] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<printer {self.name} queue={self.queue}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # how Hypothesis shows a failing step
        p.text(repr(self))


@dataclass(eq=False, repr=False)
class HandleRef:
    owner: str
    value: bytes
    kind: str  # "server" or "printer"
    rights: frozenset[str]
    pref: PrinterRef | None = None
    open: bool = True
    doc: int | None = None
    page: bool = False

    def __repr__(self) -> str:
        target = self.pref.name if self.pref else "server"
        state = "open" if self.open else "closed"
        return f"<{self.owner} {self.kind} {target} {sorted(self.rights)} {state} doc={self.doc}>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


@dataclass(eq=False)
class JobRef:
    job_id: int
    owner: str  # the user name
    pref: PrinterRef
    phase: str = "S"
    size: int = 0
    data: bytearray = field(default_factory=bytearray)
    pages: int = 0
    priority: int = 1
    paused: bool = False
    port: bool = False
    fate: str | None = None  # "completed" or "deleted" once gone
    submitted: float = 0.0
    pages_printed: int = 0
    error: bool = False  # a port error, until the job starts again or restarts
    complete: bool = False  # the last page was ejected
    hours: tuple[int, int] = (0, 0)  # StartTime, UntilTime in minutes after midnight


def within(hours: tuple[int, int], minute: int) -> bool:
    """Whether a StartTime/UntilTime window admits ``minute``: equal bounds mean always, and a
    window may run past midnight."""
    start, until = hours
    if start == until:
        return True
    if start < until:
        return start <= minute < until
    return minute >= start or minute < until


def allowed_set(expect: int | set[int] | frozenset[int]) -> frozenset[int]:
    return frozenset({expect}) if isinstance(expect, int) else frozenset(expect)


def data_snapshot(store: Any) -> tuple:
    """Every key of a DataStore (lower-cased path) with its values, through the public API."""
    out = []
    stack = [""]
    while stack:
        key = stack.pop()
        for sub in store.subkeys(key):
            path = f"{key}\\{sub}" if key else sub
            values = tuple((v.name, v.type, v.data) for v in store.values(path))
            out.append((path.lower(), values))
            stack.append(path)
    return tuple(sorted(out))


def ref_data_snapshot(pref: PrinterRef) -> tuple:
    return tuple(sorted((low, tuple(vals.values())) for low, (_, vals) in pref.data.items()))


class SequencingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.srv = PrintServer()
        self.srv.drivers.add(
            Driver(DRIVER, "Windows x64", 3, "unidrv.dll", "ttyres.gpd", "unidrvui.dll")
        )
        # Without rpc.call records the log holds only what the model did, so "a refused call
        # changes nothing" includes "and logs nothing".
        self.surface = Surface(self.srv, clock=lambda: self.now, log_calls=False)
        self.clients = {role: Client(self.surface, p) for role, p in ROLES.items()}
        self.handles: list[HandleRef] = []
        self.jobs: dict[int, JobRef] = {}
        self.retired: list[JobRef] = []  # records of ids the server reused after they were gone
        self.printers: dict[str, PrinterRef] = {}
        self.builtin_forms = {f.name.lower() for f in self.srv.forms.all()}
        self.form_order = [f.name for f in self.srv.forms.all()]
        self.user_forms: dict[str, tuple] = {}  # lower name -> (name, w, h, flags, l, t, r, b)
        self.allow_user_forms = 0
        self.events_seen = 0
        self.job_events: dict[int, Counter] = defaultdict(Counter)
        for name in PRINTERS:
            self._add_printer("admin", name)
        for role in ("admin", "alice", "bob", "op"):
            self._open_server(role, "zero")
            for name in PRINTERS:
                self._open_printer(role, name, "all" if role in MANAGERS else "use")
        self._open_server("anon", "maximum")  # the caller without any right
        self._open_printer("anon", "P1", "maximum")

    # -- calling -----------------------------------------------------------------------------------

    def snapshot(self) -> tuple:
        srv = self.srv
        jobs = tuple(
            (
                j.job_id,
                j.printer_name,
                j.phase,
                int(j.modifiers),
                j.priority,
                j.size,
                bytes(j.data),
                j.total_pages,
                j.pages_printed,
                j.bytes_printed,
                j.port,
                j.started,
                j.finished,
                j.attempts,
                j.document,
                j.datatype,
                j.status_text,
            )
            for j in srv.jobs.values()
        )
        printers = tuple(
            (
                p.name,
                id(p),
                tuple(p.queue),
                int(p.status),
                p.pending_deletion,
                p.total_jobs,
                p.total_bytes,
                p.total_pages,
                data_snapshot(p.data),
            )
            for p in srv.printers.values()
        )
        handles = tuple(
            (id(h), h.kind, h.granted, h.doc_job, h.page_open) for h in self.surface.open_handles()
        )
        return (
            jobs,
            printers,
            handles,
            tuple(srv.forms.all()),
            tuple(sorted(srv.settings.items())),
            len(srv.log),
        )

    def call(self, role: str, name: str, *args: Any, expect: Any) -> Any:
        """Call ``name`` as ``role``: the status must be in ``expect``; refusals change nothing."""
        allowed = allowed_set(expect)
        # Only a call that may be refused needs the state before it (the rest must succeed).
        before = self.snapshot() if allowed != {OK} else None
        reply = getattr(self.clients[role], name)(*args)
        assert reply.status in allowed, (
            f"{name}{args!r} as {role}: status {reply.status}, expected one of {sorted(allowed)}"
            f" ({reply.out.get('detail')})"
        )
        if reply.status != OK:
            assert self.snapshot() == before, (
                f"{name} as {role} failed with {reply.status} but changed the server"
            )
        return reply

    def buffered(
        self,
        role: str,
        name: str,
        args: tuple,
        data: st.DataObject,
        *,
        out: str,
        needed: str = "pcbNeeded",
        count: str | None = "pcReturned",
        small: int = E_SMALL,
        also: frozenset[int] = frozenset(),
    ) -> tuple[bytes, int] | None:
        """The buffer contract: cbBuf 0 and any smaller cbBuf fail with ``small`` and no data but
        report the size; cbBuf = pcbNeeded (and more) succeeds with exactly that many bytes.

        ``also``: further statuses the first call may legitimately give instead (then None).
        """
        first = self.call(role, name, *args, 0, expect=also | {small, OK})
        if first.status in also:
            return None
        size = first.out[needed]
        if size == 0:
            assert first.status == OK, f"{name}: nothing to return must succeed with cbBuf 0"
            assert first.out[out] in (b"", None)
            assert count is None or first.out[count] == 0
            return b"", 0
        assert first.status == small, f"{name}: cbBuf 0 < {size} must be {small}"
        assert first.out[out] is None, f"{name}: data returned into a short buffer"
        assert count is None or first.out[count] == 0
        if size > 1:
            short = data.draw(st.integers(1, size - 1), label="short cbBuf")
            r = self.call(role, name, *args, short, expect=small)
            assert r.out[out] is None and r.out[needed] == size
        exact = self.call(role, name, *args, size, expect=OK)
        assert exact.out[needed] == size
        assert len(exact.out[out]) == size, f"{name}: {len(exact.out[out])} bytes, not {size}"
        n = exact.out[count] if count is not None else 1
        roomy = self.call(role, name, *args, size + data.draw(st.integers(1, 64)), expect=OK)
        assert roomy.out[out] == exact.out[out]
        return exact.out[out], n

    # -- reference helpers ------------------------------------------------------------------------

    def handle_error(self, h: HandleRef, caller: str, *kinds: str) -> int | None:
        """The code the handle check gives, or None when the handle is good."""
        if not h.open or h.owner != caller or h.kind not in kinds:
            return E_HANDLE
        if h.kind == "printer" and not h.pref.exists:
            return E_DELETED
        return None

    def usable(self, h: HandleRef, kinds: tuple[str, ...]) -> bool:
        return h.open and h.kind in kinds and (h.pref is None or h.pref.exists)

    def pick(
        self,
        data: st.DataObject,
        *kinds: str,
        want: Callable[[HandleRef], bool] | None = None,
    ) -> tuple[HandleRef, str]:
        """A handle and who uses it: mostly an open handle of a kind the method takes, used by
        its owner (one that ``want`` accepts if there is one); else any handle at all (closed,
        of the wrong kind, on a deleted printer), sometimes used by another client."""
        roll = data.draw(st.integers(0, 7), label="handle roll")
        good = [h for h in self.handles if self.usable(h, kinds or ("server", "printer"))]
        if want is not None:
            good = [h for h in good if want(h)] or good
        if roll >= 2 and good:
            h = data.draw(st.sampled_from(good), label="handle")
            return h, h.owner
        h = data.draw(st.sampled_from(self.handles), label="any handle")
        if roll == 0:
            return h, data.draw(st.sampled_from(sorted(ROLES)), label="caller")
        return h, h.owner

    def pick_job(self, data: st.DataObject, pref: PrinterRef | None) -> int:
        """Mostly a live job of ``pref``; else any id ever handed out, or one never handed out."""
        live = list(pref.queue) if pref is not None else []
        if live and data.draw(st.integers(0, 3), label="job roll"):
            return data.draw(st.sampled_from(live), label="job id")
        return data.draw(st.sampled_from([*sorted(self.jobs), 987654]), label="any job id")

    def live_job(self, job_id: int, pref: PrinterRef | None) -> JobRef | None:
        j = self.jobs.get(job_id)
        if j is None or j.fate is not None or j.pref is not pref:
            return None
        return j

    def step(self, j: JobRef, event: str) -> None:
        """Apply a life-cycle event to the reference job."""
        old = j.phase
        new = TABLE.get((old, event))
        assert new is not None, f"reference bug: {event} in {old}"
        if event == "start":
            j.port, j.error = True, False
        elif event == "fail":
            j.error = True
        elif event == "restart":
            j.error = j.complete = False
            j.pages_printed = 0
        elif event == "sent":
            j.pages_printed = max(j.pages_printed, j.pages)
            j.pref.pages_printed += j.pages_printed
        elif event == "ejected":
            j.complete = True
        if new == "G" or event in ("restart", "fail", "sent"):
            j.port = False
        j.phase = new
        if new == "G":
            j.fate = "completed" if (old, event) == ("D", "retire") else "deleted"
            pref = j.pref
            pref.queue.remove(j.job_id)
            if pref.pending and not pref.queue:
                pref.exists = False

    def end_doc_ref(self, j: JobRef) -> None:
        if j.phase in ("S", "X"):
            self.step(j, "end_doc")

    def manages(self, caller: str, j: JobRef) -> bool:
        return caller in MANAGERS or ROLES[caller].user == j.owner

    def can_manage_forms(self, h: HandleRef) -> bool:
        if self.allow_user_forms:
            return True
        return (SADMIN if h.kind == "server" else PADMIN) in h.rights

    def expected_next(self, pref: PrinterRef) -> int | None:
        if pref.paused:
            return None
        w = self.srv.epoch + dt.timedelta(seconds=self.now)
        minute = w.hour * 60 + w.minute
        best: JobRef | None = None
        for job_id in pref.queue:
            j = self.jobs[job_id]
            if j.phase != "Q" or j.paused or not within(j.hours, minute):
                continue
            if best is None or j.priority > best.priority:  # then the lowest position
                best = j
        return best.job_id if best else None

    def check_status_bits(self, status: int, j: JobRef) -> None:
        want = {
            "S": JobStatus.SPOOLING,
            "Q": 0,
            "P": JobStatus.PRINTING,
            "D": JobStatus.PRINTED,
            "X": JobStatus.DELETING | (JobStatus.PRINTING if j.port else 0),
        }[j.phase]
        assert status & PHASE_BITS == want, f"job {j.job_id} in {j.phase}: Status 0x{status:x}"
        assert bool(status & JobStatus.PAUSED) == j.paused
        assert bool(status & JobStatus.ERROR) == j.error
        assert bool(status & JobStatus.COMPLETE) == j.complete

    def systemtime(self, t: float) -> tuple[int, ...]:
        """SYSTEMTIME of simulated time ``t``: year, month, weekday (Sunday 0), day, h, m, s, ms."""
        w = self.srv.epoch + dt.timedelta(seconds=t)
        weekday = (w.weekday() + 1) % 7
        ms = w.microsecond // 1000
        return (w.year, w.month, weekday, w.day, w.hour, w.minute, w.second, ms)

    def check_job_record(self, rec: dict, j: JobRef, level: int) -> None:
        queue = j.pref.queue
        index = queue.index(j.job_id)
        assert rec["JobId"] == j.job_id
        if level == 3:
            nxt = queue[index + 1] if index + 1 < len(queue) else 0
            assert rec["NextJobId"] == nxt
            return
        assert rec["Position"] == index + 1
        assert rec["Priority"] == j.priority
        assert rec["pUserName"] == j.owner
        assert rec["pPrinterName"] == j.pref.name
        assert rec["TotalPages"] == j.pages
        assert rec["PagesPrinted"] == j.pages_printed
        assert (rec["pDocument"], rec["pDatatype"], rec["pMachineName"]) == ("d", "RAW", "CLIENT")
        assert rec["Submitted"] == self.systemtime(j.submitted)
        self.check_status_bits(rec["Status"], j)
        if level in (2, 4):
            assert rec["Size"] == j.size
            assert (rec["StartTime"], rec["UntilTime"]) == j.hours

    # -- setup helpers -----------------------------------------------------------------------------

    def _add_printer(self, role: str, name: str) -> None:
        current = self.printers.get(name)
        if role != "admin":
            expect = E_DENIED
        elif current is not None and current.exists:
            expect = Win32.ERROR_PRINTER_ALREADY_EXISTS
        else:
            expect = OK
        attributes = PrinterAttributes.QUEUED
        if name in KEEPS_PRINTED:
            attributes |= PrinterAttributes.KEEPPRINTEDJOBS
        info = {
            "pPrinterName": name,
            "pPortName": "LPT1:" if name == "P1" else "LPT2:",
            "pDriverName": DRIVER,
            "pPrintProcessor": "winprint",
            "Attributes": int(attributes),
        }
        r = self.call(
            role, "RpcAsyncAddPrinter", None, Container(2, info), None, None, expect=expect
        )
        if r.status == OK:
            pref = PrinterRef(name, keep=name in KEEPS_PRINTED)
            self.printers[name] = pref
            self.handles.append(HandleRef(role, r.pHandle, "printer", PRINTER_ALL, pref))

    def _open_printer(self, role: str, name: str, mask_name: str) -> None:
        mask, wanted = PRINTER_MASKS[mask_name]
        pref = self.printers.get(name)
        available = PRINTER_AVAILABLE[role]
        rights = available if wanted is None else wanted
        if pref is None or not pref.exists or pref.pending:
            # MS-RPRN 3.1.4.2.4: a printer pending deletion is excluded from the list of
            # printers for any later OpenPrinter (handles already open keep working).
            expect: set[int] = {Win32.ERROR_INVALID_PRINTER_NAME}
        elif wanted is None:
            # MAXIMUM_ALLOWED grants what is grantable; nothing grantable is a refusal.
            expect = {OK} if available else {E_DENIED}
        else:
            expect = {OK} if wanted <= available else {E_DENIED}
        r = self.call(role, "RpcAsyncOpenPrinter", name, None, None, mask, expect=expect)
        if r.status == OK:
            self.handles.append(HandleRef(role, r.pHandle, "printer", rights, pref))

    def _open_server(self, role: str, mask_name: str) -> None:
        mask, wanted = SERVER_MASKS[mask_name]
        available = SERVER_AVAILABLE[role]
        rights = available if wanted is None else wanted
        if wanted is None:
            expect = {OK} if available else {E_DENIED}
        else:
            expect = {OK} if wanted <= available else {E_DENIED}
        r = self.call(role, "RpcAsyncOpenPrinter", None, None, None, mask, expect=expect)
        if r.status == OK:
            self.handles.append(HandleRef(role, r.pHandle, "server", rights))

    # -- handles -------------------------------------------------------------------------------

    @rule(
        data=st.data(),
        role=st.sampled_from(sorted(ROLES)),
        name=st.sampled_from([*PRINTERS, *PRINTERS, "Nope", None]),
    )
    def open_handle(self, data: st.DataObject, role: str, name: str | None) -> None:
        """OpenPrinter on a printer (or a name that is none) or, with no name, the server."""
        if name is None:
            self._open_server(role, data.draw(st.sampled_from(sorted(SERVER_MASKS))))
        else:
            self._open_printer(role, name, data.draw(st.sampled_from(sorted(PRINTER_MASKS))))

    @rule(data=st.data())
    def close(self, data: st.DataObject) -> None:
        h, caller = self.pick(data)
        expect = E_HANDLE if (not h.open or h.owner != caller) else OK
        r = self.call(caller, "RpcAsyncClosePrinter", h.value, expect=expect)
        if r.status == OK:
            assert r.phPrinter is None
            h.open = False
            if h.doc is not None:  # ClosePrinter mid-document ends the document
                self.end_doc_ref(self.jobs[h.doc])
                h.doc, h.page = None, False

    # -- printing --------------------------------------------------------------------------------

    def _start_doc(self, h: HandleRef, caller: str) -> int | None:
        expect = self.handle_error(h, caller, "printer")
        if expect is None:
            if USE not in h.rights:
                expect = E_DENIED
            elif h.doc is not None:
                expect = E_STATE
            elif h.pref.pending:
                expect = E_DELETED
            else:
                expect = OK
        r = self.call(
            caller,
            "RpcAsyncStartDocPrinter",
            h.value,
            Container(1, {"pDocName": "d"}),
            expect=expect,
        )
        if r.status != OK:
            return None
        job_id = r.pJobId
        live = {j for j, ref in self.jobs.items() if ref.fate is None}
        assert job_id not in live, f"job id {job_id} handed out while still live"
        if job_id in self.jobs:
            self.retired.append(self.jobs[job_id])
        self.jobs[job_id] = JobRef(job_id, ROLES[caller].user, h.pref, submitted=self.now)
        h.pref.total_jobs += 1
        h.pref.queue.append(job_id)
        h.doc, h.page = job_id, False
        return job_id

    def _doc_error(self, h: HandleRef, caller: str) -> int | None:
        err = self.handle_error(h, caller, "printer")
        if err is None and h.doc is None:
            err = E_NOSTARTDOC
        return err

    def _write(self, h: HandleRef, caller: str, payload: bytes, mismatch: bool) -> None:
        expect = self._doc_error(h, caller)
        if expect is None:
            if mismatch:
                expect = E_PARAM
            elif self.jobs[h.doc].phase == "X":
                expect = Win32.ERROR_PRINT_CANCELLED
            else:
                expect = OK
        cb = len(payload) + (1 if mismatch else 0)
        r = self.call(caller, "RpcAsyncWritePrinter", h.value, payload, cb, expect=expect)
        if r.status == OK:
            assert r.pcWritten == len(payload)
            j = self.jobs[h.doc]
            j.size += len(payload)
            j.data += payload

    def _end_doc(self, h: HandleRef, caller: str) -> None:
        expect = self._doc_error(h, caller) or OK
        r = self.call(caller, "RpcAsyncEndDocPrinter", h.value, expect=expect)
        if r.status == OK:
            self.end_doc_ref(self.jobs[h.doc])
            h.doc, h.page = None, False

    @rule(data=st.data())
    def start_doc(self, data: st.DataObject) -> None:
        self._start_doc(
            *self.pick(data, "printer", want=lambda h: h.doc is None and USE in h.rights)
        )

    @rule(data=st.data(), start=st.booleans())
    def page(self, data: st.DataObject, start: bool) -> None:
        """StartPagePrinter or EndPagePrinter (which counts a page only after a StartPage)."""
        h, caller = self.pick(data, "printer", want=lambda h: h.doc is not None)
        name = "RpcAsyncStartPagePrinter" if start else "RpcAsyncEndPagePrinter"
        r = self.call(caller, name, h.value, expect=self._doc_error(h, caller) or OK)
        if r.status != OK:
            return
        if not start:
            j = self.jobs[h.doc]
            if h.page and j.phase == "S":
                j.pages += 1
        h.page = start

    @rule(
        data=st.data(),
        size=st.one_of(st.just(0), st.integers(1, 600)),
        mismatch=st.sampled_from([False] * 5 + [True]),
    )
    def write(self, data: st.DataObject, size: int, mismatch: bool) -> None:
        h, caller = self.pick(data, "printer", want=lambda h: h.doc is not None)
        payload = bytes((i * 7 + size) & 0xFF for i in range(size))
        self._write(h, caller, payload, mismatch)

    @rule(data=st.data(), abort=st.sampled_from([False, False, True]))
    def finish_doc(self, data: st.DataObject, abort: bool) -> None:
        """EndDocPrinter, or AbortPrinter."""
        h, caller = self.pick(data, "printer", want=lambda h: h.doc is not None)
        if not abort:
            self._end_doc(h, caller)
            return
        r = self.call(
            caller, "RpcAsyncAbortPrinter", h.value, expect=self._doc_error(h, caller) or OK
        )
        if r.status == OK:
            self.step(self.jobs[h.doc], "abort")
            h.doc, h.page = None, False

    @rule(data=st.data(), pages=st.integers(0, 3), size=st.integers(0, 300))
    def print_document(self, data: st.DataObject, pages: int, size: int) -> None:
        """A whole document in one step on a printer handle of the caller's own; then, maybe,
        the hours it may print in (SetJob level 2)."""
        mine = [
            h
            for h in self.handles
            if self.usable(h, ("printer",)) and h.doc is None and USE in h.rights
        ]
        if not mine:
            return
        h = data.draw(st.sampled_from(mine), label="own printer handle")
        if self._start_doc(h, h.owner) is None:
            return
        for _ in range(pages):
            self.call(h.owner, "RpcAsyncStartPagePrinter", h.value, expect=OK)
            h.page = True
            self._write(h, h.owner, b"\x0c" * size, mismatch=False)
            self.call(h.owner, "RpcAsyncEndPagePrinter", h.value, expect=OK)
            self.jobs[h.doc].pages += 1
            h.page = False
        job_id = h.doc
        self._end_doc(h, h.owner)
        hours = data.draw(st.sampled_from(HOURS[:4]), label="StartTime, UntilTime")
        if hours is not None:
            start, until = hours
            info = {"StartTime": start, "UntilTime": until}
            self.call(h.owner, "RpcAsyncSetJob", h.value, job_id, Container(2, info), 0, expect=OK)
            self.jobs[job_id].hours = hours

    # -- jobs --------------------------------------------------------------------------------------

    def _command_ok(self, j: JobRef, command: int) -> bool:
        if command == JobControl.RESTART:
            return j.phase in ("Q", "P", "D")
        if command == JobControl.SENT_TO_PRINTER:
            # the port let go: only a job a port holds (printing, or cancelled while printing)
            return j.phase == "P" or (j.phase == "X" and j.port)
        if command == JobControl.LAST_PAGE_EJECTED:
            return j.phase == "D"
        return True

    def _apply_command(self, j: JobRef, command: int) -> None:
        if command == JobControl.PAUSE:
            j.paused = True
        elif command == JobControl.RESUME:
            j.paused = False
        elif command in (JobControl.CANCEL, JobControl.DELETE):
            self.step(j, "delete")
        elif command == JobControl.RESTART:
            self.step(j, "restart")
        elif command == JobControl.SENT_TO_PRINTER:
            self._sent(j)
        elif command == JobControl.LAST_PAGE_EJECTED:
            self.step(j, "ejected")

    def _sent(self, j: JobRef) -> None:
        if j.phase == "X":
            self.step(j, "retire")
            return
        self.step(j, "sent")
        if not j.pref.keep:
            self.step(j, "retire")

    @rule(data=st.data())
    def set_job(self, data: st.DataObject) -> None:
        h, caller = self.pick(data, "printer", want=lambda h: bool(h.pref.queue))
        job_id = self.pick_job(data, h.pref)
        command = data.draw(st.sampled_from([*range(0, 8), *INVALID_JOB_COMMANDS]), label="command")
        container = None
        priority = position = 0
        if data.draw(st.booleans(), label="with container"):
            level = data.draw(st.sampled_from([1, 1, 2, 4, 3, 7]), label="level")
            priority = data.draw(st.sampled_from([0, 1, 2, 50, 99, 100]), label="priority")
            position = data.draw(st.sampled_from([0, 1, 2, 3, 40]), label="position")
            info = {"Priority": priority, "Position": position}
            if level in (2, 4):  # JOB_INFO_2/4 also carry the hours the job may print in
                hours = data.draw(st.sampled_from(HOURS), label="StartTime, UntilTime")
                if hours is not None:
                    info["StartTime"], info["UntilTime"] = hours
            container = Container(level, info)
        expect: set[int] | int | None = self.handle_error(h, caller, "printer")
        j = self.live_job(job_id, h.pref)
        if expect is not None:
            pass
        elif container is not None and container.Level not in (1, 2, 3, 4):
            expect = E_LEVEL
        elif j is None:
            expect = E_PARAM
        elif not self.manages(caller, j):
            expect = E_DENIED
        elif command not in range(0, 10):
            expect = E_PARAM
        else:
            # Several refusals can apply at once; any of them is right, none may change a thing.
            errors = set()
            if container is not None and container.Level == 3:
                errors.add(Win32.ERROR_NOT_SUPPORTED)  # linking jobs
            else:
                if priority and not 1 <= priority <= 99:
                    errors.add(Win32.ERROR_INVALID_PRIORITY)
                if position and not 1 <= position <= len(j.pref.queue):
                    errors.add(E_PARAM)
                times = (
                    [container.info.get(k, 0) for k in ("StartTime", "UntilTime")]
                    if (container is not None and container.Level in (2, 4))
                    else []
                )
                if any(not 0 <= t < 1440 for t in times):
                    errors.add(Win32.ERROR_INVALID_TIME)
            if not self._command_ok(j, command):
                errors.add(E_STATE)
            expect = errors or OK
        r = self.call(caller, "RpcAsyncSetJob", h.value, job_id, container, command, expect=expect)
        if r.status != OK:
            return
        if priority:
            j.priority = priority
        if container is not None and "StartTime" in container.info:
            j.hours = (container.info["StartTime"], container.info["UntilTime"])
        if position:
            j.pref.queue.remove(j.job_id)
            j.pref.queue.insert(position - 1, j.job_id)
        self._apply_command(j, command)

    @rule(data=st.data(), level=st.sampled_from([1, 2, 3, 4, 1, 2, 3, 4, 0, 5]), one=st.booleans())
    def read_jobs(self, data: st.DataObject, level: int, one: bool) -> None:
        """GetJob of one job, or EnumJobs over a window of the queue."""
        if one:
            self._get_job(data, level)
        else:
            first = data.draw(st.sampled_from([0, 0, 1, 2, 5]), label="FirstJob")
            count = data.draw(st.sampled_from([100, 100, 0, 1, 2]), label="NoJobs")
            self._enum_jobs(data, level, first, count)

    def _get_job(self, data: st.DataObject, level: int) -> None:
        h, caller = self.pick(data, "printer", want=lambda h: bool(h.pref.queue))
        job_id = self.pick_job(data, h.pref)
        j = self.live_job(job_id, h.pref)
        expect = self.handle_error(h, caller, "printer")
        if expect is None and level not in (1, 2, 3, 4):
            expect = E_LEVEL
        if expect is None and not h.rights & {USE, PADMIN}:
            expect = E_DENIED
        if expect is None and j is None:
            expect = E_PARAM
        if expect is not None:
            self.call(caller, "RpcAsyncGetJob", h.value, job_id, level, 4096, expect=expect)
            return
        buf, n = self.buffered(
            caller, "RpcAsyncGetJob", (h.value, job_id, level), data, out="pJob", count=None
        )
        (rec,) = unpack(LAYOUTS[("JOB_INFO", level)], buf, n)
        self.check_job_record(rec, j, level)

    def _enum_jobs(self, data: st.DataObject, level: int, first: int, count: int) -> None:
        h, caller = self.pick(data, "printer", want=lambda h: bool(h.pref.queue))
        expect = self.handle_error(h, caller, "printer")
        if expect is None and level not in (1, 2, 3, 4):
            expect = E_LEVEL
        if expect is None and not h.rights & {USE, PADMIN}:
            expect = E_DENIED
        if expect is not None:
            self.call(caller, "RpcAsyncEnumJobs", h.value, first, count, level, 4096, expect=expect)
            return
        buf, n = self.buffered(
            caller, "RpcAsyncEnumJobs", (h.value, first, count, level), data, out="pJob"
        )
        want = h.pref.queue[first : first + count] if count > 0 else []
        records = unpack(LAYOUTS[("JOB_INFO", level)], buf, n)
        assert [rec["JobId"] for rec in records] == want, "EnumJobs is not in queue order"
        for rec in records:
            self.check_job_record(rec, self.jobs[rec["JobId"]], level)

    # -- printers ----------------------------------------------------------------------------------

    @rule(data=st.data(), level=st.sampled_from([*range(0, 10), 11]))
    def get_printer(self, data: st.DataObject, level: int) -> None:
        h, caller = self.pick(data, "printer")
        expect = self.handle_error(h, caller, "printer")
        if expect is None:
            if level == 9:
                expect = Win32.ERROR_NOT_SUPPORTED
            elif level not in range(0, 9):
                expect = E_LEVEL
            elif level == 3:
                # PRINTER_INFO_3 needs READ_CONTROL only ("the caller may do so even if it lacks
                # specific printer permissions", PRINTER_INFO_3 remarks).
                expect = None if RC in h.rights else E_DENIED
            elif not h.rights & {USE, PADMIN}:
                expect = E_DENIED
        if expect is not None:
            self.call(caller, "RpcAsyncGetPrinter", h.value, level, 8192, expect=expect)
            return
        buf, n = self.buffered(
            caller, "RpcAsyncGetPrinter", (h.value, level), data, out="pPrinter", count=None
        )
        (rec,) = unpack(LAYOUTS[("PRINTER_INFO", level)], buf, n)
        pref = h.pref
        status = None
        if level == 0:
            assert rec["cJobs"] == len(pref.queue)
            spooling = sum(1 for i in pref.queue if self.jobs[i].phase == "S")
            assert rec["cSpooling"] == spooling
            assert rec["cTotalJobs"] == pref.total_jobs
            assert rec["cTotalPagesPrinted"] == pref.pages_printed
            status = rec["Status"]
        elif level == 2:
            assert rec["pPrinterName"] == pref.name
            assert rec["cJobs"] == len(pref.queue)
            status = rec["Status"]
            keep = bool(rec["Attributes"] & PrinterAttributes.KEEPPRINTEDJOBS)
            assert keep == pref.keep
        elif level == 6:
            status = rec["dwStatus"]
        if status is not None:
            assert bool(status & PrinterStatus.PAUSED) == pref.paused
            assert bool(status & PrinterStatus.PENDING_DELETION) == pref.pending

    @rule(
        data=st.data(),
        command=st.sampled_from(
            [PrinterControl.PAUSE, PrinterControl.RESUME, PrinterControl.PURGE, 0, 9]
        ),
    )
    def set_printer(self, data: st.DataObject, command: int) -> None:
        h, caller = self.pick(data, "printer", want=lambda h: PADMIN in h.rights)
        expect = self.handle_error(h, caller, "printer")
        if expect is None:
            if PADMIN not in h.rights:
                expect = E_DENIED
            elif command not in (PrinterControl.PAUSE, PrinterControl.RESUME, PrinterControl.PURGE):
                expect = E_PARAM  # level 0 needs a command; 9 is no command
            elif command == PrinterControl.PAUSE and h.pref.pending:
                # DeletePrinter: "a printer marked for pending deletion cannot be held"
                expect = {E_DENIED, E_DELETED, E_STATE}
            else:
                expect = OK
        r = self.call(
            caller, "RpcAsyncSetPrinter", h.value, Container(0), None, None, command, expect=expect
        )
        if r.status != OK:
            return
        if command == PrinterControl.PAUSE:
            h.pref.paused = True
        elif command == PrinterControl.RESUME:
            h.pref.paused = False
        else:
            for job_id in list(h.pref.queue):
                self.step(self.jobs[job_id], "delete")

    @rule(
        data=st.data(),
        op=st.sampled_from(["delete", "add", "add", "add"]),
        role=st.sampled_from(["admin", "admin", "alice", "op"]),
        name=st.sampled_from(PRINTERS),
    )
    def printer_lifecycle(self, data: st.DataObject, op: str, role: str, name: str) -> None:
        """DeletePrinter (rarely: it ends much of the story), or AddPrinter again."""
        if op == "add":
            self._add_printer(role, name)
            return
        h, caller = self.pick(data, "printer", want=lambda h: DEL in h.rights)
        expect = self.handle_error(h, caller, "printer")
        if expect is None:
            if DEL not in h.rights:
                expect = E_DENIED
            elif h.pref.paused and h.pref.queue:
                # DeletePrinter: "if the printer is held and there are jobs for the printer,
                # DeletePrinter fails with ERROR_ACCESS_DENIED" (they would never leave)
                expect = E_DENIED
            else:
                expect = OK
        r = self.call(caller, "RpcAsyncDeletePrinter", h.value, expect=expect)
        if r.status == OK:
            if h.pref.queue:
                h.pref.pending = True
            else:
                h.pref.exists = False

    @rule(
        data=st.data(),
        role=st.sampled_from(sorted(ROLES)),
        level=st.sampled_from([0, 1, 2, 4, 5, 3]),
    )
    def enum_printers(self, data: st.DataObject, role: str, level: int) -> None:
        """EnumPrinters(PRINTER_ENUM_LOCAL) lists the printers, not those pending deletion."""
        args = (PrinterEnum.LOCAL, None, level)
        if level == 3:
            self.call(role, "RpcAsyncEnumPrinters", *args, 1 << 16, expect=E_LEVEL)
            return
        # Whether a caller without any right may enumerate is not settled here.
        deny = frozenset({E_DENIED}) if role == "anon" else frozenset()
        got = self.buffered(role, "RpcAsyncEnumPrinters", args, data, out="pPrinterEnum", also=deny)
        if got is None:
            return
        records = unpack(LAYOUTS[("PRINTER_INFO", level)], *got)
        listed = {p.name: p for p in self.printers.values() if p.exists and not p.pending}
        key = "pName" if level == 1 else "pPrinterName"
        assert sorted(rec[key] for rec in records) == sorted(listed)
        for rec in records:
            pref = listed[rec[key]]
            if level in (0, 2):
                assert rec["cJobs"] == len(pref.queue)
                assert bool(rec["Status"] & PrinterStatus.PAUSED) == pref.paused

    @rule(
        data=st.data(),
        actions=st.lists(
            st.sampled_from(["start", "start", "sent", "sent", "fail"]), min_size=1, max_size=4
        ),
    )
    def printer_works(self, data: st.DataObject, actions: list[str]) -> None:
        """The printer's side, as the runtime will drive it: schedule, print, finish or fail."""
        name = data.draw(st.sampled_from(PRINTERS), label="printer")
        for action in actions:
            pref = self.printers[name]
            if not pref.exists:
                return
            p = self.srv.printers[name.lower()]
            if action == "start":
                job = self.srv.next_job(p, self.now)
                assert (job.job_id if job else None) == self.expected_next(pref)
                busy = any(self.jobs[i].port for i in pref.queue)  # one port: one job at a time
                if job is not None and not busy:
                    self.srv.start_job(job, p.ports[0], self.now)
                    self.step(self.jobs[job.job_id], "start")
                continue
            held = [i for i in pref.queue if self.jobs[i].port]
            if not held:
                continue
            j = self.jobs[held[0]]
            job = self.srv.jobs[j.job_id]
            if action == "sent":
                self.srv.job_sent(job, self.now)
                self._sent(j)
            elif j.phase == "P":
                self.srv.job_failed(job, self.now)
                self.step(j, "fail")

    @rule(seconds=st.integers(1, 7200))
    def time_passes(self, seconds: int) -> None:
        self.now += seconds

    # -- forms -------------------------------------------------------------------------------------

    def _form_errors(self, name: str, w: int, hgt: int, flags: int, area_ok: bool) -> set[int]:
        errors = set()
        if not name:
            errors.add(E_FORMNAME)
        if flags not in (0, 2):
            errors.add(E_PARAM)
        if w <= 0 or hgt <= 0 or not area_ok:
            errors.add(E_FORMSIZE)
        return errors

    @rule(
        data=st.data(),
        op=st.sampled_from(["add", "add", "set", "delete"]),
        name=st.sampled_from(FORM_NAMES),
        level=st.sampled_from([1, 1, 2, 3]),
        size=st.sampled_from([(210000, 297000), (100000, 50000), (0, 1000), (-5, 100)]),
        area_ok=st.sampled_from([True, True, False]),
        flags=st.sampled_from([0, 0, 2, 1]),
        rename=st.sampled_from([False, False, True]),
    )
    def change_form(self, data, op, name, level, size, area_ok, flags, rename) -> None:
        h, caller = self.pick(data)
        w, hgt = size
        right, bottom = (w, hgt) if area_ok else (w + 1, hgt)
        cname = ("Other " + name) if rename and op == "set" else name
        info = {
            "pName": cname,
            "Flags": flags,
            "Size_cx": w,
            "Size_cy": hgt,
            "ImageableArea_left": 0,
            "ImageableArea_top": 0,
            "ImageableArea_right": right,
            "ImageableArea_bottom": bottom,
        }
        low = name.lower()
        known = low in self.builtin_forms or low in self.user_forms
        expect: int | set[int] | None = self.handle_error(h, caller, "server", "printer")
        if expect is None and op != "delete" and level not in (1, 2):
            expect = E_LEVEL
        if expect is None and not self.can_manage_forms(h):
            expect = E_DENIED
        if expect is None:
            if op == "add":
                errors = self._form_errors(cname, w, hgt, flags, area_ok)
                if known:
                    errors.add(Win32.ERROR_FILE_EXISTS)
            elif op == "set":
                errors = self._form_errors(cname, w, hgt, flags, area_ok)
                if not known:
                    errors.add(E_FORMNAME)
                if low in self.builtin_forms:
                    errors.add(E_PARAM)  # built-in forms refuse change
                if cname.lower() != low:
                    errors.add(E_FORMNAME)
            else:
                errors = set()
                if not known:
                    errors.add(E_FORMNAME)
                if low in self.builtin_forms:
                    errors.add(E_PARAM)
            expect = errors or OK
        if op == "add":
            r = self.call(caller, "RpcAsyncAddForm", h.value, Container(level, info), expect=expect)
        elif op == "set":
            r = self.call(
                caller, "RpcAsyncSetForm", h.value, name, Container(level, info), expect=expect
            )
        else:
            r = self.call(caller, "RpcAsyncDeleteForm", h.value, name, expect=expect)
        if r.status != OK:
            return
        if op == "delete":
            display = self.user_forms.pop(low)[0]
            self.form_order.remove(display)
            return
        display = self.user_forms[low][0] if op == "set" else name
        self.user_forms[low] = (display, w, hgt, flags, 0, 0, right, bottom)
        if op == "add":
            self.form_order.append(display)

    @rule(
        data=st.data(),
        name=st.sampled_from([*FORM_NAMES, None]),
        level=st.sampled_from([1, 2, 3]),
    )
    def read_forms(self, data: st.DataObject, name: str | None, level: int) -> None:
        """GetForm of one name, or EnumForms when name is None."""
        h, caller = self.pick(data)
        expect = self.handle_error(h, caller, "server", "printer")
        if expect is None and level not in (1, 2):
            expect = E_LEVEL
        low = (name or "").lower()
        if name is not None and expect is None:
            if low not in self.builtin_forms and low not in self.user_forms:
                expect = E_FORMNAME
        layout = LAYOUTS[("FORM_INFO", level if level in (1, 2) else 1)]
        if name is None:
            if expect is not None:
                self.call(caller, "RpcAsyncEnumForms", h.value, level, 1 << 20, expect=expect)
                return
            buf, n = self.buffered(caller, "RpcAsyncEnumForms", (h.value, level), data, out="pForm")
            records = unpack(layout, buf, n)
            assert [rec["pName"] for rec in records] == self.form_order
            for rec in records:
                self._check_form(rec)
            return
        if expect is not None:
            self.call(caller, "RpcAsyncGetForm", h.value, name, level, 4096, expect=expect)
            return
        buf, n = self.buffered(
            caller, "RpcAsyncGetForm", (h.value, name, level), data, out="pForm", count=None
        )
        (rec,) = unpack(layout, buf, n)
        assert rec["pName"].lower() == low
        self._check_form(rec)

    def _check_form(self, rec: dict) -> None:
        low = rec["pName"].lower()
        if low in self.builtin_forms:
            assert rec["Flags"] == 1
            return
        name, w, hgt, flags, _left, _top, right, bottom = self.user_forms[low]
        assert (rec["pName"], rec["Size_cx"], rec["Size_cy"], rec["Flags"]) == (name, w, hgt, flags)
        assert (rec["ImageableArea_right"], rec["ImageableArea_bottom"]) == (right, bottom)

    # -- printer data ------------------------------------------------------------------------------

    @rule(
        data=st.data(),
        key=st.sampled_from(DATA_KEYS),
        name=st.sampled_from(VALUE_NAMES),
        type_=st.sampled_from([RegType.REG_BINARY, RegType.REG_SZ, RegType.REG_DWORD]),
        blob=st.binary(max_size=8),
        mismatch=st.sampled_from([False] * 5 + [True]),
    )
    def set_data(self, data, key, name, type_, blob, mismatch) -> None:
        h, caller = self.pick(data, want=lambda h: bool(h.rights & {PADMIN, SADMIN}))
        expect = self.handle_error(h, caller, "server", "printer")
        if expect is None:
            need = SADMIN if h.kind == "server" else PADMIN
            if need not in h.rights:
                expect = E_DENIED  # access comes before the parameters
            elif not key or mismatch or h.kind == "server":  # "a" etc. are no server values
                expect = E_PARAM
            else:
                expect = OK
        cb = len(blob) + (1 if mismatch else 0)
        r = self.call(
            caller, "RpcAsyncSetPrinterDataEx", h.value, key, name, type_, blob, cb, expect=expect
        )
        if r.status != OK:
            return
        store = h.pref.data
        parts = key.split("\\")
        for i in range(1, len(parts) + 1):
            sub = "\\".join(parts[:i])
            store.setdefault(sub.lower(), (sub, {}))
        values = store[key.lower()][1]
        old = values.get(name.lower())
        # names compare case-insensitively and keep the case they were created with
        values[name.lower()] = (old[0] if old else name, int(type_), blob)

    @rule(
        data=st.data(),
        op=st.sampled_from(["value", "values", "keys"]),
        key=st.sampled_from(DATA_KEYS),
        name=st.sampled_from(VALUE_NAMES),
    )
    def read_data(self, data: st.DataObject, op: str, key: str, name: str) -> None:
        """GetPrinterDataEx of one value, EnumPrinterDataEx or EnumPrinterKey."""
        if op == "value":
            self._get_data(data, key, name)
        else:
            self._enum_data(data, op, key)

    def _get_data(self, data: st.DataObject, key: str, name: str) -> None:
        h, caller = self.pick(data, "printer")
        expect = self.handle_error(h, caller, "server", "printer")
        value = None
        if expect is None and h.kind == "server":
            expect = E_PARAM  # no server value has these names
        if expect is None and not h.rights & {USE, PADMIN}:
            expect = E_DENIED
        if expect is None:
            entry = h.pref.data.get(key.lower())
            value = entry[1].get(name.lower()) if entry else None
            if value is None:
                expect = {E_NOTFOUND, E_PARAM} if not key else E_NOTFOUND
        if expect is not None:
            self.call(caller, "RpcAsyncGetPrinterDataEx", h.value, key, name, 64, expect=expect)
            return
        got = self.buffered(
            caller,
            "RpcAsyncGetPrinterDataEx",
            (h.value, key, name),
            data,
            out="pData",
            count=None,
            small=E_MORE,
        )
        assert got[0] == value[2]
        r = self.call(caller, "RpcAsyncGetPrinterDataEx", h.value, key, name, 64, expect=OK)
        assert r.pType == value[1]

    @rule(
        data=st.data(),
        op=st.sampled_from(["value", "key"]),
        key=st.sampled_from(DATA_KEYS),
        name=st.sampled_from(VALUE_NAMES),
    )
    def delete_data(self, data: st.DataObject, op: str, key: str, name: str) -> None:
        h, caller = self.pick(data, "printer", want=lambda h: PADMIN in h.rights)
        expect = self.handle_error(h, caller, "printer")
        store = h.pref.data if h.pref else {}
        entry = store.get(key.lower())
        if expect is None:
            if PADMIN not in h.rights:
                expect = E_DENIED
            elif not key:
                expect = E_PARAM
            elif entry is None or (op == "value" and name.lower() not in entry[1]):
                expect = E_NOTFOUND
            else:
                expect = OK
        if op == "value":
            r = self.call(caller, "RpcAsyncDeletePrinterDataEx", h.value, key, name, expect=expect)
        else:
            r = self.call(caller, "RpcAsyncDeletePrinterKey", h.value, key, expect=expect)
        if r.status != OK:
            return
        if op == "value":
            del entry[1][name.lower()]
        else:
            low = key.lower()
            for k in [k for k in store if k == low or k.startswith(low + "\\")]:
                del store[k]

    def _enum_data(self, data: st.DataObject, op: str, key: str) -> None:
        h, caller = self.pick(data, "printer")
        expect = self.handle_error(h, caller, "printer")
        store = h.pref.data if h.pref else {}
        if expect is None:
            if op == "values" and not key:
                expect = E_PARAM
            elif key and key.lower() not in store:
                expect = E_NOTFOUND
        # Whether enumerating needs PRINTER_ACCESS_USE like GetPrinterDataEx is not settled.
        deny = frozenset() if h.rights & {USE, PADMIN} else frozenset({E_DENIED})
        if expect is not None:
            name = "RpcAsyncEnumPrinterDataEx" if op == "values" else "RpcAsyncEnumPrinterKey"
            if expect not in (E_HANDLE, E_DELETED):
                expect = deny | {expect}
            self.call(caller, name, h.value, key, 4096, expect=expect)
            return
        if op == "values":
            got = self.buffered(
                caller,
                "RpcAsyncEnumPrinterDataEx",
                (h.value, key),
                data,
                out="pEnumValues",
                needed="pcbEnumValues",
                count="pnEnumValues",
                small=E_MORE,
                also=deny,
            )
            if got is None:
                return
            records = unpack(PRINTER_ENUM_VALUES, *got)
            want = list(store[key.lower()][1].values())
            assert [(r["pValueName"], r["dwType"], r["pData"] or b"") for r in records] == want
            return
        got = self.buffered(
            caller,
            "RpcAsyncEnumPrinterKey",
            (h.value, key),
            data,
            out="pSubkey",
            needed="pcbSubkey",
            count=None,
            small=E_MORE,
            also=deny,
        )
        if got is None:
            return
        low = key.lower()
        depth = low.count("\\") + 1 if low else 0
        prefix = low + "\\" if low else ""
        want = {
            path.split("\\")[-1]
            for k, (path, _) in store.items()
            if k.startswith(prefix) and k.count("\\") == depth
        }
        assert set(unpack_multi_sz(got[0])) == want

    @rule(
        data=st.data(),
        name=st.sampled_from(["AllowUserManageForms", "BeepEnabled", "NoSuchValue"]),
        type_=st.sampled_from([RegType.REG_DWORD, RegType.REG_DWORD, RegType.REG_SZ]),
        value=st.sampled_from([0, 1]),
    )
    def server_value(self, data: st.DataObject, name: str, type_: int, value: int) -> None:
        """SetPrinterData on the server handle: AllowUserManageForms opens forms to users."""
        h, caller = self.pick(data, "server")
        blob = struct.pack("<I", value)
        expect = self.handle_error(h, caller, "server", "printer")
        if expect is None:
            if h.kind == "printer":
                expect = OK if PADMIN in h.rights else E_DENIED
            elif SADMIN not in h.rights:
                expect = E_DENIED
            elif name == "NoSuchValue" or type_ != RegType.REG_DWORD:
                expect = E_PARAM
            else:
                expect = OK
        r = self.call(
            caller, "RpcAsyncSetPrinterData", h.value, name, type_, blob, len(blob), expect=expect
        )
        if r.status != OK:
            return
        if h.kind == "printer":
            store = h.pref.data
            store.setdefault("printerdriverdata", ("PrinterDriverData", {}))
            values = store["printerdriverdata"][1]
            old = values.get(name.lower())
            values[name.lower()] = (old[0] if old else name, int(type_), blob)
        elif name == "AllowUserManageForms":
            self.allow_user_forms = value
        if h.kind == "server" and name == "AllowUserManageForms":
            g = self.buffered(
                caller,
                "RpcAsyncGetPrinterData",
                (h.value, name),
                data,
                out="pData",
                count=None,
                small=E_MORE,
            )
            assert g[0] == blob

    # -- invariants --------------------------------------------------------------------------------

    @invariant()
    def handles_match(self) -> None:
        for h in self.handles:
            state = self.surface.lookup(h.value, self.clients[h.owner].session)
            if not h.open:
                assert state is None, "a closed handle is still known"
                continue
            assert state is not None
            assert state.doc_job == h.doc
            assert state.page_open == h.page

    @invariant()
    def jobs_match(self) -> None:
        srv = self.srv
        # 3. live ids are unique: the queues partition the job table.
        queued = [i for p in srv.printers.values() for i in p.queue]
        assert len(queued) == len(set(queued)), f"a job id is queued twice: {queued}"
        assert set(queued) == set(srv.jobs)
        for job_id, job in srv.jobs.items():
            assert job.job_id == job_id
            j = self.jobs.get(job_id)
            assert j is not None and j.fate is None, f"job {job_id} should not exist"
            assert job.phase is PHASES[j.phase], f"job {job_id}: {job.phase} not {j.phase}"
            # 5. the size is what was written.
            assert job.size == j.size and bytes(job.data) == bytes(j.data)
            assert job.total_pages == j.pages
            assert job.priority == j.priority
            assert bool(job.modifiers & JobStatus.PAUSED) == j.paused
            assert (job.port is not None) == j.port
            assert job.pages_printed == j.pages_printed
            assert bool(job.modifiers & JobStatus.ERROR) == j.error
            assert job.printer_name == j.pref.name and job.user == j.owner
        # 4. no job lost or duplicated.
        for e in itertools.islice(srv.log, self.events_seen, None):
            if e.kind.startswith("job."):
                self.job_events[int(e.subject.rsplit("/", 1)[1])][e.kind] += 1
        self.events_seen = len(srv.log)
        for j in itertools.chain(self.jobs.values(), self.retired):
            kinds = self.job_events[j.job_id]
            assert kinds["job.submitted"] >= 1
            if j.fate is None:
                assert j.job_id in srv.jobs, f"job {j.job_id} was lost"
                assert not kinds["job.completed"]
            elif j.fate == "completed":
                assert kinds["job.completed"] == 1
            else:
                assert kinds["job.deleted"] >= 1 and not kinds["job.completed"]
        for job_id in srv.jobs:
            assert self.job_events[job_id]["job.submitted"] == 1

    @invariant()
    def printers_match(self) -> None:
        for name, pref in self.printers.items():
            p = self.srv.printers.get(name.lower())
            if not pref.exists:
                assert p is None, f"{name} should be gone"
                continue
            assert p is not None, f"{name} vanished"
            assert p.queue == pref.queue, f"{name}: queue {p.queue}, expected {pref.queue}"
            assert p.pending_deletion == pref.pending
            assert bool(p.status & PrinterStatus.PAUSED) == pref.paused
            assert data_snapshot(p.data) == ref_data_snapshot(pref)

    @invariant()
    def forms_match(self) -> None:
        forms = self.srv.forms.all()
        assert [f.name for f in forms] == self.form_order
        for f in forms:
            if f.name.lower() in self.user_forms:
                name, w, hgt, flags, *_ = self.user_forms[f.name.lower()]
                assert (f.name, f.width, f.height, f.flags) == (name, w, hgt, flags)


TestSequencing = SequencingMachine.TestCase


# --------------------------------------------------------------------------------------------------
# Examples for sequences the machine reaches rarely


@pytest.fixture
def env():
    srv = PrintServer()
    srv.drivers.add(Driver(DRIVER, "Windows x64", 3, "unidrv.dll", "ttyres.gpd", "unidrvui.dll"))
    clock = [0.0]
    surface = Surface(srv, clock=lambda: clock[0])
    a = Client(surface, admin())
    info = {
        "pPrinterName": "P1",
        "pPortName": "LPT1:",
        "pDriverName": DRIVER,
        "pPrintProcessor": "winprint",
    }
    assert a.RpcAsyncAddPrinter(None, Container(2, info), None, None).status == OK
    u = Client(surface, user("alice"))
    return srv, a, u


def open_use(client: Client, name: str = "P1") -> bytes:
    r = client.RpcAsyncOpenPrinter(name, None, None, Access.PRINTER_ACCESS_USE)
    assert r.status == OK
    return r.pHandle


def start(client: Client, h: bytes) -> int:
    r = client.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": "doc"}))
    assert r.status == OK
    return r.pJobId


def test_start_doc_twice_is_invalid_state_and_keeps_the_first_job(env):
    srv, _, u = env
    h = open_use(u)
    job_id = start(u, h)
    assert u.RpcAsyncWritePrinter(h, b"abc", 3).status == OK
    r = u.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": "again"}))
    assert r.status == E_STATE
    assert list(srv.jobs) == [job_id]
    assert u.RpcAsyncWritePrinter(h, b"de", 2).pcWritten == 2
    assert u.RpcAsyncEndDocPrinter(h).status == OK
    assert srv.jobs[job_id].size == 5 and srv.jobs[job_id].phase is Phase.QUEUED


def test_write_after_cancel_is_print_cancelled_and_end_doc_removes_the_job(env):
    srv, _a, u = env
    h = open_use(u)
    job_id = start(u, h)
    assert u.RpcAsyncWritePrinter(h, b"x" * 10, 10).status == OK
    assert u.RpcAsyncSetJob(h, job_id, None, JobControl.CANCEL).status == OK
    assert srv.jobs[job_id].phase is Phase.DELETING
    r = u.RpcAsyncWritePrinter(h, b"y", 1)
    assert r.status == Win32.ERROR_PRINT_CANCELLED
    assert srv.jobs[job_id].size == 10
    assert u.RpcAsyncEndDocPrinter(h).status == OK
    assert job_id not in srv.jobs
    assert srv.printers["p1"].queue == []
    assert any(e.kind == "job.deleted" and e.subject == f"P1/{job_id}" for e in srv.log)
    assert u.RpcAsyncWritePrinter(h, b"z", 1).status == E_NOSTARTDOC


def test_close_mid_document_queues_the_job_with_its_bytes(env):
    srv, _, u = env
    h = open_use(u)
    job_id = start(u, h)
    assert u.RpcAsyncStartPagePrinter(h).status == OK
    assert u.RpcAsyncWritePrinter(h, b"0123456789", 10).status == OK
    assert u.RpcAsyncEndPagePrinter(h).status == OK
    assert u.RpcAsyncWritePrinter(h, b"", 0).pcWritten == 0
    assert u.RpcAsyncClosePrinter(h).status == OK
    job = srv.jobs[job_id]
    assert (job.phase, job.size, bytes(job.data), job.total_pages) == (
        Phase.QUEUED,
        10,
        b"0123456789",
        1,
    )
    assert srv.next_job(srv.printers["p1"], 0.0) is job
    assert u.RpcAsyncClosePrinter(h).status == E_HANDLE
    assert u.RpcAsyncEndDocPrinter(h).status == E_HANDLE


def test_foreign_handle_is_invalid_and_changes_nothing(env):
    srv, _, u = env
    bob = Client(u.surface, user("bob"))
    h = open_use(u)
    start(u, h)
    assert bob.RpcAsyncWritePrinter(h, b"x", 1).status == E_HANDLE
    assert bob.RpcAsyncEndDocPrinter(h).status == E_HANDLE
    assert bob.RpcAsyncClosePrinter(h).status == E_HANDLE
    (job,) = srv.jobs.values()
    assert job.size == 0 and job.phase is Phase.SPOOLING


def test_delete_printer_with_jobs_is_pending_until_the_last_job_leaves(env):
    srv, a, u = env
    h = open_use(u)
    job_id = start(u, h)
    assert u.RpcAsyncWritePrinter(h, b"abc", 3).status == OK
    assert u.RpcAsyncEndDocPrinter(h).status == OK
    ha = a.RpcAsyncOpenPrinter("P1", None, None, Access.PRINTER_ALL_ACCESS).pHandle
    assert u.RpcAsyncDeletePrinter(h).status == E_DENIED
    assert a.RpcAsyncDeletePrinter(ha).status == OK
    p = srv.printers["p1"]
    assert p.pending_deletion and p.queue == [job_id]
    r = a.RpcAsyncGetPrinter(ha, 2, 0)
    r = a.RpcAsyncGetPrinter(ha, 2, r.pcbNeeded)
    (rec,) = unpack(LAYOUTS[("PRINTER_INFO", 2)], r.pPrinter, 1)
    assert rec["Status"] & PrinterStatus.PENDING_DELETION
    assert u.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": "late"})).status == E_DELETED
    job = srv.next_job(p, 1.0)
    assert job is not None and job.job_id == job_id
    srv.start_job(job, "LPT1:", 1.0)
    assert "p1" in srv.printers
    srv.job_sent(job, 2.0)
    assert "p1" not in srv.printers
    assert [e.kind for e in srv.log if e.subject == f"P1/{job_id}"][-1] == "job.completed"
    assert u.RpcAsyncGetPrinter(h, 2, 4096).status == E_DELETED
    assert u.RpcAsyncClosePrinter(h).status == OK


def test_purge_deletes_queued_jobs_and_cancels_the_spooling_one(env):
    srv, a, u = env
    h = open_use(u)
    done = start(u, h)
    u.RpcAsyncEndDocPrinter(h)
    spooling = start(u, h)
    ha = a.RpcAsyncOpenPrinter("P1", None, None, Access.PRINTER_ALL_ACCESS).pHandle
    assert u.RpcAsyncSetPrinter(h, Container(0), None, None, PrinterControl.PURGE).status == (
        E_DENIED
    )
    assert srv.printers["p1"].queue == [done, spooling]
    assert a.RpcAsyncSetPrinter(ha, Container(0), None, None, PrinterControl.PURGE).status == OK
    assert list(srv.jobs) == [spooling]
    assert srv.jobs[spooling].phase is Phase.DELETING
    assert u.RpcAsyncWritePrinter(h, b"x", 1).status == Win32.ERROR_PRINT_CANCELLED
    assert u.RpcAsyncAbortPrinter(h).status == OK
    assert srv.jobs == {}


def test_users_cannot_touch_other_users_jobs_but_operators_can(env):
    srv, _a, u = env
    bob = Client(u.surface, user("bob"))
    op = Client(u.surface, operator("op"))
    h = open_use(u)
    job_id = start(u, h)
    hb = open_use(bob)
    before = (srv.jobs[job_id].modifiers, srv.jobs[job_id].priority)
    assert bob.RpcAsyncSetJob(hb, job_id, None, JobControl.PAUSE).status == E_DENIED
    assert bob.RpcAsyncSetJob(hb, job_id, Container(1, {"Priority": 9}), 0).status == E_DENIED
    assert (srv.jobs[job_id].modifiers, srv.jobs[job_id].priority) == before
    ho = open_use(op)
    assert op.RpcAsyncSetJob(ho, job_id, None, JobControl.PAUSE).status == OK
    assert srv.jobs[job_id].modifiers & JobStatus.PAUSED
    assert op.RpcAsyncSetJob(ho, job_id, None, JobControl.DELETE).status == OK
    assert srv.jobs[job_id].phase is Phase.DELETING


def test_builtin_forms_refuse_change(env):
    srv, a, _ = env
    hs = a.RpcAsyncOpenPrinter(None, None, None, Access.SERVER_ALL_ACCESS).pHandle
    forms = tuple(srv.forms.all())
    letter = {
        "pName": "Letter",
        "Size_cx": 1000,
        "Size_cy": 1000,
        "ImageableArea_left": 0,
        "ImageableArea_top": 0,
        "ImageableArea_right": 1000,
        "ImageableArea_bottom": 1000,
    }
    assert a.RpcAsyncDeleteForm(hs, "Letter").status == E_PARAM
    assert a.RpcAsyncSetForm(hs, "Letter", Container(1, letter)).status == E_PARAM
    assert a.RpcAsyncAddForm(hs, Container(1, letter)).status == Win32.ERROR_FILE_EXISTS
    assert tuple(srv.forms.all()) == forms


# -- sequences where the product is found wanting (see the report); they assert what is right ---


def test_get_printer_level_3_needs_only_read_control(env):
    """PRINTER_INFO_3 remarks: the security descriptor can be read with the standard rights
    alone (READ_CONTROL), even without printer permissions."""
    _, _, u = env
    r = u.RpcAsyncOpenPrinter("P1", None, None, Access.READ_CONTROL)
    assert r.status == OK
    first = u.RpcAsyncGetPrinter(r.pHandle, 3, 0)
    assert first.status == E_SMALL and first.pcbNeeded > 0


def test_set_job_with_info_and_a_refused_command_changes_nothing(env):
    srv, _, u = env
    h = open_use(u)
    job_id = start(u, h)
    r = u.RpcAsyncSetJob(h, job_id, Container(1, {"Priority": 7}), JobControl.RESTART)
    assert r.status == E_STATE  # a spooling job cannot restart
    assert srv.jobs[job_id].priority == 1, "the refused call changed the priority"


def test_sent_to_printer_on_a_queued_job_is_refused_and_changes_nothing(env):
    srv, _, u = env
    h = open_use(u)
    job_id = start(u, h)
    u.RpcAsyncWritePrinter(h, b"abc", 3)
    u.RpcAsyncEndDocPrinter(h)
    job = srv.jobs[job_id]
    before = (job.finished, job.bytes_printed, job.pages_printed)
    assert u.RpcAsyncSetJob(h, job_id, None, JobControl.SENT_TO_PRINTER).status == E_STATE
    assert (job.finished, job.bytes_printed, job.pages_printed) == before


def test_sent_to_printer_does_not_retire_a_job_its_writer_still_holds(env):
    srv, _, u = env
    h = open_use(u)
    job_id = start(u, h)
    assert u.RpcAsyncSetJob(h, job_id, None, JobControl.CANCEL).status == OK
    r = u.RpcAsyncSetJob(h, job_id, None, JobControl.SENT_TO_PRINTER)
    assert r.status in (OK, E_STATE)
    # Whatever SetJob did, the writer's EndDocPrinter must answer with a status.
    assert u.RpcAsyncEndDocPrinter(h).status == OK
    assert job_id not in srv.jobs


def test_set_printer_data_checks_access_before_parameters(env):
    """core.py: validation order is handle, level, access, then the parameters."""
    _, _, u = env
    h = open_use(u)
    assert u.RpcAsyncSetPrinterDataEx(h, "", "v", RegType.REG_BINARY, b"ab", 2).status == E_DENIED
    assert u.RpcAsyncSetPrinterDataEx(h, "K", "v", RegType.REG_BINARY, b"ab", 5).status == E_DENIED


def test_printer_data_value_names_keep_their_first_case(env):
    """printerdata.py: names compare case-insensitively and keep the case they were created
    with."""
    _srv, a, _ = env
    h = a.RpcAsyncOpenPrinter("P1", None, None, Access.PRINTER_ALL_ACCESS).pHandle
    assert a.RpcAsyncSetPrinterDataEx(h, "K", "Foo", RegType.REG_BINARY, b"1", 1).status == OK
    assert a.RpcAsyncSetPrinterDataEx(h, "k", "FOO", RegType.REG_BINARY, b"2", 1).status == OK
    r = a.RpcAsyncEnumPrinterDataEx(h, "K", 0)
    r = a.RpcAsyncEnumPrinterDataEx(h, "K", r.pcbEnumValues)
    (rec,) = unpack(PRINTER_ENUM_VALUES, r.pEnumValues, r.pnEnumValues)
    assert (rec["pValueName"], rec["pData"]) == ("Foo", b"2")


def test_maximum_allowed_with_nothing_grantable_is_access_denied(env):
    """An access check that grants no right fails, MAXIMUM_ALLOWED included (the NT access check
    ends with "fail if no rights have been granted"). The anonymous caller holds no right on the
    server or the printer, so it must not get a handle to enumerate forms or read server values."""
    _, _, u = env
    anon = Client(u.surface, anonymous())
    for name in (None, "P1"):
        assert anon.RpcAsyncOpenPrinter(name, None, None, Access.PRINTER_ACCESS_USE).status == (
            E_DENIED
        )
        assert anon.RpcAsyncOpenPrinter(name, None, None, Access.MAXIMUM_ALLOWED).status == E_DENIED


def test_a_printer_pending_deletion_is_gone_for_new_opens_and_enumeration(env):
    """MS-RPRN 3.1.4.2.4: a printer marked "Delete Pending" is excluded from later EnumPrinters,
    OpenPrinter and StartDocPrinter; handles already open keep working for everything else."""
    srv, a, u = env
    h = open_use(u)
    start(u, h)
    assert u.RpcAsyncEndDocPrinter(h).status == OK
    ha = a.RpcAsyncOpenPrinter("P1", None, None, Access.PRINTER_ALL_ACCESS).pHandle
    assert a.RpcAsyncDeletePrinter(ha).status == OK
    assert srv.printers["p1"].pending_deletion
    r = u.RpcAsyncOpenPrinter("P1", None, None, Access.PRINTER_ACCESS_USE)
    assert r.status == Win32.ERROR_INVALID_PRINTER_NAME
    r = u.RpcAsyncEnumPrinters(PrinterEnum.LOCAL, None, 1, 0)
    assert r.status == OK and r.pcbNeeded == 0 and r.pcReturned == 0
    assert u.RpcAsyncGetPrinter(h, 2, 0).status == E_SMALL  # the old handle still works


def test_a_held_printer_with_jobs_cannot_be_deleted_nor_a_dying_one_held(env):
    """DeletePrinter (Win32 docs): "A printer marked for pending deletion cannot be held ... If
    the printer is held and there are jobs for the printer, DeletePrinter fails with
    ERROR_ACCESS_DENIED" -- the jobs could never leave, so the printer would never go."""
    srv, a, u = env
    h = open_use(u)
    start(u, h)
    assert u.RpcAsyncEndDocPrinter(h).status == OK
    ha = a.RpcAsyncOpenPrinter("P1", None, None, Access.PRINTER_ALL_ACCESS).pHandle
    assert a.RpcAsyncSetPrinter(ha, Container(0), None, None, PrinterControl.PAUSE).status == OK
    assert a.RpcAsyncDeletePrinter(ha).status == E_DENIED
    assert not srv.printers["p1"].pending_deletion
    assert a.RpcAsyncSetPrinter(ha, Container(0), None, None, PrinterControl.RESUME).status == OK
    assert a.RpcAsyncDeletePrinter(ha).status == OK
    r = a.RpcAsyncSetPrinter(ha, Container(0), None, None, PrinterControl.PAUSE)
    assert r.status in (E_DENIED, E_DELETED, E_STATE)
    assert not srv.printers["p1"].status & PrinterStatus.PAUSED
