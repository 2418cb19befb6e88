"""Running scenarios: arrivals, the timeline, the report's numbers, determinism, both transports."""

from __future__ import annotations

import itertools
import pathlib
from functools import partial

import pytest
import trio
import trio.testing

from spoolsim.model.constants import Win32
from spoolsim.scenario import parse_scenario
from spoolsim.scenario.runner import run_scenario

ROOT = pathlib.Path(__file__).resolve().parents[2]
# An idealised 30 ppm device: 10 s warm-up from power save, a page every 2 s.
REFERENCE = (ROOT / "scenarios" / "profiles" / "reference-30ppm.toml").as_posix()


def estate(*printers: str, profile: str = REFERENCE, extra: str = "") -> str:
    """Devices, RAW bidi ports and printers named ``printers``, one device each."""
    parts = []
    for name in printers:
        host = name.lower()
        parts.append(
            f'[[devices]]\nname = "{host}"\nprofile = "{profile}"\n'
            f'[[ports]]\nname = "IP_{host}"\nhost = "{host}"\n'
            f'[[printers]]\nname = "{name}"\nports = ["IP_{host}"]\n'
        )
    return "\n".join(parts) + extra


def scenario(body: str, *, duration: str = "1h", seed: int = 1, drain: str = "1h", more: str = ""):
    head = f'[simulation]\nduration = "{duration}"\ndrain = "{drain}"\nseed = {seed}\n{more}'
    return parse_scenario(head + body)


def burst(group: str, printer: str, jobs: int, at: str = "+0s", pages: int = 1) -> str:
    return (
        f'[[clients]]\nname = "{group}"\ncount = 1\npages = {pages}\n'
        f'choice = {{ kind = "fixed", printers = ["{printer}"] }}\n'
        'arrival = { process = "burst", bursts = '
        f'[{{ at = "{at}", jobs = {jobs}, over = 0 }}] }}\n'
    )


def run(sc, **options):
    """One run in a Trio run of its own, from simulated time 0, as ``spoolsim run`` does."""
    clock = trio.testing.MockClock(autojump_threshold=0)
    return trio.run(partial(run_scenario, sc, **options), clock=clock)


def kinds(result, *wanted: str, subject: str | None = None) -> list[tuple[float, str, str]]:
    return [
        (round(e.time, 3), e.kind, e.subject)
        for e in result.log
        if e.kind in wanted and (subject is None or e.subject == subject)
    ]


def test_a_burst_on_one_printer_queues_in_order() -> None:
    """Three 1-page jobs at once on a cold 30 ppm device: warm-up 10 s, first page 2 s later,
    then one page every 2 s; each job waits for the one before."""
    result = run(scenario(estate("P1") + burst("c", "P1", 3)), keep_log=True)
    assert kinds(result, "job.started", "job.printed") == [
        (0.0, "job.started", "P1/1"),
        (12.0, "job.printed", "P1/1"),
        (12.0, "job.started", "P1/2"),
        (14.0, "job.printed", "P1/2"),
        (14.0, "job.started", "P1/3"),
        (16.0, "job.printed", "P1/3"),
    ]
    report = result.report
    assert (report.submitted, report.completed, report.pending, report.lost) == (3, 3, 0, 0)
    row = report.printers[0]
    assert (row.wait.p50, row.wait.max) == (12.0, 14.0)
    assert (row.turnaround.p50, row.turnaround.max) == (14.0, 16.0)
    assert report.pages == 3


def test_same_seed_same_log_and_another_seed_differs() -> None:
    body = estate("P1", "P2") + (
        '[[clients]]\nname = "office"\ncount = 40\n'
        'pages = { distribution = "geometric", mean = 3 }\n'
        'choice = { kind = "random", printers = [] }\n'
        'arrival = { process = "poisson", mean_interval = "20m" }\n'
    )
    logs = []
    for seed in (7, 7, 8):
        result = run(scenario(body, seed=seed), keep_log=True)
        logs.append(result.events_jsonl())
    assert logs[0] == logs[1]
    assert logs[0] != logs[2]
    assert logs[0].count('"kind":"job.printed"') > 50


def test_the_seed_argument_overrides_the_file() -> None:
    body = estate("P1") + (
        '[[clients]]\nname = "c"\ncount = 10\npages = 2\n'
        'choice = { kind = "fixed", printers = ["P1"] }\n'
        'arrival = { process = "poisson", mean_interval = "10m" }\n'
    )
    a = run(scenario(body, seed=1), seed=5, keep_log=True)
    b = run(scenario(body, seed=5), keep_log=True)
    assert a.report.seed == 5
    assert a.events_jsonl() == b.events_jsonl()


@pytest.mark.parametrize("page_events", ["true", "false"])
def test_wire_and_direct_paths_write_the_same_log(page_events: str) -> None:
    """Without page events the direct path sleeps through each job's quiet stretch; the log
    must not show it."""
    body = estate("P1", "P2") + (
        '[[clients]]\nname = "c"\ncount = 20\n'
        'pages = { distribution = "uniform", low = 1, high = 4 }\n'
        'choice = { kind = "weighted", printers = ["P1", "P2"], weights = [2, 1] }\n'
        'arrival = { process = "poisson", mean_interval = "15m" }\n'
    )
    body = (
        body.replace(
            'profile = "' + REFERENCE + '"\n',
            'profile = "' + REFERENCE + '"\noverrides = { toner_pages = 40 }\n',
            1,
        )
        + '[[timeline]]\nat = "+7m"\naction = "jam"\ntarget = "p2"\n'
    )
    body += '[[timeline]]\nat = "+9m"\naction = "fix"\ntarget = "p2"\n'
    more = f'page_events = {page_events}\nrefill_after = "2m"\n'
    sc = scenario(body, duration="30m", more=more)
    direct = run(sc, keep_log=True, transport="direct")
    wire = run(sc, keep_log=True, transport="wire")
    assert direct.report.completed > 20
    codes = {e.get("code") for e in direct.log.of_kind("port.device")}
    assert {40022, 40038} <= codes  # the jam, and toner out on the 40-page cartridge
    assert direct.events_jsonl() == wire.events_jsonl()


def test_a_curve_shapes_arrivals_by_clock_hour() -> None:
    """From 08:00, a curve that is zero in hour 8 and 1 in hour 9: no job before 09:00."""
    hours = ["0"] * 24
    hours[9] = "1"
    body = estate("P1") + (
        '[[clients]]\nname = "c"\ncount = 30\npages = 1\n'
        'choice = { kind = "fixed", printers = ["P1"] }\n'
        'arrival = { process = "curve", mean_interval = "30m", '
        f"per_hour = [{', '.join(hours)}] }}\n"
    )
    result = run(scenario(body, duration="2h"), keep_log=True)
    times = [t for t, _, _ in kinds(result, "job.submitted")]
    assert times and min(times) >= 3600.0
    assert 30 <= len(times) <= 90  # 60 expected in the hour


def test_pause_over_lunch_holds_jobs_until_resume() -> None:
    timeline = (
        '[[timeline]]\nat = "+10m"\naction = "pause_printer"\ntarget = "P1"\n'
        '[[timeline]]\nat = "+40m"\naction = "resume_printer"\ntarget = "P1"\n'
    )
    body = estate("P1") + burst("c", "P1", 4, at="+20m") + timeline
    result = run(scenario(body), keep_log=True)
    started = [t for t, _, _ in kinds(result, "job.started")]
    assert started and min(started) == 2400.0
    assert result.report.printers[0].wait.max >= 1200.0
    assert [e.get("action") for e in result.log.of_kind("scenario.action")] == [
        "pause_printer",
        "resume_printer",
    ]


def test_a_stopped_server_refuses_clients_and_restarts_what_it_was_printing() -> None:
    timeline = (
        '[[timeline]]\nat = "+5s"\naction = "server_down"\ntarget = "PRINTSRV"\n'
        '[[timeline]]\nat = "+10m"\naction = "server_up"\ntarget = "PRINTSRV"\n'
    )
    body = (
        '[[servers]]\nname = "PRINTSRV"\n'
        + estate("P1")
        + burst("early", "P1", 2, pages=5)
        + burst("during", "P1", 3, at="+1m")
        + timeline
    )
    result = run(scenario(body), keep_log=True)
    rejected = result.log.of_kind("client.rejected")
    assert [(e.time, e.get("status")) for e in rejected] == [
        (60.0, Win32.RPC_S_SERVER_UNAVAILABLE)
    ] * 3
    # The job printing at the stop comes back from the spool directory at the restart and
    # prints again from page one; the queued one comes back as it was (model/spooldir.py).
    assert kinds(result, "job.restarted", "job.recovered") == [
        (600.0, "job.restarted", "P1/1"),
        (600.0, "job.recovered", "P1/2"),
    ]
    report = result.report
    assert (report.submitted, report.rejected, report.completed, report.lost) == (5, 3, 2, 0)
    row = report.printers[0]
    assert (row.accepted, row.rejected, row.jobs, row.lost) == (2, 3, 2, 0)
    assert min(t for t, _, _ in kinds(result, "job.started")[1:]) == 600.0


def test_a_scripted_jam_stops_the_device_until_fixed() -> None:
    timeline = (
        '[[timeline]]\nat = "+30s"\naction = "jam"\ntarget = "p1"\n'
        '[[timeline]]\nat = "+5m"\naction = "fix"\ntarget = "p1"\n'
    )
    body = estate("P1") + burst("c", "P1", 1, pages=30) + timeline
    result = run(scenario(body), keep_log=True)
    codes = [(e.time, e.get("code")) for e in result.log.of_kind("port.device")]
    assert (30.0, 40022) in codes
    printed = kinds(result, "job.printed")
    assert len(printed) == 1 and printed[0][0] > 300.0
    assert result.report.device_faults == {"p1": 1}


def test_an_operator_refills_paper(tmp_path) -> None:
    """A 10-sheet tray runs out; ``refill_after`` later the operator loads paper."""
    profile = pathlib.Path(REFERENCE).read_text().replace("capacity = 1000000", "capacity = 10")
    (tmp_path / "small.toml").write_text(profile)
    body = estate("P1", profile=(tmp_path / "small.toml").as_posix()) + burst("c", "P1", 3, pages=6)
    refill = parse_scenario('[simulation]\nduration = "1h"\nrefill_after = "5m"\n' + body)
    done = run(refill, keep_log=True)
    assert (done.report.completed, done.report.pending) == (3, 0)
    assert done.report.device_faults == {"p1": 1}
    # 41xyy: paper out, tray 1 (x), A4 (yy = 04).
    out = next(e.time for e in done.log.of_kind("port.device") if e.get("code") == 41104)
    back = [e.time for e in done.log.of_kind("port.device") if e.time > out]
    assert back and back[0] == pytest.approx(out + 300.0)
    stuck = run(parse_scenario('[simulation]\nduration = "1h"\n' + body))
    assert stuck.report.completed < 3 and stuck.report.pending >= 1


def test_add_printer_set_and_burst_actions() -> None:
    body = estate("P1") + (
        '[[clients]]\nname = "c"\ncount = 5\npages = 1\n'
        'choice = { kind = "fixed", printers = ["P1"] }\n'
        'arrival = { process = "burst", bursts = [{ at = "+0s", jobs = 1, over = 0 }] }\n'
        '[[timeline]]\nat = "+1m"\naction = "set"\ntarget = "P1"\n'
        'key = "priority"\nvalue = 7\n'
        '[[timeline]]\nat = "+2m"\naction = "burst"\ntarget = "c"\n'
        'jobs = 4\nover = "1m"\n'
    )
    result = run(scenario(body), keep_log=True)
    assert result.servers["PRINTSRV"].printer("P1").priority == 7
    submitted = [t for t, _, _ in kinds(result, "job.submitted")]
    assert submitted[0] == 0.0
    assert len(submitted) == 5 and all(120.0 <= t < 180.0 for t in submitted[1:])


def test_expectations_are_judged() -> None:
    expect = (
        '[[expect]]\nmetric = "completed_jobs"\nequals = 3\n'
        '[[expect]]\nmetric = "wait_max"\nbelow = 10\n'
        '[[expect]]\nmetric = "wait_max"\nprinter = "P1"\nat_most = 14\n'
    )
    result = run(scenario(estate("P1") + burst("c", "P1", 3) + expect))
    verdicts = [(o.value, o.passed) for o in result.report.outcomes]
    assert verdicts == [(3.0, True), (14.0, False), (14.0, True)]
    assert not result.report.passed


async def test_a_stop_event_ends_the_run_early(autojump_clock) -> None:
    body = estate("P1") + (
        '[[clients]]\nname = "c"\ncount = 10\npages = 1\n'
        'choice = { kind = "fixed", printers = ["P1"] }\n'
        'arrival = { process = "poisson", mean_interval = "5m" }\n'
    )
    stop = trio.Event()

    async def press_stop() -> None:
        await trio.sleep(1800)
        print("stopping at", trio.current_time())
        stop.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(press_stop)
        result = await run_scenario(scenario(body, duration="8h"), stop=stop)
    assert result.report.span == pytest.approx(1800.0)
    assert 0 < result.report.submitted < 200


def test_progress_is_reported() -> None:
    seen = []
    body = estate("P1") + burst("c", "P1", 2)
    run(scenario(body), progress=seen.append, progress_every=0.0)
    assert seen and seen[-1].end == 7200.0
    assert all(a.now <= b.now for a, b in itertools.pairwise(seen))
