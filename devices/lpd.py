"""LPD (RFC 1179, TCP port 515) for a virtual printer.

Theory of operation
-------------------
:func:`handle_lpd` serves one connection, which carries one command (RFC 1179 5), through a
server-side :class:`~spoolsim.wire.lpr.LPRConnection`; this module moves bytes and keeps a queue.

* Receive job (02), for any queue name: every subcommand is acknowledged. Control files are
  kept (up to ``MAX_CONTROL_FILE``) and parsed; data files are only counted as they stream,
  through a device-side PJL codec and a :class:`~devices.pages.PageCounter`, so data with or
  without PJL gives the pages port 9100 would. A job goes to the engine once its control file
  and every data file it prints are in, in any order (Debian's OpenBSD ``lpd`` sends data
  files first, ``rlpr`` the control file); a data file of size 0 runs to the close. Pages: the
  sum over the print lines (``lpr -#2`` prints twice). Name: the J line, else the first N
  line, else the data file's name. An abort drops what is not yet submitted; what is
  incomplete at the close is logged.
* Queue state (03 short, 04 long): a status line, then the LPD jobs not yet finished, laid out
  like BSD ``lpq``. The engine does not list its jobs, so :class:`LpdQueue` (one per printer)
  keeps them, pruned by the engine's ``job_end`` events.
* Remove jobs (05): cancels the matching jobs (items: user names or job numbers; none = all)
  that the agent owns (any job for ``root``).
* Print waiting (01): acknowledged (the engine prints without being asked).

Malformed input ends this connection only: the refusal octet the codec's error carries is
written, the reason goes to ``printer.errors``. Limits (``devices.printer.DeviceLimits``):
every read and write is limited to ``idle_timeout`` seconds; the command line must arrive, and
every subcommand line once begun be whole, within ``message_timeout``; a connection holds at
most ``max_pending_files`` files that do not yet make a whole job, and a device at most
``max_jobs_held`` unfinished jobs: a file header beyond either is refused (NAK).
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable

import attrs
import trio

from devices.engine import EngineEvent
from devices.pages import PageCounter
from devices.printer import RECEIVE_SIZE, DeviceLimits, MessageClock, VirtualPrinter
from spoolsim.wire import lpr, pjl

MAX_CONTROL_FILE = 64 * 1024
"""Octets a control file may announce (real ones are a few hundred); more is refused (NAK)."""


@attrs.frozen
class LpdJob:
    """A job received over LPD: ``job`` is the engine's id, ``number`` the RFC 1179 one."""

    job: int
    number: int
    host: str
    user: str
    name: str
    files: tuple[tuple[str, int], ...]  # (name shown, bytes)
    pages: int


class LpdQueue:
    """The LPD jobs of one printer that the engine has not finished, in arrival order."""

    def __init__(self) -> None:
        self._jobs: dict[int, LpdJob] = {}
        self._started: set[int] = set()

    def add(self, job: LpdJob) -> None:
        self._jobs[job.job] = job

    def jobs(self) -> tuple[LpdJob, ...]:
        """The unfinished jobs, oldest first."""
        return tuple(self._jobs.values())

    def listen(self, events: list[EngineEvent]) -> None:
        """Engine news (a printer listener): note started jobs, forget finished ones."""
        for event in events:
            if event.kind == "job_start":
                self._started.add(event.job)
            elif event.kind == "job_end":
                self._jobs.pop(event.job, None)
                self._started.discard(event.job)

    def select(self, items: tuple[str, ...], agent: str | None = None) -> list[LpdJob]:
        """Jobs matching ``items`` (user names or job numbers; none = all), owned by ``agent``
        unless it is ``None``, ``root`` or ``-all``."""
        anyone = agent in (None, "root", "-all")
        return [
            job
            for job in self._jobs.values()
            if (anyone or job.user == agent)
            and (not items or any(i in (job.user, str(job.number)) for i in items))
        ]

    def listing(self, status: str, items: tuple[str, ...], *, long: bool) -> str:
        """Queue-state text in the layout of BSD ``lpq`` (``-l`` for ``long``)."""
        jobs = self.select(items)
        lines = [status]
        if not jobs:
            return "\n".join([*lines, "no entries", ""])
        if not long:
            lines.append(f"{'Rank':<7}{'Owner':<11}{'Job':<5}{'Files':<38}Total Size")
        waiting = map(_ordinal, itertools.count(1))
        for job in jobs:
            rank = "active" if job.job in self._started else next(waiting)
            names = ", ".join(name for name, _ in job.files) or job.name
            if long:
                lines += ["", f"{job.user + ':':<10} {rank:<28} [job {job.number:03d}{job.host}]"]
                lines += [f"        {name:<32} {size} bytes" for name, size in job.files]
            else:
                total = sum(size for _, size in job.files)
                lines.append(f"{rank:<7}{job.user:<11}{job.number:<5}{names:<38}{total} bytes")
        return "\n".join([*lines, ""])


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


_QUEUES: weakref.WeakKeyDictionary[VirtualPrinter, LpdQueue] = weakref.WeakKeyDictionary()


def lpd_queue(printer: VirtualPrinter) -> LpdQueue:
    """The LPD queue of ``printer`` (made, and subscribed to its engine, on first use)."""
    queue = _QUEUES.get(printer)
    if queue is None:
        queue = _QUEUES[printer] = LpdQueue()
        printer.listeners.append(queue.listen)
    return queue


class _Silent(Exception):
    """The host sent (or took) nothing for ``idle_timeout`` seconds, or let a message drag past
    its deadline."""

    def __init__(self, timeout: float, what: str = "host silent for") -> None:
        super().__init__(f"{what} {timeout:g} s")


class _DataFile:
    """Size and pages of one data file, counted as it streams in."""

    def __init__(self, printer: VirtualPrinter, name: str) -> None:
        self.printer, self.name, self.size = printer, name, 0
        self._pjl: pjl.PJLConnection | None = pjl.PJLConnection(pjl.Role.DEVICE)
        self._pages = PageCounter()

    def feed(self, data: bytes) -> None:
        """Account for a chunk; ``b""`` ends the file."""
        self.size += len(data)
        if self._pjl is None:
            self._pages.feed(data)
            return
        self._pjl.receive_data(data)
        try:
            while (event := self._pjl.next_event()) is not pjl.NEED_DATA:
                if isinstance(event, pjl.EndOfStream):
                    break
                if isinstance(event, pjl.PrintData):
                    self._pages.feed(event.data)
        except pjl.PJLError as exc:  # a printer prints on: the rest counts as plain data
            self._pjl = None
            self.printer.errors.append(f"LPD data file {self.name}: PJL error: {exc.detail}")

    @property
    def pages(self) -> int:
        return self._pages.pages


class _Session:
    def __init__(
        self, printer: VirtualPrinter, stream: trio.abc.Stream, limits: DeviceLimits
    ) -> None:
        self.printer, self.stream, self.limits = printer, stream, limits
        self.timeout = limits.idle_timeout
        self.conn = lpr.LPRConnection(lpr.Role.SERVER)
        self.controls: dict[str, lpr.ControlFile] = {}
        self.data: dict[str, _DataFile] = {}
        self.clock = MessageClock(limits.message_timeout)

    async def next_event(self) -> lpr.Event:
        while (event := self.conn.next_event()) is lpr.NEED_DATA:
            deadline = self.clock.deadline()
            with trio.move_on_at(min(trio.current_time() + self.timeout, deadline)):
                data = await self.stream.receive_some(RECEIVE_SIZE)
                self.conn.receive_data(data)
                if data:
                    self.clock.progress(octets=True, events=False)
                continue
            if trio.current_time() >= deadline:
                raise _Silent(self.limits.message_timeout, "message not whole within")
            raise _Silent(self.timeout)
        self.clock.progress(octets=False, events=True)
        return event

    async def write(self, data: bytes) -> None:
        with trio.move_on_after(self.timeout):
            await self.stream.send_all(data)
            return
        raise _Silent(self.timeout)

    async def send(self, event: lpr.Event) -> None:
        await self.write(self.conn.send(event))

    async def serve(self) -> None:
        command = await self.next_event()
        queue = lpd_queue(self.printer)
        if isinstance(command, lpr.ReceiveJob):
            await self.send(lpr.Ack(ok=True))
            await self.receive_job()
        elif isinstance(command, lpr.PrintWaiting):
            self.printer.catch_up()
            await self.send(lpr.Ack(ok=True))
        elif isinstance(command, lpr.QueueState):
            self.printer.catch_up()
            st = self.printer.engine.status()
            status = f"{self.printer.name}: {st.display} (status {st.code})"
            text = queue.listing(status, command.items, long=command.long)
            await self.send(lpr.StateText(text.encode()))
        elif isinstance(command, lpr.RemoveJobs):
            gone = queue.select(command.items, command.agent)
            for job in gone:
                self.printer.cancel(job.job)
            text = "".join(f"job {j.number:03d}{j.host} ({j.name}) dequeued\n" for j in gone)
            await self.send(lpr.StateText(text.encode()))

    async def receive_job(self) -> None:
        while not isinstance(event := await self.next_event(), lpr.EndOfStream):
            if isinstance(event, lpr.AbortJob):
                self.controls.clear()
                self.data.clear()
            elif isinstance(event, lpr.ControlFileHeader | lpr.DataFileHeader):
                self.check_room(event.name)
            if isinstance(event, lpr.ControlFileHeader):
                if event.size > MAX_CONTROL_FILE:
                    detail = f"count: control file of {event.size} bytes (limit {MAX_CONTROL_FILE})"
                    raise lpr.LPRError(detail, remote=True, reply=lpr.NAK)
                await self.send(lpr.Ack(ok=True))
                body = bytearray()
                await self.body(body.extend)
                self.controls[event.name] = lpr.parse_control_file(bytes(body))
                self.submit_complete()  # before the ack: a client that saw it finds the job
                await self.send(lpr.Ack(ok=True))
            elif isinstance(event, lpr.DataFileHeader):
                await self.send(lpr.Ack(ok=True))
                data = self.data[event.name] = _DataFile(self.printer, event.name)
                await self.body(data.feed)
                data.feed(b"")
                self.submit_complete()
                if event.size:
                    await self.send(lpr.Ack(ok=True))

    def check_room(self, name: str) -> None:
        """Refuse (NAK) a file beyond the connection's or the device's limits."""
        limits = self.limits
        if len(self.controls) + len(self.data) >= limits.max_pending_files:
            detail = f"{name}: over {limits.max_pending_files} files that make no whole job"
            raise lpr.LPRError(detail, remote=True, reply=lpr.NAK)
        if self.printer.jobs_held >= limits.max_jobs_held:
            detail = f"{name}: job memory full ({limits.max_jobs_held} jobs not yet printed)"
            raise lpr.LPRError(detail, remote=True, reply=lpr.NAK)

    async def body(self, feed: Callable[[bytes], None]) -> None:
        while isinstance(part := await self.next_event(), lpr.FileData):
            feed(part.data)

    def submit_complete(self) -> None:
        """Hand the engine every job whose control file and data files are all in."""
        for control_name, control in list(self.controls.items()):
            printed = [name for _, name in control.prints]
            if not all(name in self.data for name in printed):
                continue
            del self.controls[control_name]
            files = [self.data.pop(name) for name in dict.fromkeys(printed)]
            shown = [operand for letter, operand in control.other if letter == "N"]
            if len(shown) != len(files):
                shown = [f.name for f in files]
            name = control.job_name or (shown[0] if shown else control_name)
            pages = sum(f.pages for f in files for _, n in control.prints if n == f.name)
            parts = lpr.split_job_file_name(control_name)
            job = self.printer.submit(name, pages)
            sizes = tuple((shown_name, f.size) for shown_name, f in zip(shown, files, strict=True))
            number = parts[2] if parts else job % 1000
            entry = LpdJob(job, number, control.host, control.user, name, sizes, pages)
            lpd_queue(self.printer).add(entry)

    def drop_incomplete(self) -> None:
        for name, control in self.controls.items():
            missing = [n for _, n in control.prints if n not in self.data]
            self.printer.errors.append(f"LPD job {name} dropped: data file(s) {missing} missing")
        for name in self.data:
            self.printer.errors.append(f"LPD data file {name} dropped: no control file for it")


async def handle_lpd(
    printer: VirtualPrinter,
    stream: trio.abc.Stream,
    *,
    idle_timeout: float | None = None,
    limits: DeviceLimits | None = None,
) -> None:
    """Serve one LPD connection (closed on return) until its command is done or the host
    breaks the protocol; ``limits`` (in seconds of the Trio clock; ``idle_timeout`` overrides
    theirs) bound its reads, writes, deadlines and files."""
    limits = limits if limits is not None else DeviceLimits()
    if idle_timeout is not None:
        limits = attrs.evolve(limits, idle_timeout=idle_timeout)
    session = _Session(printer, stream, limits)
    async with stream:
        try:
            await session.serve()
        except lpr.LPRError as exc:
            printer.errors.append(f"LPD error: {exc.detail}")
            if exc.reply:
                try:
                    await session.write(exc.reply)
                except (_Silent, trio.BrokenResourceError, trio.ClosedResourceError):
                    pass
        except (_Silent, trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            printer.errors.append(f"LPD connection closed: {exc or type(exc).__name__}")
        finally:
            session.drop_incomplete()
