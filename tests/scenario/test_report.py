"""The report's arithmetic: nearest-rank percentiles and the expectations' metrics."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from spoolsim.scenario.report import Spread


def test_nearest_rank_percentiles_of_one_to_a_hundred() -> None:
    spread = Spread.of([float(v) for v in range(100, 0, -1)])
    assert (spread.count, spread.p50, spread.p95, spread.p99, spread.max) == (
        100, 50.0, 95.0, 99.0, 100.0,
    )  # fmt: skip
    assert spread.mean == 50.5
    assert Spread.of([]) == Spread(0, 0.0, 0.0, 0.0, 0.0, 0.0)


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1))
def test_percentiles_are_members_in_order(values: list[float]) -> None:
    s = Spread.of(values)
    ordered = sorted(values)
    assert s.p50 <= s.p95 <= s.p99 <= s.max == ordered[-1]
    for q, got in ((0.5, s.p50), (0.95, s.p95), (0.99, s.p99)):
        rank = math.ceil(q * len(values))  # the smallest value with q of them at or below
        assert got == ordered[rank - 1]
