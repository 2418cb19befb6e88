"""A shared network link: transfers that split its bandwidth fairly, in explicit time.

A print server's uplink carries every driver and queue file its Point and Print clients download.
The model is processor sharing: while ``n`` transfers are active each moves at ``bandwidth / n``
bytes per second, and the link is busy whenever one is active (work conserving). It is computed
with a virtual clock ``V`` (bytes served to each active transfer so far), which advances at
``bandwidth / n``; a transfer of ``b`` bytes admitted when ``V = v0`` finishes when ``V`` reaches
``v0 + b``. So finishing tags sit in one heap and every admission or completion costs O(log n),
however many clients download at once.

The link is pure: :meth:`Link.admit` and :meth:`Link.advance` take ``now``; :meth:`Link.next_due`
says when the next transfer finishes, and the runtime sleeps until then. Round trips (one per RPC
call and per file request) are the caller's business: they cost ``latency`` and no bandwidth.

Use is measured as busy time per window of ``window`` seconds, so a report can say how full the
busiest window was (:meth:`Link.peak_use`) and how many bytes crossed in all.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable

import attrs

# Finishing tags closer than this (bytes) are treated as equal, so transfers that finish together
# in exact arithmetic finish together in floating point too.
_EPSILON = 1e-6


@attrs.frozen
class LinkStats:
    bytes: int
    transfers: int
    busy_seconds: float
    peak_use: float  # busiest window's busy fraction (0..1)
    peak_window_start: float
    peak_active: int  # most transfers sharing the link at once


@attrs.define
class Link:
    """One link.

    Args:
        bandwidth: bytes per second (> 0).
        latency: round-trip time in seconds (>= 0), charged by callers per request.
        window: seconds per measurement window for :meth:`peak_use`.
    """

    bandwidth: float
    latency: float = 0.0
    window: float = 60.0
    _v: float = 0.0  # bytes served to each active transfer
    _t: float = 0.0  # when _v was last brought up to date
    _heap: list[tuple[float, int, Hashable]] = attrs.Factory(list)
    _seq: int = 0
    _bytes: int = 0
    _transfers: int = 0
    _busy: dict[int, float] = attrs.Factory(dict)  # window index -> busy seconds
    _peak_active: int = 0

    def __attrs_post_init__(self) -> None:
        if not (self.bandwidth > 0 and math.isfinite(self.bandwidth)):
            raise ValueError(f"link bandwidth must be a positive number, not {self.bandwidth!r}")
        if not (self.latency >= 0 and math.isfinite(self.latency)):
            raise ValueError(f"link latency must be zero or more, not {self.latency!r}")
        if not self.window > 0:
            raise ValueError(f"link window must be positive, not {self.window!r}")

    @property
    def active(self) -> int:
        return len(self._heap)

    def _catch_up(self, now: float) -> None:
        if now < self._t:
            raise ValueError(f"link time went backwards: {now} < {self._t}")
        n = len(self._heap)
        if n:
            self._v += (now - self._t) * self.bandwidth / n
            self._account(self._t, now)
        self._t = now

    def _account(self, start: float, end: float) -> None:
        while start < end:
            index = int(start // self.window)
            edge = min(end, (index + 1) * self.window)
            self._busy[index] = self._busy.get(index, 0.0) + (edge - start)
            start = edge

    def admit(self, key: Hashable, nbytes: int, now: float) -> None:
        """Start moving ``nbytes`` for ``key`` at ``now`` (a zero-byte transfer finishes at once,
        at the next :meth:`advance`)."""
        if nbytes < 0:
            raise ValueError(f"a transfer cannot move {nbytes} bytes")
        self._catch_up(now)
        self._seq += 1
        heapq.heappush(self._heap, (self._v + nbytes, self._seq, key))
        self._bytes += nbytes
        self._transfers += 1
        self._peak_active = max(self._peak_active, len(self._heap))

    def next_due(self) -> float | None:
        """When the next transfer finishes, if any is active."""
        if not self._heap:
            return None
        left = max(self._heap[0][0] - self._v, 0.0)
        return self._t + left * len(self._heap) / self.bandwidth

    def advance(self, now: float) -> list[Hashable]:
        """Bring the link to ``now``; the keys of the transfers finished by then, in order."""
        done: list[Hashable] = []
        while self._heap:
            due = self.next_due()
            assert due is not None
            if due > now:
                break
            self._catch_up(due)
            tag = self._heap[0][0]
            while self._heap and self._heap[0][0] <= tag + _EPSILON:
                done.append(heapq.heappop(self._heap)[2])
        self._catch_up(now)
        return done

    def peak_use(self) -> tuple[float, float]:
        """(busy fraction, start time) of the busiest window so far."""
        if not self._busy:
            return 0.0, 0.0
        index = max(sorted(self._busy), key=lambda i: self._busy[i])
        return min(self._busy[index] / self.window, 1.0), index * self.window

    def statistics(self) -> LinkStats:
        use, start = self.peak_use()
        return LinkStats(
            bytes=self._bytes,
            transfers=self._transfers,
            busy_seconds=sum(self._busy.values()),
            peak_use=use,
            peak_window_start=start,
            peak_active=self._peak_active,
        )
