"""``PrintEngine.quiet_until``: skipping to it tells the same story as waking for every page,
and nothing but pages (and the job's end at that instant) happens before it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.engine import PrintEngine
from devices.faults import Fault
from devices.profile import Tray
from tests.devices.test_engine import profile, rows

faults = st.lists(
    st.one_of(
        st.builds(
            Fault,
            st.sampled_from(["jam", "door_open", "offline", "paper_out", "toner_out"]),
            at_time=st.integers(0, 200).map(float),
            clear_after=st.sampled_from([3.0, 10.0]),
        ),
        st.builds(
            Fault,
            st.sampled_from(["jam", "door_open"]),
            at_page=st.integers(1, 60),
            clear_after=st.just(4.0),
        ),
    ),
    max_size=4,
)
jobs = st.lists(st.tuples(st.integers(0, 60).map(float), st.integers(0, 25)), min_size=1)


def engine(fault_list: list[Fault], sheets: int, toner: int) -> PrintEngine:
    tray = (Tray("Tray 1", sheets, "letter"),)
    return PrintEngine(profile(trays=tray, toner_pages=toner), faults=fault_list)


def play(e: PrintEngine, submissions: list[tuple[float, int]], *, skip: bool) -> list[tuple]:
    """Submit the jobs at their times; between them follow the deadlines (or skip ahead)."""
    out: list[tuple] = []
    plan = sorted(submissions)
    now = 0.0
    while True:
        due = e.next_deadline()
        nxt = plan[0][0] if plan else None
        if skip and due is not None:
            quiet = e.quiet_until()
            if quiet is not None and (nxt is None or nxt > quiet):
                assert quiet >= due
                before = rows(e.advance(quiet))
                # Only pages before the quiet point; any other news comes at it.
                assert all(r[1] == "page" or r[0] == quiet for r in before), before
                out += before
                now = quiet
                continue
        if nxt is not None and (due is None or nxt <= due):
            t, n = plan.pop(0)
            out += rows(e.advance(max(t, now)))
            e.submit(max(t, now), name="j", pages=n)
            now = max(t, now)
            continue
        if due is None or due > 2000:
            return out
        out += rows(e.advance(due))
        now = due


@settings(max_examples=150, deadline=None)
@given(faults, st.integers(5, 200), st.integers(20, 400), st.integers(0, 60).map(float))
def test_skipping_to_quiet_until_gives_the_same_events(fault_list, sheets, toner, at) -> None:
    submissions = [(at, 7), (at, 13), (at, 0), (at + 30, 9)]
    slow = play(engine(fault_list, sheets, toner), submissions, skip=False)
    fast = play(engine(fault_list, sheets, toner), submissions, skip=True)
    assert fast == slow


def test_quiet_until_is_the_jobs_last_page_when_supplies_last() -> None:
    e = PrintEngine(profile())  # a page a second, first page 2 s after ready, warm-up 5 s
    e.submit(0.0, name="j", pages=10)
    e.advance(7.0)  # warmed up at 5, first page at 7
    assert e.quiet_until() == 16.0  # pages 2..10 at 8..16


def test_quiet_until_stops_short_of_the_toner_low_alert_and_of_per_page_draws() -> None:
    e = PrintEngine(profile(toner_pages=100, toner_low_pct=10))  # alert when 10 % is left
    e.submit(0.0, name="j", pages=200)
    e.advance(7.0)  # first page out: 99 left
    assert e.quiet_until() == 7.0 + 88  # 11 left after the page at 95 s: still 11 %
    drawn = PrintEngine(profile(), faults=[Fault("jam", per_page=0.01, clear_after=1.0)])
    drawn.submit(0.0, name="j", pages=5)
    drawn.advance(7.0)
    assert drawn.quiet_until() is None
