"""Point and Print connections in simulated time, over each server's network link.

A connection flow (:func:`spoolsim.rpc.pointprint.add_printer_connection`) says what costs time;
this module charges it: an RPC call is one round trip on the server's link, a file is a round
trip and then its bytes, sharing the link's bandwidth with every other download in flight
(:class:`~spoolsim.model.netlink.Link`). Everything runs as callbacks in the deadline loop, so two
thousand clients reconnecting at once cost heap entries, not tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

from spoolsim.model.netlink import Link
from spoolsim.rpc.pointprint import Download, Step
from spoolsim.runtime.loop import DeadlineLoop

# A connection flow: Point and Print's (a ConnectionResult) or web Connect's (a WebConnectResult).
Flow = Generator[Step, float, Any]


class LinkService:
    """One server's link and the flows waiting on it."""

    def __init__(self, link: Link, loop: DeadlineLoop) -> None:
        self.link = link
        self._loop = loop
        self._waiting: dict[int, Callable[[float], None]] = {}
        self._next = 0
        self._armed: float | None = None

    def run(self, flow: Flow, now: float, done: Callable[[Any], None]) -> None:
        """Start ``flow`` at ``now``; ``done`` gets its result when it ends."""

        def resume(t: float) -> None:
            try:
                step = flow.send(t)
            except StopIteration as stop:
                done(stop.value)
                return
            self._charge(step, t, resume)

        try:
            step = next(flow)
        except StopIteration as stop:
            done(stop.value)
            return
        self._charge(step, now, resume)

    def _charge(self, step: Step, now: float, resume: Callable[[float], None]) -> None:
        when = now + self.link.latency
        if isinstance(step, Download):
            self._loop.call_at(when, lambda t: self._admit(step.size, t, resume))
        else:
            self._loop.call_at(when, resume)

    def _admit(self, size: int, now: float, resume: Callable[[float], None]) -> None:
        self._next += 1
        self._waiting[self._next] = resume
        self.link.admit(self._next, size, now)
        self._arm(now)

    def _arm(self, now: float) -> None:
        when = self.link.next_due()
        if when is None or (self._armed is not None and self._armed <= when):
            return
        self._armed = max(when, now)
        self._loop.call_at(self._armed, self._tick)

    def _tick(self, now: float) -> None:
        if self._armed != now:
            return  # superseded by an earlier arming
        self._armed = None
        for key in self.link.advance(now):
            self._waiting.pop(key)(now)  # type: ignore[call-overload]
        self._arm(now)
