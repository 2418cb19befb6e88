"""Print browsing on the runtime: whole timelines through open_estate and the BrowseService.

Three servers PS1, PS2 and PS3, two shared printers each, all booted at 0 with the default
values (ServerThreadTimeout 36,000 ms, NetPrinterDecayPeriod 3,600,000 ms, RefreshTimesPerDecay-
Period 2): a round every max(36 s, 3600 s / 2) = 1800 s after the first at 60 s, and a cached
printer lives 3600 s after its last refresh. With the domain's seed 0 all three find no master
after 4.5 s; equal criteria and uptime make PS1 (the lowest name) the master, and with three
hosts known it promotes one backup, PS2. Clients browse PS1 as a real one does: EnumPrinters
with PRINTER_ENUM_NETWORK at level 1, first with an empty buffer, then with the size it was told.
"""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import attrs
import trio

from spoolsim.model import Driver, Printer, PrinterAttributes, PrintServer
from spoolsim.model.browsedomain import BrowseDomain, Host, Role
from spoolsim.model.constants import Access, RegType, Win32
from spoolsim.model.security import admin, user
from spoolsim.runtime import RuntimeConfig
from spoolsim.runtime.browsing import BrowseService
from spoolsim.runtime.open import LivingSpooler, open_estate
from spoolsim.wire.info import LAYOUTS
from spoolsim.wire.marshal import unpack

PRINTER_ENUM_NETWORK = 0x40
FIRST, INTERVAL, DECAY = 60.0, 1800.0, 3600.0
DIRECT = RuntimeConfig(transport="direct", barrier=False)
DRIVER = "HP Universal Printing PCL 6"
ALICE = user("alice", machine="WS1")
# fail_after runs on the virtual clock under autojump: a bound past every timeline's horizon.
VIRTUAL_LIMIT = 10_000


def _server(name: str) -> PrintServer:
    server = PrintServer(name=name)
    server.drivers.add(Driver(DRIVER, "Windows x64", 3, "unidrv.dll", "hpcu.gpd", "unidrvui.dll"))
    for j in range(2):
        q = f"{name}-Q{j}"
        server.printers[q.lower()] = Printer(
            q, ["LPT1:"], DRIVER, attributes=PrinterAttributes.SHARED | PrinterAttributes.QUEUED
        )
    return server


@attrs.define
class Estate:
    spoolers: list[LivingSpooler]
    domain: BrowseDomain
    hosts: list[Host]
    service: BrowseService

    def spooler(self, name: str) -> LivingSpooler:
        return next(sp for sp in self.spoolers if sp.server.name == name)

    def browse(self, master: str) -> list[str]:
        """What a client browsing ``master`` sees now (two EnumPrinters calls)."""
        client = self.spooler(master).client(ALICE)
        target = f"\\\\{master}"
        first = client.RpcAsyncEnumPrinters(PRINTER_ENUM_NETWORK, target, 1, 0)
        if first.pcbNeeded == 0:  # an empty list fits an empty buffer
            assert first.status == 0
            return []
        assert first.status == Win32.ERROR_INSUFFICIENT_BUFFER  # 122
        reply = client.RpcAsyncEnumPrinters(PRINTER_ENUM_NETWORK, target, 1, first.pcbNeeded)
        assert reply.status == 0 and reply.pcbNeeded == first.pcbNeeded
        records = unpack(LAYOUTS[("PRINTER_INFO", 1)], reply.pPrinterEnum, reply.pcReturned)
        return [str(r["pName"]) for r in records]


@asynccontextmanager
async def browsing(*names: str) -> AsyncIterator[Estate]:
    servers = [_server(n) for n in names]
    async with open_estate(servers, config=DIRECT) as spoolers:
        domain = BrowseDomain()
        hosts = [domain.add_host(s) for s in servers]
        surfaces = {sp.server.name.lower(): sp.surface for sp in spoolers}
        service = BrowseService(domain, spoolers[0].loop, surfaces)
        for h in hosts:
            service.start(h, now=trio.current_time())
        service.wake()
        try:
            yield Estate(spoolers, domain, hosts, service)
        finally:
            service.close()


def _times(host: Host, kind: str, **match: object) -> list[float]:
    return [
        e.time
        for e in host.server.log.of_kind(kind)
        if all(e.get(k) == v for k, v in match.items())
    ]


def _printers(*names: str) -> list[str]:
    return [f"\\\\{n}\\{n}-Q{j}" for n in names for j in (0, 1)]


async def test_rounds_and_host_announcements_follow_their_schedules(autojump_clock) -> None:
    with trio.fail_after(VIRTUAL_LIMIT):
        async with browsing("PS1", "PS2", "PS3") as estate:
            ps1, ps2, ps3 = estate.hosts
            assert trio.current_time() == 0.0
            await trio.sleep(59)
            assert estate.browse("PS1") == []  # nobody has announced a printer yet
            await trio.sleep_until(60.001)
            assert estate.browse("PS1") == _printers("PS1", "PS2", "PS3")
            await trio.sleep_until(6000)
        assert estate.domain.master is ps1 and estate.domain.backups == [ps2]
        assert ps2.role is Role.BACKUP
        # Rounds: 60, then every 1800 s exactly: 1860, 3660, 5460 (all three servers).
        for h in estate.hosts:
            assert _times(h, "browse.round") == [60.0, 1860.0, 3660.0, 5460.0]
        # Host announcements 1, 1, 2, 4 and 8 minutes apart, then every 12: 60, 120, 240, 480,
        # 960, 1680, 2400, 3120, 3840, 4560, 5280 s. PS3 sends one more, early: its answer to
        # the new master's AnnouncementRequest (within 30 s of the election's end).
        [became] = ps1.server.log.of_kind("browse.master")
        reply, *periodic = _times(ps3, "browse.sent", frame="HostAnnouncement")
        assert became.time <= reply <= became.time + 30.0
        steady = [1680.0 + 720.0 * k for k in range(6)]
        assert periodic == [60.0, 120.0, 240.0, 480.0, 960.0, *steady]
        # Each frame is counted in the bytes a network would carry.
        sent = ps3.server.log.of_kind("browse.sent")
        assert all(int(e.get("bytes")) > 0 for e in sent)  # type: ignore[call-overload]
        # The announcements arrive through the master's MS-PAR surface: one level-1
        # RpcAsyncAddPrinter per printer per round from each server's machine account (PS1's
        # own rounds included), 4 rounds x 3 servers x 2 printers = 24, all succeeding.
        calls = [e for e in ps1.server.log.of_kind("rpc.call") if e.subject == "RpcAsyncAddPrinter"]
        assert len(calls) == 24 and {e.get("status") for e in calls} == {0}
        assert sorted({str(e.get("user")) for e in calls}) == ["PS1$", "PS2$", "PS3$"]
        assert [e.time for e in calls if e.get("user") == "PS3$"] == [
            t for t in (60.0, 1860.0, 3660.0, 5460.0) for _ in range(2)
        ]
        # The backup gets every round too; PS3 (neither) keeps no cache.
        backup_calls = _times(ps2, "rpc.call")
        assert len([t for t in backup_calls if t in (60.0, 1860.0, 3660.0, 5460.0)]) == 24
        assert ps3.server.browse.printers == {}


async def test_a_crashed_servers_printers_expire_one_decay_after_its_last_round(
    autojump_clock,
) -> None:
    with trio.fail_after(VIRTUAL_LIMIT):
        async with browsing("PS1", "PS2", "PS3") as estate:
            ps1, ps2, ps3 = estate.hosts
            await trio.sleep_until(2000)
            estate.service.stop(ps3, trio.current_time())  # a crash: nobody is told
            # Its last round was at 1860 s: listed until 1860 + 3600 = 5460 s, gone then.
            await trio.sleep_until(5459.999)
            assert estate.browse("PS1") == _printers("PS1", "PS2", "PS3")
            await trio.sleep_until(5460.001)
            assert estate.browse("PS1") == _printers("PS1", "PS2")
            await trio.sleep_until(9000)
            assert estate.browse("PS1") == _printers("PS1", "PS2")
        for h in (ps1, ps2):
            expired = h.server.log.of_kind("browse.expired")
            stale = 5460.0 - 2000.0 if h is ps1 else None  # the master's expiry says it
            assert [(e.time, e.subject, e.get("age"), e.get("stale")) for e in expired] == [
                (5460.0, name, DECAY, stale) for name in _printers("PS3")
            ]
        # The survivors' rounds after the crash still reach the master and the backup; none
        # from PS3 after its last.
        assert _times(ps3, "browse.round") == [60.0, 1860.0]
        assert _times(ps1, "browse.round") == [60.0, 1860.0, 3660.0, 5460.0, 7260.0]


async def test_a_backup_takes_over_when_the_master_crashes(autojump_clock) -> None:
    with trio.fail_after(VIRTUAL_LIMIT):
        async with browsing("PS1", "PS2", "PS3") as estate:
            ps1, ps2, ps3 = estate.hosts
            await trio.sleep_until(3000)
            assert estate.browse("PS1") == _printers("PS1", "PS2", "PS3")
            [promoted] = _times(ps2, "browse.backup")  # 15.8 s: when it was first heard
            estate.service.stop(ps1, trio.current_time())
            # The backup's NetServerEnum2 timer fires every 720 s from its promotion; the first
            # two ticks after the crash (about 3616 and 4336 s) fail, and the second forces an
            # election, which it wins (its backup bit beats PS3's criteria).
            ticks = [promoted + 720.0 * k for k in range(1, 10)]
            ticks = [t for t in ticks if t > 3000.0]
            await trio.sleep_until(ticks[1] + 0.001)
            lost = ps2.server.log.of_kind("browse.master_lost")
            assert [(e.time, e.get("failures")) for e in lost] == [(ticks[0], 1), (ticks[1], 2)]
            [election] = ps2.server.log.of_kind("browse.election")
            assert (election.time, election.get("winner")) == (ticks[1], "PS2")
            ends = float(election.get("ends"))  # type: ignore[arg-type]
            # Backup delay 0.2-0.6 s, then three more frames a second apart.
            assert ticks[1] + 3.2 <= ends <= ticks[1] + 3.6
            await trio.sleep_until(ends + 0.001)
            [became] = ps2.server.log.of_kind("browse.master")
            assert (became.time, became.get("previous")) == (ends, "PS1")
            assert estate.domain.master is ps2 and estate.domain.backups == [ps3]
            # The new master's cache starts empty ...
            assert estate.browse("PS2") == []
            # ... and the next rounds (60 + 3 x 1800 = 5460 s), within one interval, refill it
            # with the living servers' printers; the dead master's never come back.
            await trio.sleep_until(ends + INTERVAL)
            assert estate.browse("PS2") == _printers("PS2", "PS3")
            added = [t for t in _times(ps2, "browse.added") if t > ends]
            assert set(added) == {5460.0}
            await trio.sleep_until(9000)
            assert estate.browse("PS2") == _printers("PS2", "PS3")


async def test_browse_values_set_through_the_surface_move_the_next_round(autojump_clock) -> None:
    with trio.fail_after(VIRTUAL_LIMIT):
        async with browsing("PS1", "PS2", "PS3") as estate:
            ps3 = estate.hosts[2]
            await trio.sleep_until(100)
            a = estate.spooler("PS3").client(admin())
            h = a.RpcAsyncOpenPrinter(None, None, None, Access.SERVER_ALL_ACCESS).pHandle

            def dword(name: str, value: int) -> int:
                data = struct.pack("<I", value)
                return a.RpcAsyncSetPrinterData(h, name, RegType.REG_DWORD, data, 4).status

            # 0 rounds per decay period is refused and changes nothing.
            assert dword("RefreshTimesPerDecayPeriod", 0) == Win32.ERROR_INVALID_PARAMETER
            # ServerThreadTimeout 2,400,000 ms: max(2400 s, 3600 s / 2) = 2400 s, counted from
            # the last round (60 s): 2460, then 4860 s.
            assert dword("ServerThreadTimeout", 2_400_000) == 0
            await trio.sleep_until(5000)
        [changed] = ps3.server.log.of_kind("browse.settings")
        assert (changed.time, changed.get("interval"), changed.get("decay")) == (
            100.0,
            2400.0,
            DECAY,
        )
        assert _times(ps3, "browse.round") == [60.0, 2460.0, 4860.0]


async def test_a_printer_added_after_the_first_round_is_announced_at_once(autojump_clock) -> None:
    with trio.fail_after(VIRTUAL_LIMIT):
        async with browsing("PS1", "PS2", "PS3") as estate:
            ps3 = estate.hosts[2]
            await trio.sleep_until(100)
            late = Printer("Late", ["LPT1:"], DRIVER, attributes=PrinterAttributes.SHARED | 0x1)
            ps3.server.add_printer(late, trio.current_time())
            await trio.sleep_until(100.001)
            assert "\\\\PS3\\Late" in estate.browse("PS1")
        partial = [e for e in ps3.server.log.of_kind("browse.round") if e.get("partial")]
        assert [(e.time, e.get("printers")) for e in partial] == [(100.0, 1)]


async def test_enabling_the_thread_after_a_restart_rounds_in_the_future(autojump_clock) -> None:
    with trio.fail_after(VIRTUAL_LIMIT):
        async with browsing("PS1", "PS2", "PS3") as estate:
            ps3 = estate.hosts[2]
            a = estate.spooler("PS3").client(admin())
            h = a.RpcAsyncOpenPrinter(None, None, None, Access.SERVER_ALL_ACCESS).pHandle

            def disable(value: int) -> None:
                data = struct.pack("<I", value)
                assert a.RpcAsyncSetPrinterData(h, "DisableServerThread", 4, data, 4).status == 0

            await trio.sleep_until(30)
            estate.service.stop(ps3, trio.current_time())  # crash before the round at 60 s
            disable(1)
            await trio.sleep_until(100)
            estate.service.start(ps3, trio.current_time())  # boots with the thread disabled
            await trio.sleep_until(200)
            disable(0)  # the first round should follow at 200 + 60 = 260 s
            await trio.sleep_until(300)
        assert _times(ps3, "browse.round") == [260.0]  # got [60.0], logged at 200 s
