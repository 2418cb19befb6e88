"""A virtual printer on a network: one print engine behind AppSocket (RAW 9100 with PJL).

Theory of operation
-------------------
A :class:`VirtualPrinter` owns a :class:`~devices.engine.PrintEngine` and one timer task
(:meth:`VirtualPrinter.run`) that sleeps until the engine's next deadline, advances it, and tells
every listening connection what happened. Connections (:meth:`VirtualPrinter.handle_raw`, and
``devices.lpd`` for LPR) bring jobs in; before answering anything they bring the engine up to
the present, so a reply never describes a past state.

AppSocket with PJL, as a device sees it:

* a job is the print data between ``@PJL JOB`` and its matching ``@PJL EOJ`` (nesting counted);
  print data outside any JOB forms an implicit job that ends at the next UEL or when the host
  closes (``echo hi | nc printer 9100``). Pages are counted from the data (``devices.pages``).
* ``@PJL INFO STATUS`` / ``ID`` / ``PAGECOUNT`` / ``CONFIG`` / ``SUPPLIES`` are answered on the same
  connection; ``ECHO`` is echoed. ``SUPPLIES`` is a spoolsim extension (real devices publish
  supply levels through SNMP's Printer MIB): ``TONER=pct`` and one ``TRAY1=pct``... per tray
  (the tray's name upper-cased without spaces).
* ``@PJL USTATUS DEVICE=ON`` sends this connection every status change (``CODE=``, and
  ``CODE2=`` for a standing alert such as toner low); ``USTATUS JOB=ON`` the START and END of
  the jobs this connection sent; ``USTATUS PAGE=ON`` the number of each page of them as it
  comes out. ``USTATUSOFF`` turns all off. Every reply ends with a form feed.
* Malformed PJL ends that connection (the device logs why); the printer and other connections
  carry on, and jobs already received still print.

Limits (:class:`DeviceLimits`; times are in the run's clock, so ``scaled(R)`` under
``MockClock(rate=R)`` makes them real seconds): a host silent for ``idle_timeout`` is dropped; a
message (a PJL line, a UEL) must be whole within ``message_timeout`` of its first octets, and
the first one within ``message_timeout`` of the connection, so a host trickling a line an octet
a minute is dropped however often it sends; replies the host does not read are held up to
``max_outbox`` octets, then the connection ends; a device holds at most ``max_jobs_held``
unfinished jobs (a job beyond that is discarded and logged, as a printer whose job memory is
full); ``errors`` keeps the last :data:`MAX_ERRORS` entries.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import attrs
import trio

from devices.engine import EngineEvent, PrintEngine
from devices.faults import Fault
from devices.pages import PageCounter
from devices.profile import DeviceProfile
from spoolsim.wire import pjl

# Engine events that change what ``INFO STATUS`` reports.
STATUS_KINDS = frozenset({"status", "alert", "alert_clear"})
# The USTATUS categories (PJL manual ch. 7): DEVICE, JOB, PAGE, TIMED.
USTATUS_NAMES = frozenset({"DEVICE", "JOB", "PAGE", "TIMED"})
IDLE_TIMEOUT = 300.0
"""Seconds a device waits for more bytes from a host before it gives up on the connection."""
MESSAGE_TIMEOUT = 30.0
"""Seconds within which a message begun (a PJL line, a UEL; an LPD command or subcommand line)
must be whole, and the first message must arrive after the connection opens: a deadline that
the octets of a slow host do not push back, unlike ``IDLE_TIMEOUT``."""
MAX_OUTBOX = 1024 * 1024
"""Octets of replies and unsolicited status held for a host that does not read them; beyond
it the connection ends."""
MAX_PEER_CONNECTIONS = 16
"""Connections one host (peer address) may hold open at once to each of a device's servers;
more are closed at once (``devices.serve``)."""
MAX_JOBS_HELD = 1000
"""Unfinished jobs a device holds (received, not yet printed) from its network servers; a job
beyond it is refused, as by a printer whose job memory is full."""
MAX_PENDING_FILES = 64
"""LPD: control and data files one connection may have received that do not yet make a whole
job (BSD ``lpr`` names at most 52 data files per job: dfA..dfZ, dfa..dfz)."""
MAX_ERRORS = 1000
"""Entries ``VirtualPrinter.errors`` keeps (the oldest are dropped): hostile hosts cannot grow
it without bound."""
RECEIVE_SIZE = 65536
"""Octets read from a connection at a time."""


@attrs.frozen
class DeviceLimits:
    """What one connection to a device may take (see the module docstring); the defaults are
    the module's constants. Times are in the run's clock: use :meth:`scaled` under a rate."""

    idle_timeout: float = IDLE_TIMEOUT
    message_timeout: float = MESSAGE_TIMEOUT
    max_outbox: int = MAX_OUTBOX
    max_peer_connections: int = MAX_PEER_CONNECTIONS
    max_jobs_held: int = MAX_JOBS_HELD
    max_pending_files: int = MAX_PENDING_FILES

    def scaled(self, rate: float) -> DeviceLimits:
        """The same limits with every time multiplied by ``rate``, the clock's speed under
        ``MockClock(rate=R)``: timeouts that protect real clients last real seconds."""
        return attrs.evolve(
            self, idle_timeout=self.idle_timeout * rate, message_timeout=self.message_timeout * rate
        )


class ErrorLog(list[str]):
    """``VirtualPrinter.errors``: a list that keeps only the last ``limit`` entries."""

    def __init__(self, items: Iterable[str] = (), *, limit: int = MAX_ERRORS) -> None:
        super().__init__(items)
        self.limit = limit
        del self[: max(len(self) - limit, 0)]

    def append(self, item: str) -> None:
        super().append(item)
        if len(self) > self.limit:
            del self[0]


class MessageClock:
    """The message deadline of one connection (``DeviceLimits.message_timeout``).

    The clock starts when the connection opens (the first message is due) and again when octets
    arrive that complete no event; a complete event stops it.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.since: float | None = trio.current_time()

    def deadline(self) -> float:
        """When the message being received is overdue (``inf`` when none is)."""
        return math.inf if self.since is None else self.since + self.timeout

    def progress(self, *, octets: bool, events: bool) -> None:
        """After a read: ``octets`` arrived, ``events`` came out of the codec."""
        if events:
            self.since = None
        elif octets and self.since is None:
            self.since = trio.current_time()


class VirtualPrinter:
    """One emulated printer: engine, timer task and connection handlers.

    Args:
        profile: what the hardware is.
        seed: seeds the engine's random stream (per-page faults).
        faults: scheduled faults.
        name: shown in logs; defaults to the profile's name.
    """

    def __init__(
        self,
        profile: DeviceProfile,
        *,
        seed: int = 0,
        faults: tuple[Fault, ...] = (),
        name: str | None = None,
        now: float = 0.0,
    ) -> None:
        self.profile = profile
        self.name = name or profile.name
        self.engine = PrintEngine(profile, seed=seed, faults=faults, now=now)
        self.errors: list[str] = ErrorLog()  # why connections were dropped (the last ones)
        # Called with the engine's news beside the connections (the spooler's direct path).
        self.listeners: list[Callable[[list[EngineEvent]], None]] = []
        self.jobs_received = 0
        self._sessions: set[_RawSession] = set()
        self._sleeping: trio.CancelScope | None = None
        self._held: set[int] = set()  # jobs submitted here that have not ended

    @property
    def jobs_held(self) -> int:
        """Jobs submitted through :meth:`submit` that the engine has not finished."""
        return len(self._held)

    # -- the engine's clock ------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Advance the engine at its deadlines, forever."""
        task_status.started()
        while True:
            deadline = self.engine.next_deadline()
            with trio.CancelScope(deadline=math.inf if deadline is None else deadline) as scope:
                self._sleeping = scope
                await trio.sleep_forever()
            self._sleeping = None
            self.catch_up()

    def catch_up(self, now: float | None = None) -> None:
        """Bring the engine to the present (or ``now``) and tell the listeners."""
        self._broadcast(self.engine.advance(trio.current_time() if now is None else now))

    def _rearm(self) -> None:
        deadline = self.engine.next_deadline()
        if self._sleeping is not None:
            self._sleeping.deadline = math.inf if deadline is None else deadline

    def submit(
        self, name: str, pages: int, origin: _RawSession | None = None, *, now: float | None = None
    ) -> int:
        """A whole job arrived (at ``now``, by default the present): queue it in the engine."""
        now = trio.current_time() if now is None else now
        self.catch_up(now)
        job = self.engine.submit(now, name=name, pages=pages)
        self._held.add(job)
        self.jobs_received += 1
        if origin is not None:
            origin.own_jobs[job] = name
        self._rearm()
        return job

    def cancel(self, job: int) -> None:
        """Cancel an engine job (an LPD remove): it ends now with the pages already out."""
        self.catch_up()
        self._broadcast(self.engine.cancel(trio.current_time(), job))
        self._rearm()

    def act(self, action: str) -> None:
        """An operator action at the panel: ``clear_jam``, ``load_paper``, ``close_door``, ..."""
        self.catch_up()
        self._broadcast(self.engine.act(trio.current_time(), action))
        self._rearm()

    def _broadcast(self, events: list[EngineEvent]) -> None:
        if not events:
            return
        for event in events:
            if event.kind == "job_end":
                self._held.discard(event.job)  # type: ignore[arg-type]
        for session in list(self._sessions):
            session.notify(events)
        for listener in self.listeners:
            listener(events)

    # -- replies -----------------------------------------------------------------------------------

    def device_status(self, category: str) -> pjl.Reply:
        st = self.engine.status()
        reply = pjl.status_reply(st.code, st.display, st.online, category=category)
        alerts = tuple(f"CODE{i}={code}" for i, code in enumerate(st.alerts, start=2))
        return pjl.Reply(reply.category, reply.lines + alerts)

    def supplies(self) -> dict[str, int]:
        """Consumables in percent, as ``INFO SUPPLIES`` lists them: ``{"toner": 97, "tray1": 40}``
        (a tray's key is its name in lower case without spaces)."""
        st = self.engine.status()
        levels = {"toner": st.toner_pct}
        for tray, (_, sheets) in zip(self.profile.trays, st.trays, strict=True):
            key = tray.name.lower().replace(" ", "")
            levels[key] = 100 * sheets // max(tray.capacity, 1)
        return levels

    def info(self, category: str) -> pjl.Reply:
        """The reply to ``@PJL INFO <category>``; an unknown category gets ``?``."""
        st = self.engine.status()
        what = category.upper()
        if what == "STATUS":
            return self.device_status("INFO STATUS")
        if what == "PAGECOUNT":
            return pjl.pagecount_reply(st.page_count)
        if what == "ID":
            return pjl.Reply("INFO ID", (f'"{self.profile.pjl_id}"',))
        if what == "SUPPLIES":
            lines = tuple(f"{key.upper()}={pct}" for key, pct in self.supplies().items())
            return pjl.Reply("INFO SUPPLIES", lines)
        if what == "CONFIG":
            lines = [f"MEMORY={self.profile.memory_mb * 1024 * 1024}"]
            lines.append(f"DUPLEX={'TRUE' if self.profile.duplex else 'FALSE'}")
            lines += [f"LANGUAGES={lang}" for lang in self.profile.languages]
            return pjl.Reply("INFO CONFIG", lines)
        return pjl.Reply(f"INFO {category}", ('"?"',))

    # -- connections -------------------------------------------------------------------------------

    async def handle_raw(
        self,
        stream: trio.abc.Stream,
        *,
        idle_timeout: float | None = None,
        limits: DeviceLimits | None = None,
    ) -> None:
        """Serve one AppSocket connection until the host closes it, breaks the protocol, stays
        silent for the idle timeout or lets a message drag past its deadline (``limits``, in
        the Trio clock: scale them under a rate; ``idle_timeout`` overrides theirs)."""
        limits = limits if limits is not None else DeviceLimits()
        if idle_timeout is not None:
            limits = attrs.evolve(limits, idle_timeout=idle_timeout)
        session = _RawSession(self, limits)
        self._sessions.add(session)
        async with stream, trio.open_nursery() as nursery:
            nursery.start_soon(session.write, stream)
            try:
                await session.read(stream)
            finally:
                self._sessions.discard(session)
                session.outbox.close()
                # Replies already queued go out if the host takes them within the idle timeout
                # (``nc -N`` reads after its half-close); one that reads nothing is not waited for.
                wait = 0.0 if session.overflow else limits.idle_timeout
                nursery.cancel_scope.deadline = trio.current_time() + wait


class _RawSession:
    """One AppSocket connection: its PJL codec, its USTATUS settings, the job in progress."""

    def __init__(self, printer: VirtualPrinter, limits: DeviceLimits) -> None:
        self.printer = printer
        self.limits = limits
        self.conn = pjl.PJLConnection(pjl.Role.DEVICE)
        # Unbounded as a channel, bounded in octets by ``pending`` and ``limits.max_outbox``.
        self.outbox, self._outgoing = trio.open_memory_channel[bytes](math.inf)
        self.pending = 0  # octets in the outbox, not yet written
        self.overflow = False  # the host let more than max_outbox octets pile up
        self.ustatus: set[str] = set()
        self.own_jobs: dict[int, str] = {}  # engine job id -> JOB NAME
        self._depth = 0
        self._name = ""
        self._counter: PageCounter | None = None

    def reply(self, reply: pjl.Reply) -> None:
        data = self.conn.send(reply)
        if self.overflow or self.pending + len(data) > self.limits.max_outbox:
            self.overflow = True  # the reader ends the connection
            return
        try:
            self.outbox.send_nowait(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            return  # the host stopped reading; unsolicited status is not kept for it
        self.pending += len(data)

    async def write(self, stream: trio.abc.Stream) -> None:
        try:
            async for data in self._outgoing:
                await stream.send_all(data)
                self.pending -= len(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            self._outgoing.close()  # the host went away; what it did not read is dropped

    async def read(self, stream: trio.abc.Stream) -> None:
        limits, errors = self.limits, self.printer.errors
        clock = MessageClock(limits.message_timeout)
        while True:
            data = b""
            deadline = clock.deadline()
            with trio.move_on_at(min(trio.current_time() + limits.idle_timeout, deadline)) as wait:
                try:
                    data = await stream.receive_some(RECEIVE_SIZE)
                except trio.BrokenResourceError:
                    errors.append("connection reset by the host")
            if wait.cancelled_caught:
                if trio.current_time() >= deadline:
                    errors.append(
                        f"host too slow: a message was not whole within {limits.message_timeout:g}"
                        " s: connection closed"
                    )
                else:
                    errors.append("host silent: connection closed")
                data = b""
            self.conn.receive_data(data)
            events = False
            try:
                while (event := self.conn.next_event()) is not pjl.NEED_DATA:
                    events = True
                    if isinstance(event, pjl.EndOfStream):
                        self._end_implicit_job()
                        return
                    self.handle(event)
            except pjl.PJLError as exc:
                errors.append(f"PJL error: {exc.detail}")
                self._end_implicit_job()
                return
            if self.overflow:
                errors.append(
                    f"host does not read its replies: over {limits.max_outbox} octets pending:"
                    " connection closed"
                )
                self._end_implicit_job()
                return
            clock.progress(octets=bool(data), events=events)

    def handle(self, event: object) -> None:
        if isinstance(event, pjl.PrintData):
            if self._counter is None:
                self._counter, self._name = PageCounter(), ""
            self._counter.feed(event.data)
        elif isinstance(event, pjl.Uel):
            if self._depth == 0:
                self._end_implicit_job()
        elif isinstance(event, pjl.Command):
            self.command(event)

    def command(self, cmd: pjl.Command) -> None:
        printer = self.printer
        if cmd.verb == "JOB":
            if self._depth == 0:
                self._end_implicit_job()
                self._counter, self._name = PageCounter(), cmd.option("NAME") or ""
            self._depth += 1
        elif cmd.verb == "EOJ" and self._depth > 0:
            self._depth -= 1
            if self._depth == 0:
                self._end_implicit_job()
        elif cmd.verb == "INFO" and cmd.args:
            printer.catch_up()
            self.reply(printer.info(cmd.args[0]))
        elif cmd.verb == "ECHO":
            self.reply(pjl.Reply(f"ECHO {cmd.args[0]}" if cmd.args else "ECHO"))
        elif cmd.verb == "USTATUSOFF":
            self.ustatus.clear()
        elif cmd.verb == "USTATUS":
            for name, value in cmd.options:
                if name not in USTATUS_NAMES:
                    continue  # only the manual's categories are kept: the set stays small
                if value.upper() in ("ON", "VERBOSE"):
                    self.ustatus.add(name)
                else:
                    self.ustatus.discard(name)

    def _end_implicit_job(self) -> None:
        counter, self._counter = self._counter, None
        if counter is not None and (counter.pages or self._name):
            if self.printer.jobs_held >= self.limits.max_jobs_held:
                self.printer.errors.append(
                    f"job {self._name!r} discarded: job memory full"
                    f" ({self.limits.max_jobs_held} jobs not yet printed)"
                )
            else:
                self.printer.submit(self._name, counter.pages, origin=self)
        self._depth = 0
        self._name = ""

    def notify(self, events: list[EngineEvent]) -> None:
        """Unsolicited status for the engine's news, as this connection asked for it."""
        for event in events:
            if event.kind in STATUS_KINDS and "DEVICE" in self.ustatus:
                self.reply(self.printer.device_status("USTATUS DEVICE"))
            elif event.job in self.own_jobs:
                name = self.own_jobs[event.job]
                if event.kind == "job_start" and "JOB" in self.ustatus:
                    self.reply(pjl.job_status_reply("START", name))
                elif event.kind == "page" and "PAGE" in self.ustatus:
                    self.reply(pjl.Reply("USTATUS PAGE", (str(event.page),)))
                elif event.kind == "job_end":
                    del self.own_jobs[event.job]
                    if "JOB" in self.ustatus:
                        self.reply(pjl.job_status_reply("END", name, pages=event.pages))
