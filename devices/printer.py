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
"""

from __future__ import annotations

import math
from collections.abc import Callable

import trio

from devices.engine import EngineEvent, PrintEngine
from devices.faults import Fault
from devices.pages import PageCounter
from devices.profile import DeviceProfile
from spoolsim.wire import pjl

# Engine events that change what ``INFO STATUS`` reports.
STATUS_KINDS = frozenset({"status", "alert", "alert_clear"})
# Seconds a device waits for more bytes from a host before it gives up on the connection.
IDLE_TIMEOUT = 300.0


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
        self.errors: list[str] = []  # why connections were dropped
        # Called with the engine's news beside the connections (the spooler's direct path).
        self.listeners: list[Callable[[list[EngineEvent]], None]] = []
        self.jobs_received = 0
        self._sessions: set[_RawSession] = set()
        self._sleeping: trio.CancelScope | None = None

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
        self, stream: trio.abc.Stream, *, idle_timeout: float = IDLE_TIMEOUT
    ) -> None:
        """Serve one AppSocket connection until the host closes it, breaks the protocol, or
        stays silent for ``idle_timeout`` seconds (of the Trio clock: scale it under a rate)."""
        session = _RawSession(self, idle_timeout)
        self._sessions.add(session)
        async with stream, trio.open_nursery() as nursery:
            nursery.start_soon(session.write, stream)
            try:
                await session.read(stream)
            finally:
                self._sessions.discard(session)
                session.outbox.close()


class _RawSession:
    """One AppSocket connection: its PJL codec, its USTATUS settings, the job in progress."""

    def __init__(self, printer: VirtualPrinter, idle_timeout: float) -> None:
        self.printer = printer
        self.idle_timeout = idle_timeout
        self.conn = pjl.PJLConnection(pjl.Role.DEVICE)
        self.outbox, self._outgoing = trio.open_memory_channel[bytes](math.inf)
        self.ustatus: set[str] = set()
        self.own_jobs: dict[int, str] = {}  # engine job id -> JOB NAME
        self._depth = 0
        self._name = ""
        self._counter: PageCounter | None = None

    def reply(self, reply: pjl.Reply) -> None:
        try:
            self.outbox.send_nowait(self.conn.send(reply))
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass  # the host stopped reading; unsolicited status is not kept for it

    async def write(self, stream: trio.abc.Stream) -> None:
        try:
            async for data in self._outgoing:
                await stream.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            self._outgoing.close()  # the host went away; what it did not read is dropped

    async def read(self, stream: trio.abc.Stream) -> None:
        while True:
            data = b""
            with trio.move_on_after(self.idle_timeout) as idle:
                try:
                    data = await stream.receive_some(65536)
                except trio.BrokenResourceError:
                    self.printer.errors.append("connection reset by the host")
            if idle.cancelled_caught:
                self.printer.errors.append("host silent: connection closed")
                data = b""
            self.conn.receive_data(data)
            try:
                while (event := self.conn.next_event()) is not pjl.NEED_DATA:
                    if isinstance(event, pjl.EndOfStream):
                        self._end_implicit_job()
                        return
                    self.handle(event)
            except pjl.PJLError as exc:
                self.printer.errors.append(f"PJL error: {exc.detail}")
                self._end_implicit_job()
                return

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
                if value.upper() in ("ON", "VERBOSE"):
                    self.ustatus.add(name)
                else:
                    self.ustatus.discard(name)

    def _end_implicit_job(self) -> None:
        counter, self._counter = self._counter, None
        if counter is not None and (counter.pages or self._name):
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
