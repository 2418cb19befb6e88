"""A spooler crash and restart in a running scenario: the report, the log, clients, subscribers."""

from __future__ import annotations

import json
import pathlib
from functools import partial

import pytest
import trio

from spoolsim.model.constants import Access, Win32
from spoolsim.model.security import admin, user
from spoolsim.model.spooldir import LOST_CORRUPT, LOST_SPOOLING, RESTART_REASON
from spoolsim.rpc import Container
from spoolsim.rpc.notify import notify_filter, reply_values
from spoolsim.rpc.notifyfields import (
    JOB_FIELD_IDS,
    JOB_NOTIFY_TYPE,
    PRINTER_CHANGE_ALL_2,
    PRINTER_FIELD_IDS,
)
from spoolsim.runtime.notify import get_remote_notifications
from spoolsim.scenario import ScenarioError, load_scenario
from spoolsim.scenario.report import ServerRecovery
from spoolsim.scenario.runner import run_scenario
from spoolsim.scenario.summary import summary_lines
from tests.scenario.test_runner import burst, estate, kinds, run, scenario

SCENARIOS = pathlib.Path(__file__).resolve().parents[2] / "scenarios"
WATCH = notify_filter(
    PRINTER_CHANGE_ALL_2, printer_fields=PRINTER_FIELD_IDS, job_fields=JOB_FIELD_IDS
)
E_INVALID_HANDLE = 0x80070006  # HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE)
# Five 5-page jobs on a 30 ppm device at once; the spooler crashes at +30 s (job 1 printed, job
# 2 printing) and starts again at +2 m.
CRASH = (
    '[[servers]]\nname = "PRINTSRV"\n'
    + estate("P1")
    + burst("c", "P1", 5, pages=5)
    + '[[timeline]]\nat = "+30s"\naction = "server_down"\ntarget = "PRINTSRV"\n'
    + '[[timeline]]\nat = "+2m"\naction = "server_up"\ntarget = "PRINTSRV"\n'
)


def test_the_shipped_crash_scenario_recovers_restarts_and_loses_what_it_says() -> None:
    sc = load_scenario(SCENARIOS / "spooler-crash.toml")
    result = run(sc, keep_log=True)
    report = result.report
    assert report.passed, [o for o in report.outcomes if not o.passed]
    (server,) = report.recovery
    assert (server.server, server.crashes, server.stops) == ("PRINTSRV", 1, 1)
    assert (report.recovered, report.restarted, report.lost_at_restart) == (
        server.recovered,
        server.restarted,
        server.lost,
    )
    assert report.recovered == sum(p.recovered for p in report.printers) >= 200
    assert report.restarted == sum(p.restarted for p in report.printers) >= 5
    assert report.lost == report.lost_at_restart == 1  # nothing else went missing
    (lost,) = result.log.of_kind("job.lost")
    assert lost.subject.startswith("Finance/") and lost.get("reason") == LOST_CORRUPT
    assert report.accepted == report.completed + report.failed + report.pending + report.lost
    down = [(e.time, e.get("clean")) for e in result.log.of_kind("server.down")]
    assert down == [(33 * 60.0, False), (38 * 60.0 + 15, True)]


def test_the_same_crash_scenario_and_seed_give_the_same_event_log() -> None:
    sc = load_scenario(SCENARIOS / "spooler-crash.toml")
    first, second = run(sc, keep_log=True), run(sc, keep_log=True)
    assert first.events_jsonl() == second.events_jsonl()
    assert first.report.recovery == second.report.recovery
    other = run(sc, keep_log=True, seed=12)
    assert other.events_jsonl() != first.events_jsonl()


def test_jobs_come_back_in_order_and_the_printing_one_starts_again_from_page_one() -> None:
    result = run(scenario(CRASH), keep_log=True)
    at_restart = kinds(result, "job.recovered", "job.restarted", "job.lost")
    assert at_restart == [
        (120.0, "job.restarted", "P1/2"),
        (120.0, "job.recovered", "P1/3"),
        (120.0, "job.recovered", "P1/4"),
        (120.0, "job.recovered", "P1/5"),
    ]
    restarted = result.log.of_kind("job.restarted")[0]
    assert restarted.get("reason") == RESTART_REASON and restarted.get("position") == 1
    pages = [e.get("page") for e in result.log.of_kind("job.page") if e.subject == "P1/2"]
    assert pages[-5:] == [1, 2, 3, 4, 5] and pages.count(1) == 2  # printed again from page one
    started = kinds(result, "job.started")
    assert (120.0, "job.started", "P1/2") in started
    report = result.report
    assert (report.completed, report.pending, report.lost, report.rejected) == (5, 0, 0, 0)
    assert report.recovery == (ServerRecovery("PRINTSRV", 1, 0, 3, 1, 0),)
    row = report.printers[0]
    assert (row.recovered, row.restarted) == (3, 1)


def test_a_job_spooled_at_the_crash_is_lost_and_its_handle_is_dead() -> None:
    seen: dict[str, object] = {}

    async def before(run_) -> None:
        sp = run_.spoolers["printsrv"]
        alice = sp.client(user("alice"))

        def begin(now: float) -> None:
            h = alice.RpcAsyncOpenPrinter("P1", None, None, Access.PRINTER_ACCESS_USE).pHandle
            job = alice.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": "half"})).pJobId
            alice.RpcAsyncWritePrinter(h, b"half a document", 15)
            seen["job"], seen["handle"] = job, h

        def resume(now: float) -> None:
            h = seen["handle"]
            seen["write"] = alice.RpcAsyncWritePrinter(h, b"rest", 4).status
            seen["end"] = alice.RpcAsyncEndDocPrinter(h).status
            seen["next"] = alice.RpcAsyncOpenPrinter("P1", None, None, 8).status

        run_.loop.call_at(20.0, begin)
        run_.loop.call_at(125.0, resume)

    result = trio.run(
        partial(run_scenario, scenario(CRASH), keep_log=True, before=before),
        clock=trio.testing.MockClock(autojump_threshold=0),
    )
    assert seen["job"] == 6
    assert (seen["write"], seen["end"]) == (Win32.ERROR_INVALID_HANDLE,) * 2
    assert seen["next"] == 0  # a new connection works
    lost = result.log.of_kind("job.lost")
    assert [(e.time, e.subject, e.get("reason"), e.get("size")) for e in lost] == [
        (120.0, "P1/6", LOST_SPOOLING, 15)
    ]
    report = result.report
    assert (report.lost, report.lost_at_restart, report.recovery[0].lost) == (1, 1, 1)
    assert report.accepted == 6 and report.completed == 5
    text = "\n".join(summary_lines(report))
    assert "spooler restarts: 3 jobs recovered, 1 restarted from page one, 1 lost" in text
    assert "1 crash" in text and "0 clean stops" in text
    data = json.loads(json.dumps(report.to_json()))
    assert data["recovery"] == [
        {
            "server": "PRINTSRV",
            "crashes": 1,
            "stops": 0,
            "recovered": 3,
            "restarted": 1,
            "lost": 1,
        }
    ]
    assert (data["recovered"], data["restarted"], data["lost_at_restart"]) == (3, 1, 1)


async def test_a_long_poll_ends_at_the_crash_and_a_new_subscriber_sees_the_restored_jobs(
    autojump_clock,
) -> None:
    got: dict[str, object] = {}
    ready = trio.Event()

    async def before(run_) -> None:
        sp = run_.spoolers["printsrv"]
        watcher = sp.client(admin())
        h = watcher.RpcAsyncOpenPrinter("P1", None, None, Access.PRINTER_ACCESS_USE).pHandle
        got["sp"], got["client"] = sp, watcher
        got["nh"] = watcher.RpcSyncRegisterForRemoteNotifications(h, WATCH).phRpcHandle

        def again(now: float) -> None:
            h = watcher.RpcAsyncOpenPrinter("P1", None, None, Access.PRINTER_ACCESS_USE).pHandle
            nh = watcher.RpcSyncRegisterForRemoteNotifications(h, WATCH).phRpcHandle
            _, info, _ = reply_values(
                watcher.RpcSyncRefreshRemoteNotifications(nh, WATCH).ppNotifyData
            )
            got["refresh"] = sorted({d.Id for d in info.aData if d.Type == JOB_NOTIFY_TYPE})
            got["queue"] = list(sp.server.printers["p1"].queue)

        run_.loop.call_at(121.0, again)  # just after the restart
        ready.set()

    async def poller() -> None:
        await ready.wait()
        sp, client, nh = got["sp"], got["client"], got["nh"]
        replies: list[tuple[float, int]] = []
        while True:
            reply = await get_remote_notifications(sp.surface, client.session, nh)
            replies.append((trio.current_time(), reply.status))
            if reply.status:
                break
        got["replies"] = replies

    with trio.fail_after(4 * 3600):  # simulated seconds: the run is 1 h, drain 1 h at most
        async with trio.open_nursery() as nursery:
            nursery.start_soon(poller)
            await run_scenario(scenario(CRASH), keep_log=True, before=before)
    replies = got["replies"]
    assert replies[-1] == (30.0, E_INVALID_HANDLE)  # woken by the crash, its handle gone
    assert all(status == 0 for _, status in replies[:-1])
    assert got["refresh"] == got["queue"] == [2, 3, 4, 5]


def test_the_loader_refuses_server_up_for_a_server_that_is_not_down() -> None:
    body = (
        '[[servers]]\nname = "PRINTSRV"\n'
        + estate("P1")
        + burst("c", "P1", 1)
        + '[[timeline]]\nat = "+1m"\naction = "server_up"\ntarget = "PRINTSRV"\n'
        + '[[timeline]]\nat = "+2m"\naction = "server_down"\n'
        + '[[timeline]]\nat = "+3m"\naction = "server_down"\ntarget = "printsrv"\nclean = true\n'
    )
    with pytest.raises(ScenarioError) as caught:
        scenario(body)
    messages = [(p.path, p.message) for p in caught.value.problems]
    assert messages == [
        (
            "timeline[0].action",
            "server 'PRINTSRV' is not down at +1m: server_up restarts a server that a"
            " server_down stopped",
        ),
        (
            "timeline[2].action",
            "server 'PRINTSRV' is already down at +3m (since +2m); a server_up must come first",
        ),
    ]


def test_a_repeated_crash_and_restart_pair_is_accepted() -> None:
    body = (
        estate("P1")
        + burst("c", "P1", 1)
        + '[[timeline]]\nat = "+1m"\nevery = "10m"\nuntil = "+30m"\naction = "server_down"\n'
        + '[[timeline]]\nat = "+2m"\nevery = "10m"\nuntil = "+30m"\naction = "server_up"\n'
    )
    sc = scenario(body)
    assert [a.action for a in sc.timeline] == ["server_down", "server_up"] * 3


async def test_asking_a_spooler_for_the_state_it_is_in_is_a_logged_no_op(autojump_clock) -> None:
    async def before(run_) -> None:
        sp = run_.spoolers["printsrv"]
        sp.set_available(True, 0.0)
        got.append(sp.server.log.of_kind("server.unchanged"))

    got: list[object] = []
    await run_scenario(scenario(estate("P1") + burst("c", "P1", 1)), keep_log=True, before=before)
    (events,) = got
    assert [(e.kind, e.subject, e.get("available")) for e in events] == [
        ("server.unchanged", "PRINTSRV", True)
    ]
