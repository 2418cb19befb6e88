"""The shared link: fair sharing, exact finishing times, conservation, measured use."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spoolsim.model.netlink import Link


def drain(link: Link) -> list[tuple[float, object]]:
    out = []
    while (due := link.next_due()) is not None:
        out.extend((due, key) for key in link.advance(due))
    return out


def test_one_transfer_takes_bytes_over_bandwidth():
    link = Link(bandwidth=1000.0)
    link.admit("a", 5000, now=2.0)
    assert link.next_due() == pytest.approx(7.0)
    assert drain(link) == [(pytest.approx(7.0), "a")]


def test_two_transfers_share_then_the_survivor_speeds_up():
    link = Link(bandwidth=1000.0)
    link.admit("small", 1000, 0.0)
    link.admit("big", 3000, 0.0)
    # Both at 500 B/s until small is done at 2 s (1,000 B each); big then has 2,000 B left at
    # 1,000 B/s: done at 4 s, the same as if it had the link to itself after small's bytes.
    done = drain(link)
    assert [k for _, k in done] == ["small", "big"]
    assert [t for t, _ in done] == [pytest.approx(2.0), pytest.approx(4.0)]


def test_a_late_arrival_slows_the_transfer_in_flight():
    link = Link(bandwidth=100.0)
    link.admit("a", 1000, 0.0)  # alone: done at 10 s
    assert link.advance(5.0) == []  # 500 B moved
    link.admit("b", 1000, 5.0)  # now both at 50 B/s: a's 500 B left take 10 s
    assert link.next_due() == pytest.approx(15.0)
    done = drain(link)
    assert [(round(t, 6), k) for t, k in done] == [(15.0, "a"), (20.0, "b")]


def test_equal_transfers_finish_together():
    link = Link(bandwidth=10.0)
    for key in "abc":
        link.admit(key, 10, 0.0)
    assert link.advance(3.0) == ["a", "b", "c"]


def test_zero_bytes_finish_at_once():
    link = Link(bandwidth=10.0)
    link.admit("z", 0, 1.0)
    assert link.next_due() == 1.0
    assert link.advance(1.0) == ["z"]


def test_busiest_window_and_totals():
    link = Link(bandwidth=100.0, window=10.0)
    link.admit("a", 500, 12.0)  # busy 12..17 in window [10, 20)
    drain(link)
    link.admit("b", 100, 31.0)  # busy 31..32
    drain(link)
    stats = link.statistics()
    assert stats.bytes == 600 and stats.transfers == 2
    assert stats.busy_seconds == pytest.approx(6.0)
    assert stats.peak_use == pytest.approx(0.5) and stats.peak_window_start == 10.0
    assert stats.peak_active == 1


def test_busy_time_is_split_across_window_edges():
    link = Link(bandwidth=1.0, window=10.0)
    link.admit("a", 15, 5.0)  # busy 5..20: 5 s in [0, 10), 10 s in [10, 20)
    drain(link)
    assert link.peak_use() == (1.0, 10.0)


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"bandwidth": 0}, "bandwidth"),
        ({"bandwidth": -1}, "bandwidth"),
        ({"bandwidth": math.inf}, "bandwidth"),
        ({"bandwidth": 1, "latency": -0.1}, "latency"),
        ({"bandwidth": 1, "window": 0}, "window"),
    ],
)
def test_bad_settings_are_refused_by_name(kwargs, word):
    with pytest.raises(ValueError, match=word):
        Link(**kwargs)


def test_time_cannot_go_backwards():
    link = Link(bandwidth=1.0)
    link.admit("a", 10, 5.0)
    with pytest.raises(ValueError, match="backwards"):
        link.admit("b", 10, 4.0)


transfers = st.lists(
    st.tuples(st.integers(0, 100), st.integers(0, 10_000)),  # (arrival gap, bytes)
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(transfers, st.floats(1.0, 1e6))
def test_work_conserving_and_each_no_faster_than_alone(items, bandwidth):
    """Whatever arrives when: every transfer finishes, none before its bytes could cross alone,
    the link is never idle while one waits, and the last one finishes exactly when a single
    queue of the same bytes would."""
    link = Link(bandwidth=bandwidth)
    now, arrivals, finished = 0.0, {}, {}
    for i, (gap, size) in enumerate(items):
        now += gap
        for key in link.advance(now):
            finished[key] = now  # only zero-byte ones can finish exactly at an arrival
        arrivals[i] = (now, size)
        link.admit(i, size, now)
        while (due := link.next_due()) is not None and due <= now:
            for key in link.advance(now):
                finished[key] = now
    for t, key in drain(link):
        finished[key] = t
    assert sorted(finished) == list(range(len(items)))
    for key, (start, size) in arrivals.items():
        assert finished[key] >= start + size / bandwidth - 1e-6
    # Work conservation: replay as one FIFO queue; its busy end equals the last finish.
    end = 0.0
    for start, size in arrivals.values():
        end = max(end, start) + size / bandwidth
    assert max(finished.values()) == pytest.approx(end, rel=1e-9, abs=1e-6)
    assert link.statistics().bytes == sum(size for _, size in arrivals.values())
