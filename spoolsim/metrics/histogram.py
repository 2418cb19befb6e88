"""Histogram counts kept as plain numbers, turned into Prometheus buckets at scrape time."""

from __future__ import annotations

import bisect


class Histogram:
    """Bucket counts (non-cumulative; the last is +Inf) and a sum."""

    __slots__ = ("bounds", "counts", "total")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0

    def observe(self, value: float) -> None:
        # Prometheus buckets are upper-inclusive: the first bound >= value takes it.
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value

    def buckets(self, les: tuple[str, ...]) -> list[tuple[str, float]]:
        out, running = [], 0
        for le, count in zip(les, self.counts, strict=True):
            running += count
            out.append((le, float(running)))
        return out
