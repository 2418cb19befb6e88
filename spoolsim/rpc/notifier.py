"""Change notifications: who watches what, and what each watcher has not yet been told.

Theory of operation
-------------------
A :class:`Subscription` is the notification object of MS-PAR 3.1.4.9.1: a scope (one printer, or
the whole server), a filter (PRINTER_CHANGE_* flags, and printer and job fields), a colour, and
a *backlog* of what changed since the subscriber last asked.

The :class:`Notifier` learns of changes without the model knowing about it: it listens to the
event log (a job or printer event names the object that changed; form, port, driver, processor
and server events map to their PRINTER_CHANGE_* flag) and to the server's ``job_watchers`` (data
written, a page ended, print progress: changes the log does not record). On each, it reads the
changed object's field values from the model and compares them with the values it last saw
(``_seen``); only fields whose value differs are offered to the subscriptions in scope. So the
values a subscriber receives are always the model's, and a change nobody watches costs one
comparison. While nobody subscribes the notifier is detached and costs nothing.

The backlog keeps one value per (type, id, field): a field that changes twice before the
subscriber asks is sent once, with its latest value. It holds at most ``limit`` values (default
:data:`BACKLOG_LIMIT`); one more and it is dropped whole and the subscription marked
*discarded*: the next reply carries PRINTER_NOTIFY_INFO_DISCARDED and no data, and the
subscriber refreshes (opnum 60) to learn the whole state again. So a slow or dead subscriber holds
a bounded amount of memory and costs the spooler one flag update per change.

How removals travel: a deleted job is reported as its STATUS field with JOB_STATUS_DELETED
(0x100) and nothing else (earlier values of that job still waiting are dropped). Through a server
handle a printer leaves the view when its deletion begins (it refuses new jobs from then on): its
STATUS is reported with PRINTER_STATUS_PENDING_DELETION, and each of its jobs as deleted. Through
the printer's own handle the printer stays in view until it is gone, with the
PRINTER_CHANGE_DELETE_PRINTER flag.

Printer entries carry an Id that the notifier gives each printer on first sight (1, 2, ...),
since the Win32 documentation leaves a printer entry's Id undefined; a job entry's Id is its JobId.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import attrs

from spoolsim.model.constants import JobStatus, PrinterStatus
from spoolsim.model.jobs import Job
from spoolsim.model.printers import Printer
from spoolsim.model.server import PrintServer
from spoolsim.rpc.notifyfields import (
    CATEGORY_3D,
    JOB_NOTIFY_TYPE,
    JOB_STATUS_FIELD,
    PRINTER_HANDLE_CHANGES,
    PRINTER_NOTIFY_INFO_DISCARDED,
    PRINTER_NOTIFY_TYPE,
    PRINTER_STATUS_FIELD,
    WRITE_FIELDS,
    Change,
    job_values,
    printer_values,
    table_of,
)

# The most field values one subscription keeps waiting for its subscriber (see module doc).
BACKLOG_LIMIT = 1000

# Events that are changes to something other than a printer or a job: their flag alone.
SERVER_CHANGES: dict[str, Change] = {
    "form.added": Change.ADD_FORM,
    "form.set": Change.SET_FORM,
    "form.deleted": Change.DELETE_FORM,
    "port.added": Change.ADD_PORT,
    "port.status": Change.CONFIGURE_PORT,
    "port.configured": Change.CONFIGURE_PORT,
    "port.deleted": Change.DELETE_PORT,
    "processor.added": Change.ADD_PRINT_PROCESSOR,
    "processor.deleted": Change.DELETE_PRINT_PROCESSOR,
    "driver.added": Change.ADD_PRINTER_DRIVER,
    "driver.updated": Change.SET_PRINTER_DRIVER,
    "driver.deleted": Change.DELETE_PRINTER_DRIVER,
    "server.set": Change.SERVER,
}
# Printer events that are a SetPrinter-style change even when no watched field moved.
_ALWAYS_SET = frozenset({"printer.set", "printer.data_set"})


@attrs.frozen
class NotifyData:
    """RPC_V2_NOTIFY_INFO_DATA: one field's value. ``Reserved`` is its table type."""

    Type: int
    Field: int
    Reserved: int
    Id: int
    Data: object


@attrs.frozen
class NotifyInfo:
    """RPC_V2_NOTIFY_INFO (Version 2); ``Count`` is ``len(aData)``."""

    Flags: int
    aData: tuple[NotifyData, ...] = ()
    Version: int = 2

    @property
    def Count(self) -> int:
        return len(self.aData)


@attrs.define(eq=False)
class Subscription:
    """One notification object. ``printer`` None means the whole server."""

    handle: bytes
    session: int
    owner: bytes
    printer: Printer | None
    flags: int
    category: int
    fields: dict[int, frozenset[int]]
    color: int = 0
    limit: int = BACKLOG_LIMIT
    changed: int = 0
    discarded: bool = False  # the backlog overflowed; no values are kept until a refresh
    unsent: bool = False  # something matched since the last reply (for a discarded one)
    size: int = 0
    pending: dict[tuple[int, int], dict[int, object]] = attrs.Factory(dict)
    wakers: list[Callable[[], None]] = attrs.Factory(list)

    @property
    def ready(self) -> bool:
        """Whether a poll would answer now."""
        return bool(self.changed or self.pending or self.unsent)

    def offer(
        self,
        flag: int,
        type_: int | None = None,
        id_: int = 0,
        changes: dict[int, object] | None = None,
        *,
        removed: bool = False,
    ) -> None:
        """A change in scope: keep the flag if filtered for, and the watched fields' values.

        ``changes`` are one object's changed fields; ``removed`` says the object is gone.
        """
        hit = flag & self.flags
        watch = self.fields.get(type_) if type_ is not None else None
        wanted: Collection[tuple[int, object]]
        if watch is None or not (changes or removed):
            wanted = ()
        elif removed:
            wanted = (_REMOVAL[type_],)  # type: ignore[index]
        elif watch.issuperset(changes):  # type: ignore[arg-type]
            wanted = changes.items()  # type: ignore[union-attr]
        else:
            wanted = [(f, v) for f, v in changes.items() if f in watch]  # type: ignore[union-attr]
        if not hit and not wanted:
            return
        self.changed |= hit
        self.unsent = True
        if wanted and not self.discarded:
            key = (type_, id_)
            if removed:
                self.size -= len(self.pending.pop(key, ()))  # type: ignore[arg-type]
            values = self.pending.setdefault(key, {})  # type: ignore[arg-type]
            for field, value in wanted:
                self.size += field not in values
                values[field] = value
            if self.size > self.limit:
                self.pending.clear()
                self.size = 0
                self.discarded = True
        if self.wakers:
            self.wake()

    def wake(self) -> None:
        wakers, self.wakers = self.wakers, []
        for wake in wakers:
            wake()

    def take(self) -> tuple[int, NotifyInfo]:
        """What a poll returns: the flags and values since the last poll, which are then gone."""
        info_flags = PRINTER_NOTIFY_INFO_DISCARDED if self.discarded else 0
        # MS-PAR 3.1.4.9.3 has the client look for DISCARDED in "RemoteNotifyData Flags" too,
        # where the bit shares its value with PRINTER_CHANGE_ADD_PRINTER.
        flags = self.changed | info_flags
        data = tuple(
            NotifyData(type_, field, table_of(type_, field), id_, value)
            for (type_, id_), values in self.pending.items()
            for field, value in values.items()
        )
        self.changed = 0
        self.unsent = False
        self.pending.clear()
        self.size = 0
        return flags, NotifyInfo(info_flags, data)


# How a removal travels (see the module docstring): the STATUS field with the "gone" bit.
_REMOVAL = {
    JOB_NOTIFY_TYPE: (JOB_STATUS_FIELD, int(JobStatus.DELETED)),
    PRINTER_NOTIFY_TYPE: (PRINTER_STATUS_FIELD, int(PrinterStatus.PENDING_DELETION)),
}


@attrs.define
class Notifier:
    """The subscriptions of one method surface, and the model values they were last told."""

    server: PrintServer
    limit: int = BACKLOG_LIMIT
    _subs: dict[bytes, Subscription] = attrs.Factory(dict)
    # The same subscriptions by scope: a printer's own, and the server's.
    _on_printer: dict[Printer, list[Subscription]] = attrs.Factory(dict)
    _on_server: list[Subscription] = attrs.Factory(list)
    _seen_printers: dict[Printer, dict[int, object]] = attrs.Factory(dict)
    _seen_queues: dict[Printer, tuple[int, ...]] = attrs.Factory(dict)
    _seen_jobs: dict[int, dict[int, object]] = attrs.Factory(dict)
    _ids: dict[Printer, int] = attrs.Factory(dict)
    _next_id: int = 0

    # -- subscriptions -----------------------------------------------------------------------

    def add(self, sub: Subscription) -> None:
        if not self._subs:
            self._attach()
        sub.limit = self.limit
        self._subs[sub.handle] = sub
        if sub.printer is None:
            self._on_server.append(sub)
        else:
            self._on_printer.setdefault(sub.printer, []).append(sub)

    def get(self, handle: object, session: int) -> Subscription | None:
        sub = self._subs.get(handle) if isinstance(handle, bytes) else None
        return sub if sub is not None and sub.session == session else None

    def idle(self, handle: object, session: int) -> Subscription | None:
        """The subscription behind ``handle`` when a poll on it would have to wait."""
        sub = self.get(handle, session)
        return sub if sub is not None and not sub.ready else None

    def remove(self, handle: bytes) -> None:
        sub = self._subs.pop(handle, None)
        if sub is None:
            return
        if sub.printer is None:
            self._on_server.remove(sub)
        else:
            self._on_printer[sub.printer].remove(sub)
            if not self._on_printer[sub.printer]:
                del self._on_printer[sub.printer]
        sub.wake()  # a poll waiting on it learns that it is gone
        if not self._subs:
            self._detach()

    def end_all(self) -> int:
        """Remove every subscription (the spooler stopped); each waiting poll wakes to find its
        handle gone. Returns how many there were."""
        handles = list(self._subs)
        for handle in handles:
            self.remove(handle)
        return len(handles)

    def owned_by(self, owner: bytes) -> list[bytes]:
        """The notification handles registered through the printer or server handle ``owner``."""
        return [h for h, sub in self._subs.items() if sub.owner == owner]

    def __len__(self) -> int:
        return len(self._subs)

    def printer_id(self, p: Printer) -> int:
        if p not in self._ids:
            self._next_id += 1
            self._ids[p] = self._next_id
        return self._ids[p]

    def snapshot(self, sub: Subscription) -> NotifyInfo:
        """Every watched value in the subscription's scope now (a refresh)."""
        data: list[NotifyData] = []
        printer_fields = sub.fields.get(PRINTER_NOTIFY_TYPE, frozenset())
        job_fields = sub.fields.get(JOB_NOTIFY_TYPE, frozenset())
        for p in self._scope(sub):
            data += _data(
                PRINTER_NOTIFY_TYPE,
                self.printer_id(p),
                printer_values(self.server, p),
                printer_fields,
            )
            if job_fields:
                for job_id in p.queue:
                    values = job_values(self.server, p, self.server.jobs[job_id])
                    data += _data(JOB_NOTIFY_TYPE, job_id, values, job_fields)
        return NotifyInfo(0, tuple(data))

    def _scope(self, sub: Subscription) -> list[Printer]:
        if sub.printer is not None:
            return [] if self.server.is_deleted(sub.printer) else [sub.printer]
        if sub.category == CATEGORY_3D:
            return []  # every modelled printer is a 2D printer
        return [p for p in self.server.printers.values() if not p.pending_deletion]

    # -- learning of changes -----------------------------------------------------------------

    def _attach(self) -> None:
        self.server.log.listeners.append(self._on_event)
        self.server.job_watchers.append(self._on_job)
        for p in self.server.printers.values():
            self._seen_printers[p] = printer_values(self.server, p)
            self._seen_queues[p] = tuple(p.queue)
            for job_id in p.queue:
                self._seen_jobs[job_id] = job_values(self.server, p, self.server.jobs[job_id])

    def _detach(self) -> None:
        self.server.log.listeners.remove(self._on_event)
        self.server.job_watchers.remove(self._on_job)
        self._seen_printers.clear()
        self._seen_queues.clear()
        self._seen_jobs.clear()

    def _on_job(self, job: Job) -> None:
        p = self.server.printers.get(job.printer_name.lower())
        if p is not None:
            self._printer_changed(p, job.job_id)

    def _on_event(self, time: float, kind: str, subject: str, data: dict[str, object]) -> None:
        family = kind.partition(".")[0]
        if family == "job":
            name, _, number = subject.rpartition("/")
            p = self.server.printers.get(name.lower())
            if p is not None and number.isdigit():
                self._printer_changed(p, int(number))
        elif family == "printer":
            if kind == "printer.deleted":
                self._printer_gone(subject)
                return
            p = self.server.printers.get(subject.lower())
            if p is not None:
                force = SET_PRINTER if kind in _ALWAYS_SET else 0
                self._printer_changed(p, None, force=force, all_jobs=kind == "printer.renamed")
        elif kind in SERVER_CHANGES:
            flag = int(SERVER_CHANGES[kind])
            subs = list(self._on_server)
            if flag & PRINTER_HANDLE_CHANGES:  # a driver update: the printers that use it
                for p, group in self._on_printer.items():
                    if p.driver_name.lower() == subject.lower():
                        subs += group
            for sub in subs:
                sub.offer(flag)

    def _printer_changed(
        self, p: Printer, job_id: int | None, *, force: int = 0, all_jobs: bool = False
    ) -> None:
        seen = self._seen_printers.get(p)
        values = printer_values(self.server, p)
        self._seen_printers[p] = values
        pid = self.printer_id(p)
        if seen is None:
            self._send(p, ADD_PRINTER, PRINTER_NOTIFY_TYPE, pid, values)
        else:
            changed = _diff(seen, values)
            if changed or force:
                self._send(p, SET_PRINTER, PRINTER_NOTIFY_TYPE, pid, changed)
            deleting = int(PrinterStatus.PENDING_DELETION)
            if p.pending_deletion and not seen[PRINTER_STATUS_FIELD] & deleting:  # type: ignore[operator]
                self._send(p, DELETE_PRINTER, only_printer=True)
                self._leave_server_view(p, pid)
        queue = tuple(p.queue)
        if all_jobs or queue != self._seen_queues.get(p, ()):
            self._jobs_changed(p, queue)
        elif job_id is not None and job_id in self.server.jobs:
            self._job_changed(p, job_id)

    def _jobs_changed(self, p: Printer, queue: tuple[int, ...]) -> None:
        before = self._seen_queues.get(p, ())
        self._seen_queues[p] = queue
        now_in = set(queue)
        for job_id in before:
            if job_id not in now_in and self._seen_jobs.pop(job_id, None) is not None:
                self._send(p, DELETE_JOB, JOB_NOTIFY_TYPE, job_id, removed=True)
        for job_id in queue:
            self._job_changed(p, job_id)

    def _job_changed(self, p: Printer, job_id: int) -> None:
        job = self.server.jobs[job_id]
        seen = self._seen_jobs.get(job_id)
        if not job.live:  # deleted, about to leave the queue: report it gone now
            if self._seen_jobs.pop(job_id, None) is not None:
                self._send(p, DELETE_JOB, JOB_NOTIFY_TYPE, job_id, removed=True)
            return
        values = job_values(self.server, p, job, seen)
        self._seen_jobs[job_id] = values
        if seen is None:
            self._send(p, ADD_JOB, JOB_NOTIFY_TYPE, job_id, values)
            return
        changed = _diff(seen, values)
        if changed:
            flag = WRITE_JOB if changed.keys() <= WRITE_FIELDS else SET_JOB
            self._send(p, flag, JOB_NOTIFY_TYPE, job_id, changed)

    def _leave_server_view(self, p: Printer, pid: int) -> None:
        """Through server handles a printer whose deletion began is gone, and its jobs too."""
        for sub in list(self._on_server):
            sub.offer(DELETE_PRINTER, PRINTER_NOTIFY_TYPE, pid, removed=True)
            for job_id in self._seen_queues.get(p, ()):
                sub.offer(DELETE_JOB, JOB_NOTIFY_TYPE, job_id, removed=True)

    def _printer_gone(self, name: str) -> None:
        for p in list(self._seen_printers):
            if p.name.lower() == name.lower() and self.server.is_deleted(p):
                seen = self._seen_printers.pop(p)
                for job_id in self._seen_queues.pop(p, ()):
                    self._seen_jobs.pop(job_id, None)
                self._send(p, DELETE_PRINTER, only_printer=True)
                if not seen[PRINTER_STATUS_FIELD] & int(PrinterStatus.PENDING_DELETION):  # type: ignore[operator]
                    self._leave_server_view(p, self.printer_id(p))
                self._ids.pop(p, None)

    def _send(
        self,
        p: Printer,
        flag: int,
        type_: int | None = None,
        id_: int = 0,
        changes: dict[int, object] | None = None,
        *,
        removed: bool = False,
        only_printer: bool = False,
    ) -> None:
        subs = self._on_printer.get(p, [])
        if self._on_server and not only_printer and not p.pending_deletion:
            if not self.server.is_deleted(p):
                subs = subs + [s for s in self._on_server if s.category != CATEGORY_3D]
        for sub in subs:
            sub.offer(flag, type_, id_, changes, removed=removed)


ADD_PRINTER, SET_PRINTER, DELETE_PRINTER = (
    int(Change.ADD_PRINTER),
    int(Change.SET_PRINTER),
    int(Change.DELETE_PRINTER),
)
ADD_JOB, SET_JOB, DELETE_JOB, WRITE_JOB = (
    int(Change.ADD_JOB),
    int(Change.SET_JOB),
    int(Change.DELETE_JOB),
    int(Change.WRITE_JOB),
)


def _diff(old: dict[int, object], new: dict[int, object]) -> dict[int, object]:
    return {field: value for field, value in new.items() if old.get(field) != value}


def _data(
    type_: int, id_: int, values: dict[int, object], wanted: frozenset[int]
) -> list[NotifyData]:
    return [
        NotifyData(type_, field, table_of(type_, field), id_, value)
        for field, value in values.items()
        if field in wanted
    ]
