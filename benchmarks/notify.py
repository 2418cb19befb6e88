"""Change notifications under load: what watching costs the spooler.

Four printers change ``--rate`` times a simulated second (jobs printed through the method surface,
paused, cancelled, re-prioritised, started and finished by the "port") for ``--seconds`` in
virtual time (an autojumping MockClock). Three runs of the same seeded workload:

- ``none``: nobody subscribes (the notifier stays detached);
- ``polling``: ``--subscribers`` long-poll subscribers (three printer handles for every server
  handle), each polling again 10 ms after each reply and refreshing after a DISCARDED;
- ``polling+idle``: the same, plus ``--idle`` subscribers that never poll, so their backlogs
  overflow and stay discarded.

Each row gives the model changes per wall second, the replies the pollers received, the values
they carried, the discards, and the largest backlog any subscription held (it never exceeds the
limit, 1,000 values). Garbage collection is off while a row runs.

    python -m benchmarks.notify [--rate 2000] [--seconds 5] [--subscribers 40] [--idle 20]
"""

from __future__ import annotations

import argparse
import gc
import random
import time

import trio
import trio.testing

from spoolsim.model import Driver, PrintServer
from spoolsim.model.constants import Access, JobControl, PrinterAttributes
from spoolsim.model.security import admin
from spoolsim.rpc import Client, Container, Surface
from spoolsim.rpc.notify import notify_filter, reply_values
from spoolsim.rpc.notifyfields import (
    JOB_FIELD_IDS,
    PRINTER_CHANGE_ALL_2,
    PRINTER_FIELD_IDS,
    PRINTER_NOTIFY_INFO_DISCARDED,
)
from spoolsim.runtime.notify import get_remote_notifications

__all__ = ["main", "measure"]

PRINTERS = ("P1", "P2", "P3", "P4")
WATCH_ALL = notify_filter(
    PRINTER_CHANGE_ALL_2, printer_fields=PRINTER_FIELD_IDS, job_fields=JOB_FIELD_IDS
)


class _Estate:
    def __init__(self) -> None:
        self.now = 0.0
        self.server = PrintServer()
        self.server.drivers.add(Driver("Bench", "Windows x64", 3, "u.dll", "d.gpd", "ui.dll"))
        self.surface = Surface(self.server, clock=lambda: self.now, log_calls=False)
        self.server.log.enabled = False
        self.client = Client(self.surface, admin())
        for name in PRINTERS:
            info = {
                "pPrinterName": name,
                "pPortName": "LPT1:",
                "pDriverName": "Bench",
                "pPrintProcessor": "winprint",
                "Attributes": PrinterAttributes.QUEUED | PrinterAttributes.SHARED,
            }
            assert self.client.RpcAsyncAddPrinter(None, Container(2, info), None, None).ok
        self.handles = {
            n: self.client.RpcAsyncOpenPrinter(n, None, None, Access.PRINTER_ALL_ACCESS).pHandle
            for n in PRINTERS
        }
        self.server_handle = self.client.RpcAsyncOpenPrinter(
            None, None, None, Access.SERVER_ACCESS_ADMINISTER
        ).pHandle

    def change(self, rng: random.Random) -> None:
        c, name = self.client, rng.choice(PRINTERS)
        h, queue = self.handles[name], self.server.printer(name).queue
        op = rng.random()
        if op < 0.3 or not queue:
            job = c.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": "doc"})).pJobId
            data = b"x" * rng.randint(1, 500)
            c.RpcAsyncWritePrinter(h, data, len(data))
            c.RpcAsyncEndDocPrinter(h)
        elif op < 0.5:
            command = rng.choice([JobControl.PAUSE, JobControl.RESUME, JobControl.DELETE])
            c.RpcAsyncSetJob(h, rng.choice(queue), None, command)
        elif op < 0.7:
            info = {"Priority": rng.randint(1, 99), "Position": 1}
            c.RpcAsyncSetJob(h, rng.choice(queue), Container(1, info), 0)
        else:
            p = self.server.printer(name)
            job = self.server.next_job(p, self.now)
            if job is not None:
                self.server.start_job(job, p.ports[0], self.now)
                self.server.job_progress(job, pages=1, nbytes=job.size)
                self.server.job_sent(job, self.now)


async def _run(rate: int, seconds: float, subscribers: int, idle: int) -> dict:
    e = _Estate()
    stats = {"replies": 0, "values": 0, "discards": 0}
    handles = [e.handles[n] for n in PRINTERS]

    def watch(i: int) -> bytes:
        where = e.server_handle if i % 4 == 3 else handles[i % 4]
        return e.client.RpcSyncRegisterForRemoteNotifications(where, WATCH_ALL).phRpcHandle

    async def poller(nh: bytes) -> None:
        while True:
            reply = await get_remote_notifications(e.surface, e.client.session, nh)
            _, info, _ = reply_values(reply.ppNotifyData)
            stats["replies"] += 1
            stats["values"] += info.Count
            if info.Flags & PRINTER_NOTIFY_INFO_DISCARDED:
                stats["discards"] += 1
                e.client.RpcSyncRefreshRemoteNotifications(nh, notify_filter(1))
            await trio.sleep(0.01)

    polled = [watch(i) for i in range(subscribers)]
    idle_handles = [watch(i) for i in range(idle)]
    rng = random.Random(8)
    changes = 0
    wall = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for nh in polled:
            nursery.start_soon(poller, nh)
        while trio.current_time() < seconds:
            e.now = trio.current_time()
            e.change(rng)
            changes += 1
            await trio.sleep(1 / rate)
        nursery.cancel_scope.cancel()
    wall = time.perf_counter() - wall
    subs = [e.surface.notifier.get(nh, e.client.session.id) for nh in polled + idle_handles]
    return {
        "changes": changes,
        "wall_s": wall,
        "changes_per_s": changes / wall,
        **stats,
        "largest_backlog": max((s.size for s in subs if s is not None), default=0),
        "idle_discarded": sum(1 for s in subs[len(polled) :] if s is not None and s.discarded),
    }


def measure(rate: int, seconds: float, subscribers: int, idle: int) -> dict:
    gc.collect()
    gc.disable()
    try:
        clock = trio.testing.MockClock(autojump_threshold=0)
        return trio.run(_run, rate, seconds, subscribers, idle, clock=clock)
    finally:
        gc.enable()


def run_notify(rate: int, seconds: float, subscribers: int, idle: int) -> list[dict]:
    variants = (("none", 0, 0), ("polling", subscribers, 0), ("polling+idle", subscribers, idle))
    return [
        {"variant": label, **measure(rate, seconds, subs, idles)} for label, subs, idles in variants
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=int, default=2000, help="changes per simulated second")
    parser.add_argument("--seconds", type=float, default=5.0, help="simulated seconds")
    parser.add_argument("--subscribers", type=int, default=40)
    parser.add_argument("--idle", type=int, default=20)
    args = parser.parse_args(argv)
    rows = run_notify(args.rate, args.seconds, args.subscribers, args.idle)
    print(f"notifications: {args.rate} changes/simulated s for {args.seconds} s")
    print(
        f"  {'variant':<13} {'changes/s':>10} {'replies':>8} {'values':>9} {'discards':>8} "
        f"{'max backlog':>11} {'idle discarded':>14}"
    )
    for r in rows:
        print(
            f"  {r['variant']:<13} {r['changes_per_s']:>10,.0f} {r['replies']:>8,} "
            f"{r['values']:>9,} {r['discards']:>8,} {r['largest_backlog']:>11,} "
            f"{r['idle_discarded']:>14,}"
        )


if __name__ == "__main__":
    main()
