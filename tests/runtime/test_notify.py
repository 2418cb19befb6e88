"""The long poll of opnum 61 in virtual time, alone and with many subscribers under load."""

from __future__ import annotations

import random

import trio

from spoolsim.model.constants import Access, JobControl
from spoolsim.rpc import Container
from spoolsim.rpc.notify import notify_filter, reply_values
from spoolsim.rpc.notifyfields import (
    JOB_FIELD_IDS,
    PRINTER_CHANGE_ALL_2,
    PRINTER_FIELD_IDS,
    PRINTER_NOTIFY_INFO_DISCARDED,
    Change,
)
from spoolsim.runtime.notify import get_remote_notifications
from tests.rpc.estate import Estate, printer_container
from tests.rpc.notifyclient import apply, as_state

WATCH_ALL = notify_filter(
    PRINTER_CHANGE_ALL_2, printer_fields=PRINTER_FIELD_IDS, job_fields=JOB_FIELD_IDS
)


def register(client, handle, flt=WATCH_ALL) -> bytes:
    r = client.RpcSyncRegisterForRemoteNotifications(handle, flt)
    assert r.status == 0, r
    return r.phRpcHandle


async def test_long_poll_wakes_on_the_first_matching_change_only(autojump_clock):
    e = Estate()
    h = e.open(e.alice)
    nh = register(e.alice, h, notify_filter(Change.ADD_JOB))
    admin = e.open(e.admin, access=Access.PRINTER_ALL_ACCESS)
    woke: list[tuple[float, int]] = []

    async def poller():
        reply = await get_remote_notifications(e.surface, e.alice.session, nh)
        woke.append((trio.current_time(), reply_values(reply.ppNotifyData)[0]))

    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(poller)
            await trio.sleep(1)
            e.t = trio.current_time()
            comment = Container(2, {"pComment": "moved", "pPortName": "LPT1:"})
            assert e.admin.RpcAsyncSetPrinter(admin, comment, None, None, 0).status == 0
            assert e.admin.RpcAsyncSetPrinter(admin, Container(0), None, None, 1).status == 0
            await trio.sleep(1)
            assert woke == []  # SET_PRINTER is not in the filter: still waiting
            e.t = trio.current_time()
            e.print_job(e.bob)
    assert woke == [(2.0, Change.ADD_JOB)]


async def test_unregister_and_close_end_a_waiting_poll(autojump_clock):
    e = Estate()
    h = e.open(e.alice)
    one, two = register(e.alice, h), register(e.alice, h)
    statuses: list[int] = []

    async def poller(nh):
        statuses.append((await get_remote_notifications(e.surface, e.alice.session, nh)).status)

    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(poller, one)
            nursery.start_soon(poller, two)
            await trio.sleep(1)
            assert e.alice.RpcSyncUnRegisterForRemoteNotifications(one).status == 0
            await trio.sleep(1)
            assert e.alice.RpcAsyncClosePrinter(h).status == 0
    assert statuses == [0x80070006, 0x80070006]  # HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE)


async def test_a_cancelled_poll_leaves_the_subscription_as_it_was(autojump_clock):
    e = Estate()
    nh = register(e.alice, e.open(e.alice))
    with trio.move_on_after(5):
        await get_remote_notifications(e.surface, e.alice.session, nh)
    sub = e.surface.notifier.get(nh, e.alice.session.id)
    assert sub is not None and sub.wakers == []
    e.print_job(e.bob)
    with trio.fail_after(1):
        reply = await get_remote_notifications(e.surface, e.alice.session, nh)
    assert reply_values(reply.ppNotifyData)[0] & Change.ADD_JOB


class Watcher:
    """A subscriber that long-polls and keeps its copy of the state; refreshes on DISCARDED."""

    def __init__(self, e: Estate, handle: bytes, server_view: bool) -> None:
        self.e, self.view = e, server_view
        self.nh = register(e.admin, handle)
        self.state: dict = {}
        self.replies = self.discards = 0

    def refresh(self) -> None:
        r = self.e.admin.RpcSyncRefreshRemoteNotifications(self.nh, notify_filter(1))
        self.state = {}
        apply(self.state, reply_values(r.ppNotifyData)[1], server_view=self.view)

    def take(self, reply) -> None:
        flags, info, _ = reply_values(reply.ppNotifyData)
        self.replies += 1
        if info.Flags & PRINTER_NOTIFY_INFO_DISCARDED:
            assert flags & PRINTER_NOTIFY_INFO_DISCARDED and info.Count == 0
            self.discards += 1
            self.refresh()
        else:
            apply(self.state, info, server_view=self.view)

    async def run(self) -> None:
        while True:
            self.take(await get_remote_notifications(self.e.surface, self.e.admin.session, self.nh))
            await trio.sleep(0.01)  # a client's round trip before it polls again


async def test_many_subscribers_under_load(autojump_clock):
    """60 subscribers, 20 of which never poll, while 4 printers change 2,000 times a simulated
    second for 2 seconds. The pollers end holding exactly what a refresh says; the idle ones hold
    no more than the backlog limit and have been marked discarded."""
    e = Estate()
    e.surface.notifier.limit = 200
    for name in ("P2", "P3", "P4"):
        assert e.admin.RpcAsyncAddPrinter(None, printer_container(name), None, None).status == 0
    names = ["P1", "P2", "P3", "P4"]
    handles = {n: e.open(e.admin, n, access=Access.PRINTER_ALL_ACCESS) for n in names}
    server = e.open(e.admin, name=None, access=Access.SERVER_ACCESS_ADMINISTER)
    watchers = [Watcher(e, handles[names[i % 4]], False) for i in range(30)]
    watchers += [Watcher(e, server, True) for _ in range(10)]
    idle = [register(e.admin, handles[names[i % 4]]) for i in range(20)]
    for w in watchers:
        w.refresh()
    rng = random.Random(8)
    changes = 0

    def one_change() -> None:
        e.t = trio.current_time()
        name = rng.choice(names)
        queue = e.server.printer(name).queue
        op = rng.random()
        if op < 0.3 or not queue:
            e.print_job(e.alice, data=b"x" * rng.randint(1, 500), name=name)
        elif op < 0.5:
            job = e.server.jobs[rng.choice(queue)]
            command = rng.choice([JobControl.PAUSE, JobControl.RESUME, JobControl.DELETE])
            e.admin.RpcAsyncSetJob(handles[name], job.job_id, None, command)
        elif op < 0.7:
            info = {"Priority": rng.randint(1, 99), "Position": 1}
            e.admin.RpcAsyncSetJob(handles[name], rng.choice(queue), Container(1, info), 0)
        else:
            p = e.server.printer(name)
            job = e.server.next_job(p, e.t)
            if job is not None:
                e.server.start_job(job, p.ports[0], e.t)
                e.server.job_progress(job, pages=1, nbytes=job.size)
                e.server.job_sent(job, e.t)

    with trio.fail_after(600):
        async with trio.open_nursery() as nursery:
            for w in watchers:
                nursery.start_soon(w.run)
            while trio.current_time() < 2.0:
                one_change()
                changes += 1
                await trio.sleep(0.0005)
            await trio.sleep(1)
            nursery.cancel_scope.cancel()
    assert changes >= 3_999
    for w in watchers:
        while (r := e.admin.RpcAsyncGetRemoteNotifications(w.nh)).status == 0:
            w.take(r)
        r = e.admin.RpcSyncRefreshRemoteNotifications(w.nh, notify_filter(1))
        assert w.state == as_state(reply_values(r.ppNotifyData)[1])
        assert w.replies > 50
    for nh in idle:
        sub = e.surface.notifier.get(nh, e.admin.session.id)
        assert sub.discarded and sub.size <= 200 and not sub.pending
