"""The print engine: a pure model of one printer's mechanism, driven by explicit time.

Theory of operation
-------------------
The engine is a small state machine with one timer. Its states, and the PJL status code it
reports in each, are::

    power_save (35078) --job--> warming_up (10003) --warmup_s--> printing (10023)
    printing --last page--> ready (10001) --power_save_after_s idle--> power_save
    ready --job--> printing             any state --fault--> stopped (fault's code)

Printing runs in *runs*: a run starts ``first_page_s`` before its first page and then delivers a
page every ``60 / ppm`` seconds, page k of the run at ``t0 + k * interval`` (never by repeated
addition, so long runs do not drift). Jobs print in submission order; the next job's first page
follows the previous job's last page by one interval. A run ends when the queue empties, a job is
cancelled, or something stops the engine; printing afterwards starts a new run.

Each page *attempt* checks, in order: an ``at_page`` fault for this lifetime page number, then
one draw per ``per_page`` fault from the engine's own ``random.Random(seed)``, then toner, then
paper (the first tray, in profile order, that has a sheet). Any failure stops the engine at that
page; the page is not counted and is attempted again after the clear. A delivered page takes one
sheet and 1/``toner_pages`` of the cartridge; crossing ``toner_low_pct`` raises the 10006 alert
(and ``replace_toner`` lowers it).

Stops: a jam (40022), an open door (40021) or offline (10002) stop the engine at once; an empty
cartridge stops it with 40038 and empty trays with 41xyy when a page needs them. A stop clears
after its ``clear_after`` or by its operator action (``act``); the engine then resumes, warming
up again first if the door was opened or the engine was cold. Timed faults that fall due while
the engine is stopped wait for the clear. Simultaneous happenings resolve in a fixed order:
automatic clears, then supply refills, then timed faults, then the engine's own timer.

Every public call takes ``now`` and first brings the engine up to it. ``advance`` returns the
events due at or before ``now``; ``cancel`` and ``act`` return them followed by their own
effects; events caused by ``submit`` wait for the next of those calls. The result is a pure
function of the calls and their times: same calls, same events.

Status codes. From the HP PJL Technical Reference Manual ("the manual"): 10001 ready (INFO
STATUS example, 7-24), 10006 toner low (USTATUS example, D-1), 40021 printer open (USTATUS
example "12 PRINTER OPEN", 7-35), the 41xyy "foreground paper mount" class (7-35, D-1). Offline
is 10002, not 40079: the manual puts "device was put offline" in the 10xxx informational class
(7-34) and Lexmark's PJL reference lists 10002 "Not Ready" with ONLINE=FALSE; 40079 was not in
the copies available. 40022 paper jam (Panasonic KX-P7200 and Lexmark PJL references); 40038
toner out, printer stopped (Lexmark: 40038 "Replace Toner To Continue", ONLINE=FALSE); 10003
warming up, 10023 printing and 35078 power save (``CODE=35078 DISPLAY="Power Saver"``) as real
devices report them. In 41xyy, x is the tray's position in the profile (Tray 1 = 1, Tray 2 = 2,
matching HP's "2 = upper cassette"; capped at 9) and yy the media code (``MEDIA_CODES``).
"""

from __future__ import annotations

import collections
import heapq
import itertools
import math
import random
from collections.abc import Iterable

import attrs

from devices.faults import ACTIONS, SUPPLY_KINDS, Fault
from devices.profile import MEDIA_CODES, DeviceProfile

READY = 10001
OFFLINE = 10002
WARMING_UP = 10003
TONER_LOW = 10006
PRINTING = 10023
POWER_SAVE = 35078
DOOR_OPEN = 40021
PAPER_JAM = 40022
TONER_OUT = 40038

_FAULT_CODES = {"jam": PAPER_JAM, "door_open": DOOR_OPEN, "offline": OFFLINE}
_DISPLAY = {
    READY: "Ready",
    OFFLINE: "Offline",
    WARMING_UP: "Warming up",
    PRINTING: "Printing",
    POWER_SAVE: "Power save",
    DOOR_OPEN: "Door open",
    PAPER_JAM: "Paper jam",
    TONER_OUT: "Replace toner",
}
_ONLINE = {READY, WARMING_UP, PRINTING, POWER_SAVE}


def paper_out_code(tray_number: int, media: str) -> int:
    """The 41xyy status for 'load paper': tray number x (1-9), media code yy."""
    return 41000 + min(max(tray_number, 0), 9) * 100 + MEDIA_CODES.get(media, MEDIA_CODES["custom"])


@attrs.frozen
class EngineEvent:
    """Something the engine did at ``time``.

    Kinds: ``status`` (``code`` = the new status), ``job_start``, ``page`` (``page`` = the job's
    page just delivered), ``job_end`` (``pages`` = pages printed; also for a cancelled job),
    ``alert`` and ``alert_clear`` (``code`` = the alert raised or lowered, e.g. 10006).
    """

    time: float
    kind: str
    job: int | None = None
    code: int | None = None
    page: int | None = None
    pages: int | None = None


@attrs.frozen
class DeviceStatus:
    """A snapshot of the engine for status readback."""

    code: int
    display: str
    online: bool
    state: str
    alerts: tuple[int, ...]
    page_count: int
    toner_pct: int
    trays: tuple[tuple[str, int], ...]


@attrs.define
class _Job:
    id: int
    name: str
    pages: int
    printed: int = 0


@attrs.frozen
class _Stop:
    code: int
    reason: str  # "fault", "paper" or "toner"
    clear_by: str
    clears_at: float | None = None
    door: bool = False


class PrintEngine:
    """One printer's engine (see the module docstring)."""

    def __init__(
        self,
        profile: DeviceProfile,
        *,
        seed: int = 0,
        faults: Iterable[Fault] = (),
        now: float = 0.0,
    ) -> None:
        faults = tuple(faults)
        trays = [tray.name for tray in profile.trays]
        for fault in faults:
            if fault.tray is not None and fault.tray not in trays:
                raise ValueError(f"fault names tray {fault.tray!r}; {profile.name} has {trays}")
        self._profile = profile
        self._interval = 60.0 / profile.ppm
        self._rng = random.Random(seed)
        self._now = float(now)
        self._out: list[EngineEvent] = []
        self._state, self._code, self._warm = "power_save", POWER_SAVE, False
        self._timer: float | None = None
        self._run_t0, self._run_k = 0.0, 0
        self._jobs: collections.deque[_Job] = collections.deque()
        self._ids = itertools.count(1)
        self._sheets = [tray.capacity for tray in profile.trays]
        self._feed_tray, self._toner, self._page_count = 0, profile.toner_pages, 0
        self._alerts: list[int] = []
        self._stop: _Stop | None = None
        self._timed = sorted((f for f in faults if f.at_time is not None), key=_fault_time)
        self._at_page = [f for f in faults if f.at_page is not None]
        self._per_page = [f for f in faults if f.per_page is not None]
        self._refills: list[tuple[float, int, str, int | None]] = []  # (time, seq, kind, tray)
        self._seq = itertools.count()

    # -- public surface --------------------------------------------------------------------

    def submit(self, now: float, *, name: str, pages: int) -> int:
        """Queue a fully received job of ``pages`` pages; returns its id (1, 2, ...)."""
        if isinstance(pages, bool) or not isinstance(pages, int) or pages < 0:
            raise ValueError(f"pages must be a whole number >= 0, not {pages!r}")
        now = self._run(now)
        job = _Job(next(self._ids), name, pages)
        self._jobs.append(job)
        if len(self._jobs) == 1:
            self._emit(now, "job_start", job=job.id)
        if self._state == "power_save":
            self._resume(now)
        elif self._state == "ready":
            self._start_run(now)
        return job.id

    def cancel(self, now: float, job_id: int) -> list[EngineEvent]:
        """Cancel a job; the page in progress is abandoned. Unknown or finished ids do nothing."""
        now = self._run(now)
        index = next((i for i, job in enumerate(self._jobs) if job.id == job_id), None)
        if index == 0:
            self._finish_job(now)
            if self._state == "printing":
                self._start_run(now)
        elif index is not None:
            job = self._jobs[index]
            del self._jobs[index]
            self._emit(now, "job_end", job=job.id, pages=job.printed)
        return self._take()

    def act(self, now: float, action: str) -> list[EngineEvent]:
        """An operator action (one of ``ACTIONS``); clears the stop it puts right, if any."""
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r} (known: {', '.join(ACTIONS)})")
        now = self._run(now)
        if action == "load_paper":
            self._load_paper(None)
        elif action == "replace_toner":
            self._replace_toner(now)
        stop = self._stop
        if stop is not None and stop.reason == "fault" and stop.clear_by == action:
            self._clear(now)
        else:
            self._clear_if_supplied(now)
        return self._take()

    def advance(self, now: float) -> list[EngineEvent]:
        """Everything due at or before ``now``, in time order."""
        self._run(now)
        return self._take()

    def next_deadline(self) -> float | None:
        """When the next thing happens (the current time if events await collection)."""
        if self._out:
            return self._now
        upcoming = self._next()
        return None if upcoming is None else upcoming[0]

    def quiet_until(self) -> float | None:
        """How far the engine can be advanced in one step with nothing to tell but pages.

        The time of the last page, within the job being printed, before anything else could
        happen: a page-count or timed fault, a refill or clear, running out of paper or toner,
        the toner-low alert. None when no such page exists, when events await collection, or
        when ``per_page`` faults make every page a draw. A caller that needs no page-by-page
        news (the direct path without page events) may sleep until then instead of waking for
        each page: the result is the same, only reported later.
        """
        if self._out or self._state != "printing" or self._timer is None or self._per_page:
            return None
        job = self._jobs[0]
        pages = min(job.pages - job.printed, sum(self._sheets), self._toner)
        if TONER_LOW not in self._alerts:
            # The alert comes with the first page that leaves the level at or below the
            # threshold; the lowest level still above it is ceil((low% + 1) * yield / 100).
            above = -(-(self._profile.toner_low_pct + 1) * self._profile.toner_pages // 100)
            pages = min(pages, self._toner - above)
        for fault in self._at_page:
            pages = min(pages, fault.at_page - self._page_count - 1)
        others = []
        if self._stop is None and self._timed:
            others.append(_fault_time(self._timed[0]))
        if self._refills:
            others.append(self._refills[0][0])
        if others:
            # Pages strictly before the next other happening (it wins a tie).
            before = math.ceil((min(others) - self._run_t0) / self._interval) - self._run_k
            pages = min(pages, before)
        if pages < 1:
            return None
        return self._run_t0 + (self._run_k + pages - 1) * self._interval

    def status(self) -> DeviceStatus:
        """The engine as of the last call."""
        code = self._code
        if code // 1000 == 41:
            tray = self._profile.trays[min(code // 100 % 10, len(self._sheets)) - 1]
            display = f"Load {tray.name} {tray.media}"
        else:
            display = _DISPLAY.get(code, str(code))
        trays = tuple((t.name, n) for t, n in zip(self._profile.trays, self._sheets, strict=True))
        pct = self._toner * 100 // self._profile.toner_pages
        alerts = tuple(self._alerts)
        return DeviceStatus(
            code, display, code in _ONLINE, self._state, alerts, self._page_count, pct, trays
        )

    # -- time ------------------------------------------------------------------------------

    def _next(self) -> tuple[float, int, str] | None:
        """The earliest pending happening as (time, priority, what)."""
        candidates = []
        if self._stop is not None and self._stop.clears_at is not None:
            candidates.append((self._stop.clears_at, 0, "clear"))
        if self._refills:
            candidates.append((self._refills[0][0], 1, "refill"))
        if self._timed and self._stop is None:
            candidates.append((max(_fault_time(self._timed[0]), self._now), 2, "fault"))
        if self._timer is not None:
            candidates.append((self._timer, 3, "timer"))
        return min(candidates, default=None)

    def _run(self, now: float) -> float:
        now = float(now)
        if now < self._now:
            raise ValueError(f"time went backwards: {now} after {self._now}")
        while (upcoming := self._next()) is not None and upcoming[0] <= now:
            when, _, what = upcoming
            self._now = when
            if what == "clear":
                self._clear(when)
            elif what == "refill":
                _, _, kind, tray = heapq.heappop(self._refills)
                if kind == "paper_out":
                    self._load_paper(tray)
                else:
                    self._replace_toner(when)
                self._clear_if_supplied(when)
            elif what == "fault":
                self._hit(when, self._timed.pop(0))
            else:
                self._timer = None
                self._on_timer(when)
        self._now = now
        return now

    def _on_timer(self, t: float) -> None:
        if self._state == "warming_up":
            self._warm = True
            self._resume(t)
        elif self._state == "ready":
            self._warm = False
            self._set_state(t, "power_save", POWER_SAVE)
        elif self._state == "printing":
            self._attempt_page(t)

    # -- the mechanism ---------------------------------------------------------------------

    def _emit(self, t: float, kind: str, **fields: int) -> None:
        self._out.append(EngineEvent(t, kind, **fields))

    def _take(self) -> list[EngineEvent]:
        out, self._out = self._out, []
        return out

    def _set_state(self, t: float, state: str, code: int) -> None:
        self._state = state
        if code != self._code:
            self._code = code
            self._emit(t, "status", code=code)

    def _resume(self, t: float, *, door: bool = False) -> None:
        """Carry on after a wake-up, warm-up or clear: warm up, print, idle or sleep."""
        if door or (not self._warm and self._jobs):
            self._warm = False
            self._set_state(t, "warming_up", WARMING_UP)
            self._timer = t + self._profile.warmup_s
        elif not self._warm:
            self._set_state(t, "power_save", POWER_SAVE)
        else:
            self._start_run(t)

    def _start_run(self, t: float) -> None:
        """Start printing the queue at ``t``, or go ready when there is nothing to print."""
        self._timer = None
        if self._jobs and self._jobs[0].pages == 0:
            self._next_job(t)
        if not self._jobs:
            self._set_state(t, "ready", READY)
            self._timer = t + self._profile.power_save_after_s
            return
        self._set_state(t, "printing", PRINTING)
        self._run_t0, self._run_k = t + self._profile.first_page_s, 0
        self._timer = self._run_t0

    def _finish_job(self, t: float) -> None:
        job = self._jobs.popleft()
        self._emit(t, "job_end", job=job.id, pages=job.printed)
        if self._jobs:
            self._emit(t, "job_start", job=self._jobs[0].id)

    def _next_job(self, t: float) -> bool:
        """End the finished current job (and any zero-page ones after it); is there more?"""
        self._finish_job(t)
        while self._jobs and self._jobs[0].pages == 0:
            self._finish_job(t)
        return bool(self._jobs)

    def _attempt_page(self, t: float) -> None:
        fault = next((f for f in self._at_page if f.at_page == self._page_count + 1), None)
        if fault is not None:
            self._at_page.remove(fault)
        else:
            draws = [self._rng.random() < f.per_page for f in self._per_page]
            fault = next((f for f, hit in zip(self._per_page, draws, strict=True) if hit), None)
        if fault is not None:
            self._hit(t, fault)
        tray = self._supplied_tray(t) if self._state == "printing" else None
        if tray is None:
            return
        self._sheets[tray] -= 1
        self._feed_tray = tray
        self._toner -= 1
        self._page_count += 1
        job = self._jobs[0]
        job.printed += 1
        self._emit(t, "page", job=job.id, page=job.printed)
        pct = self._toner * 100 // self._profile.toner_pages
        if pct <= self._profile.toner_low_pct and TONER_LOW not in self._alerts:
            self._alerts.append(TONER_LOW)
            self._emit(t, "alert", code=TONER_LOW)
        self._run_k += 1
        if job.printed == job.pages and not self._next_job(t):
            self._start_run(t)  # nothing left: goes ready
        else:
            self._timer = self._run_t0 + self._run_k * self._interval

    def _supplied_tray(self, t: float) -> int | None:
        """The tray the next page feeds from; stops the engine if toner or paper is out."""
        if self._toner == 0:
            self._halt(t, _Stop(TONER_OUT, "toner", "replace_toner"))
            return None
        tray = next((i for i, n in enumerate(self._sheets) if n > 0), None)
        if tray is None:
            media = self._profile.trays[self._feed_tray].media
            code = paper_out_code(self._feed_tray + 1, media)
            self._halt(t, _Stop(code, "paper", "load_paper"))
        return tray

    def _hit(self, t: float, fault: Fault) -> None:
        """A fault strikes at ``t``."""
        if fault.kind in SUPPLY_KINDS:
            if fault.kind == "toner_out":
                self._toner, tray = 0, None
            else:
                names = [tray.name for tray in self._profile.trays]
                tray = None if fault.tray is None else names.index(fault.tray)
                for index in range(len(self._sheets)) if tray is None else (tray,):
                    self._sheets[index] = 0
                self._feed_tray = self._feed_tray if tray is None else tray
            if fault.clear_after is not None:
                entry = (t + fault.clear_after, next(self._seq), fault.kind, tray)
                heapq.heappush(self._refills, entry)
            if self._state == "printing":
                self._supplied_tray(t)
            return
        clears_at = None if fault.clear_after is None else t + fault.clear_after
        door = fault.kind == "door_open"
        self._halt(t, _Stop(_FAULT_CODES[fault.kind], "fault", fault.clear_action, clears_at, door))

    def _halt(self, t: float, stop: _Stop) -> None:
        self._timer = None
        self._stop = stop
        self._set_state(t, "stopped", stop.code)

    def _clear(self, t: float) -> None:
        assert self._stop is not None
        door, self._stop = self._stop.door, None
        self._resume(t, door=door)

    def _clear_if_supplied(self, t: float) -> None:
        reason = None if self._stop is None else self._stop.reason
        if (reason == "toner" and self._toner) or (reason == "paper" and any(self._sheets)):
            self._clear(t)

    def _load_paper(self, tray: int | None) -> None:
        for index, spec in enumerate(self._profile.trays):
            if tray is None or index == tray:
                self._sheets[index] = spec.capacity

    def _replace_toner(self, t: float) -> None:
        self._toner = self._profile.toner_pages
        if TONER_LOW in self._alerts:
            self._alerts.remove(TONER_LOW)
            self._emit(t, "alert_clear", code=TONER_LOW)


def _fault_time(fault: Fault) -> float:
    return fault.at_time or 0.0
