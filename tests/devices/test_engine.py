"""The print engine, as whole timelines of (time, kind, ...) compared to literals."""

from __future__ import annotations

import math

import pytest

from devices.engine import EngineEvent, PrintEngine, paper_out_code
from devices.faults import Fault, FaultError, parse_faults
from devices.profile import DeviceProfile, Tray, load_profile

WAKE = [(0.0, "job_start", 1), (0.0, "status", 10003), (5.0, "status", 10023)]


def profile(**changes: object) -> DeviceProfile:
    """A round-numbered printer: a page a second, first page 2 s, warm-up 5 s, sleep after 30 s."""
    fields: dict[str, object] = dict(
        name="test",
        model="Test Printer",
        pjl_id="TEST",
        ppm=60.0,
        first_page_s=2.0,
        warmup_s=5.0,
        power_save_after_s=30.0,
        duplex=False,
        trays=(Tray("Tray 1", 100, "letter"),),
        toner_pages=1000,
        toner_low_pct=10,
        memory_mb=64,
        languages=("PCL 6",),
        color=False,
        sources=("test",),
    )
    fields.update(changes)
    return DeviceProfile(**fields)  # type: ignore[arg-type]


def row(event: EngineEvent) -> tuple[object, ...]:
    if event.kind == "page":
        return (event.time, "page", event.job, event.page)
    if event.kind == "job_end":
        return (event.time, "job_end", event.job, event.pages)
    if event.kind in ("job_start",):
        return (event.time, event.kind, event.job)
    return (event.time, event.kind, event.code)


def rows(events: list[EngineEvent]) -> list[tuple[object, ...]]:
    return [row(event) for event in events]


def drain(engine: PrintEngine, until: float = math.inf) -> list[tuple[object, ...]]:
    """Advance deadline by deadline (as a runtime would) up to ``until``; every event as a row."""
    out = []
    while (deadline := engine.next_deadline()) is not None and deadline <= until:
        out += rows(engine.advance(deadline))
    if until != math.inf:
        out += rows(engine.advance(until))
    return out


def pages(n: int, job: int, start: float, step: float = 1.0) -> list[tuple[object, ...]]:
    return [(start + k * step, "page", job, k + 1) for k in range(n)]


# -- the basic cycle ------------------------------------------------------------------------------


def test_cold_start_warms_up_then_prints_at_the_profile_speed() -> None:
    m404 = load_profile("hp-lj-pro-m404")
    engine = PrintEngine(m404)
    assert engine.next_deadline() is None  # asleep, nothing pending
    engine.submit(0.0, name="report", pages=3)
    interval = 60.0 / 38.0
    t0 = 8.0 + 6.3  # warm-up, then first page out
    assert drain(engine) == [
        (0.0, "job_start", 1),
        (0.0, "status", 10003),
        (8.0, "status", 10023),
        (t0, "page", 1, 1),
        (t0 + interval, "page", 1, 2),
        (t0 + 2 * interval, "page", 1, 3),
        (t0 + 2 * interval, "job_end", 1, 3),
        (t0 + 2 * interval, "status", 10001),
        (t0 + 2 * interval + 300.0, "status", 35078),
    ]
    assert engine.status().page_count == 3


def test_two_jobs_print_back_to_back() -> None:
    engine = PrintEngine(profile())
    engine.submit(0.0, name="a", pages=2)
    engine.submit(1.0, name="b", pages=2)  # arrives during the warm-up
    assert drain(engine) == [
        *WAKE,
        (7.0, "page", 1, 1),
        (8.0, "page", 1, 2),
        (8.0, "job_end", 1, 2),
        (8.0, "job_start", 2),
        (9.0, "page", 2, 1),  # one interval after the last page: the engine keeps running
        (10.0, "page", 2, 2),
        (10.0, "job_end", 2, 2),
        (10.0, "status", 10001),
        (40.0, "status", 35078),
    ]


def test_power_save_after_idle_then_warm_up_again_but_not_when_ready() -> None:
    engine = PrintEngine(profile())
    engine.submit(0.0, name="a", pages=1)
    first = drain(engine, until=45.0)
    engine.submit(50.0, name="b", pages=1)  # asleep: warms up again
    second = drain(engine, until=60.0)
    engine.submit(60.0, name="c", pages=1)  # ready: no warm-up
    third = drain(engine)
    assert first + second + third == [
        *WAKE,
        (7.0, "page", 1, 1),
        (7.0, "job_end", 1, 1),
        (7.0, "status", 10001),
        (37.0, "status", 35078),
        (50.0, "job_start", 2),
        (50.0, "status", 10003),
        (55.0, "status", 10023),
        (57.0, "page", 2, 1),
        (57.0, "job_end", 2, 1),
        (57.0, "status", 10001),
        (60.0, "job_start", 3),
        (60.0, "status", 10023),
        (62.0, "page", 3, 1),
        (62.0, "job_end", 3, 1),
        (62.0, "status", 10001),
        (92.0, "status", 35078),
    ]


def test_page_times_do_not_drift_over_a_long_run() -> None:
    engine = PrintEngine(profile(ppm=38.0, trays=(Tray("Tray 1", 5000, "a4"),), toner_pages=9999))
    engine.submit(0.0, name="big", pages=2000)
    times = [r[0] for r in drain(engine) if r[1] == "page"]
    interval = 60.0 / 38.0
    assert times == [7.0 + k * interval for k in range(2000)]
    summed = 7.0
    for _ in range(1999):
        summed += interval
    assert times[-1] != summed  # repeated addition would have drifted


def test_a_zero_page_job_starts_and_ends_without_printing() -> None:
    engine = PrintEngine(profile())
    engine.submit(0.0, name="pjl only", pages=0)
    assert drain(engine) == [
        (0.0, "job_start", 1),
        (0.0, "status", 10003),
        (5.0, "job_end", 1, 0),
        (5.0, "status", 10001),
        (35.0, "status", 35078),
    ]


# -- supplies -------------------------------------------------------------------------------------


def test_toner_low_alert_then_toner_out_then_replace() -> None:
    engine = PrintEngine(profile(toner_pages=10, toner_low_pct=30))
    engine.submit(0.0, name="long", pages=12)
    assert (
        drain(engine, until=20.0)
        == [
            *WAKE,
            *pages(7, 1, 7.0),
            (13.0, "alert", 10006),  # 3 of 10 pages left: 30 %
            *pages(10, 1, 7.0)[7:],
            (17.0, "status", 40038),  # page 11 finds the cartridge empty
        ]
    )
    status = engine.status()
    assert (status.code, status.online, status.toner_pct, status.alerts) == (
        40038,
        False,
        0,
        (10006,),
    )
    assert status.page_count == 10
    assert rows(engine.act(30.0, "replace_toner")) == [
        (30.0, "alert_clear", 10006),
        (30.0, "status", 10023),
    ]
    assert drain(engine) == [
        (32.0, "page", 1, 11),
        (33.0, "page", 1, 12),
        (33.0, "job_end", 1, 12),
        (33.0, "status", 10001),
        (63.0, "status", 35078),
    ]
    assert engine.status().toner_pct == 80


def test_paper_runs_out_mid_job_then_load_paper() -> None:
    trays = (Tray("Tray 1", 2, "letter"), Tray("Tray 2", 3, "a4"))
    engine = PrintEngine(profile(trays=trays))
    engine.submit(0.0, name="memo", pages=7)
    assert drain(engine, until=15.0) == [
        *WAKE,
        *pages(5, 1, 7.0),  # two sheets from Tray 1, then three from Tray 2
        (12.0, "status", 41204),  # load Tray 2 (x = 2) with A4 (yy = 04)
    ]
    status = engine.status()
    assert status.trays == (("Tray 1", 0), ("Tray 2", 0))
    assert (status.display, status.online, status.state) == ("Load Tray 2 a4", False, "stopped")
    assert engine.next_deadline() is None  # waits for the operator
    assert rows(engine.act(20.0, "load_paper")) == [(20.0, "status", 10023)]
    assert drain(engine) == [
        (22.0, "page", 1, 6),  # the page that found no paper is printed now
        (23.0, "page", 1, 7),
        (23.0, "job_end", 1, 7),
        (23.0, "status", 10001),
        (53.0, "status", 35078),
    ]
    assert engine.status().trays == (("Tray 1", 0), ("Tray 2", 3))


def test_paper_out_fault_on_one_tray_refills_after_a_while() -> None:
    trays = (Tray("Tray 1", 3, "letter"), Tray("Tray 2", 3, "a4"))
    fault = Fault("paper_out", at_time=7.5, tray="Tray 1", clear_after=10.0)
    engine = PrintEngine(profile(trays=trays), faults=[fault])
    engine.submit(0.0, name="memo", pages=5)
    assert drain(engine) == [
        *WAKE,
        *pages(4, 1, 7.0),  # Tray 1 emptied at 7.5: pages 2-4 come from Tray 2
        (11.0, "status", 41204),
        (17.5, "status", 10023),  # Tray 1 refilled
        (19.5, "page", 1, 5),
        (19.5, "job_end", 1, 5),
        (19.5, "status", 10001),
        (49.5, "status", 35078),
    ]
    assert engine.status().trays == (("Tray 1", 2), ("Tray 2", 0))


def test_paper_out_code() -> None:
    assert paper_out_code(1, "letter") == 41102
    assert paper_out_code(3, "a3") == 41307
    assert paper_out_code(12, "custom") == 41915  # x is one digit; unknown media -> custom


# -- faults ---------------------------------------------------------------------------------------


def test_jam_at_a_page_count_clears_after_n_seconds_and_reprints_the_page() -> None:
    engine = PrintEngine(profile(), faults=[Fault("jam", at_page=3, clear_after=10.0)])
    engine.submit(0.0, name="a", pages=5)
    assert drain(engine) == [
        *WAKE,
        (7.0, "page", 1, 1),
        (8.0, "page", 1, 2),
        (9.0, "status", 40022),  # lifetime page 3 jams and is not counted
        (19.0, "status", 10023),
        (21.0, "page", 1, 3),
        (22.0, "page", 1, 4),
        (23.0, "page", 1, 5),
        (23.0, "job_end", 1, 5),
        (23.0, "status", 10001),
        (53.0, "status", 35078),
    ]
    assert engine.status().page_count == 5


def test_door_open_is_cleared_by_the_action_and_needs_a_warm_up() -> None:
    engine = PrintEngine(profile(), faults=[Fault("door_open", at_time=7.5)])
    engine.submit(0.0, name="a", pages=3)
    assert drain(engine, until=10.0) == [*WAKE, (7.0, "page", 1, 1), (7.5, "status", 40021)]
    assert engine.act(12.0, "clear_jam") == []  # not what this fault needs
    assert engine.act(13.0, "load_paper") == []
    assert rows(engine.act(20.0, "close_door")) == [(20.0, "status", 10003)]
    assert drain(engine) == [
        (25.0, "status", 10023),
        (27.0, "page", 1, 2),
        (28.0, "page", 1, 3),
        (28.0, "job_end", 1, 3),
        (28.0, "status", 10001),
        (58.0, "status", 35078),
    ]


def test_offline_is_10002_while_idle_and_online_clears_it() -> None:
    engine = PrintEngine(profile(), faults=[Fault("offline", at_time=20.0)])
    engine.submit(0.0, name="a", pages=1)
    assert drain(engine, until=24.0)[-2:] == [(7.0, "status", 10001), (20.0, "status", 10002)]
    assert (engine.status().online, engine.status().display) == (False, "Offline")
    assert rows(engine.act(25.0, "online")) == [(25.0, "status", 10001)]
    assert drain(engine) == [(55.0, "status", 35078)]  # idle time counts from the clear


def test_a_timed_fault_that_falls_due_while_stopped_waits_for_the_clear() -> None:
    faults = [Fault("jam", at_page=2, clear_after=10.0), Fault("door_open", at_time=10.0)]
    engine = PrintEngine(profile(), faults=faults)
    engine.submit(0.0, name="a", pages=2)
    assert drain(engine, until=30.0) == [
        *WAKE,
        (7.0, "page", 1, 1),
        (8.0, "status", 40022),
        (18.0, "status", 10023),  # the jam clears ...
        (18.0, "status", 40021),  # ... and the door opened meanwhile hits at once
    ]


def test_per_page_faults_are_deterministic_for_a_seed() -> None:
    faults = [Fault("jam", per_page=0.2, clear_after=3.0)]

    def run(seed: int) -> list[tuple[object, ...]]:
        engine = PrintEngine(profile(), seed=seed, faults=faults)
        engine.submit(0.0, name="a", pages=30)
        return drain(engine)

    first = run(7)
    assert run(7) == first
    assert run(8) != first
    assert [r[3] for r in first if r[1] == "page"] == list(range(1, 31))  # every page, in order
    jams = [r for r in first if r[1:] == ("status", 40022)]
    assert 1 <= len(jams) < 30


def test_per_page_draws_do_not_depend_on_how_time_is_advanced() -> None:
    faults = [Fault("jam", per_page=0.3, clear_after=2.0)]
    stepwise, at_once = (PrintEngine(profile(), seed=3, faults=faults) for _ in range(2))
    for engine in (stepwise, at_once):
        engine.submit(0.0, name="a", pages=20)
    assert drain(stepwise) == rows(at_once.advance(1000.0))


# -- cancel ---------------------------------------------------------------------------------------


def test_cancel_mid_job_and_a_queued_job() -> None:
    engine = PrintEngine(profile())
    for name, count in (("a", 5), ("b", 2), ("c", 3)):
        engine.submit(0.0, name=name, pages=count)
    assert drain(engine, until=9.5) == [*WAKE, *pages(3, 1, 7.0)]
    assert rows(engine.cancel(9.5, 1)) == [(9.5, "job_end", 1, 3), (9.5, "job_start", 2)]
    assert rows(engine.cancel(9.6, 3)) == [(9.6, "job_end", 3, 0)]
    assert engine.cancel(9.7, 3) == [] and engine.cancel(9.7, 99) == []
    assert drain(engine) == [
        (11.5, "page", 2, 1),  # a new run: first page out again
        (12.5, "page", 2, 2),
        (12.5, "job_end", 2, 2),
        (12.5, "status", 10001),
        (42.5, "status", 35078),
    ]


def test_cancel_the_last_job_goes_ready() -> None:
    engine = PrintEngine(profile())
    engine.submit(0.0, name="a", pages=5)
    drain(engine, until=7.5)
    assert rows(engine.cancel(7.5, 1)) == [(7.5, "job_end", 1, 1), (7.5, "status", 10001)]
    assert drain(engine) == [(37.5, "status", 35078)]


# -- the surface ----------------------------------------------------------------------------------


def test_status_snapshot_of_a_sleeping_engine() -> None:
    status = PrintEngine(load_profile("hp-lj-m611")).status()
    assert (status.code, status.display, status.online, status.state) == (
        35078,
        "Power save",
        True,
        "power_save",
    )
    assert (status.alerts, status.page_count, status.toner_pct) == ((), 0, 100)
    assert status.trays == (("Tray 1", 100), ("Tray 2", 550))


def test_submitted_events_wait_for_the_next_call_and_the_deadline_says_so() -> None:
    engine = PrintEngine(profile(), now=100.0)
    engine.submit(100.0, name="a", pages=1)
    assert engine.next_deadline() == 100.0
    assert rows(engine.advance(100.0)) == [(100.0, "job_start", 1), (100.0, "status", 10003)]
    assert engine.next_deadline() == 105.0


def test_bad_calls_are_refused() -> None:
    engine = PrintEngine(profile())
    engine.advance(10.0)
    with pytest.raises(ValueError, match="time went backwards"):
        engine.advance(9.0)
    with pytest.raises(ValueError, match="unknown action"):
        engine.act(10.0, "kick")
    with pytest.raises(ValueError, match="whole number"):
        engine.submit(10.0, name="a", pages=-1)
    with pytest.raises(ValueError, match="Tray 9"):
        PrintEngine(profile(), faults=[Fault("paper_out", at_time=1.0, tray="Tray 9")])


# -- fault data -----------------------------------------------------------------------------------


def test_parse_faults() -> None:
    data = [
        {"kind": "jam", "at_page": 3, "clear_after": 20},
        {"kind": "paper_out", "at_time": 5, "tray": "Tray 2"},
        {"kind": "jam", "per_page": 0.01, "clear_by": "close_door"},
    ]
    assert parse_faults(data) == (
        Fault("jam", at_page=3, clear_after=20.0),
        Fault("paper_out", at_time=5.0, tray="Tray 2"),
        Fault("jam", per_page=0.01, clear_by="close_door"),
    )
    assert [f.clear_action for f in parse_faults(data)] == ["clear_jam", "load_paper", "close_door"]


def test_bad_fault_data_names_every_index_and_key() -> None:
    data = [
        {"kind": "smoke", "at_page": 0},
        {"kind": "jam"},
        "oops",
        {"kind": "toner_out", "per_page": 1.5, "clear_by": "online", "colour": "red"},
        {"kind": "jam", "at_time": -1, "per_page": 0.5, "tray": "Tray 1", "clear_after": 0},
    ]
    with pytest.raises(FaultError) as caught:
        parse_faults(data, where="printers[0].faults")
    where = "printers[0].faults"
    assert caught.value.problems == (
        f"{where}[0].kind: must be one of jam, paper_out, door_open, offline, toner_out"
        " (got 'smoke')",
        f"{where}[0].at_page: must be a whole page number >= 1 (got 0)",
        f"{where}[1]: needs exactly one trigger of at_time, at_page, per_page (got none)",
        f"{where}[2]: must be a table (got str)",
        f"{where}[3].colour: unknown key (known: kind, at_time, at_page, per_page, clear_after,"
        " clear_by, tray)",
        f"{where}[3].per_page: must be a probability in (0, 1] (got 1.5)",
        f"{where}[3].clear_by: a toner_out fault is put right only by replace_toner (got 'online')",
        f"{where}[4]: needs exactly one trigger of at_time, at_page, per_page"
        " (got at_time, per_page)",
        f"{where}[4].at_time: must be a number of seconds >= 0 (got -1)",
        f"{where}[4].clear_after: must be a number of seconds > 0 (got 0)",
        f"{where}[4].tray: only a paper_out fault names a tray (got 'Tray 1')",
    )
    with pytest.raises(FaultError, match="must be a list"):
        parse_faults({"kind": "jam"})
    with pytest.raises(FaultError, match=r"fault\.clear_by: a jam fault cannot be cleared"):
        Fault("jam", at_page=1, clear_by="load_paper")
