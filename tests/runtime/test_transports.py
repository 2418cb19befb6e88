"""Two transports, one result: the wire path and the direct path leave the same event log.

An estate with a pool, a device that jams at random (seeded), one that runs out of paper, one
that is off the network for a while, and one reached by LPR and by RAW without bidi is driven
through a morning of jobs on both paths.
"""

from __future__ import annotations

import json
import random

import pytest
import trio
import trio.testing

from devices.faults import Fault
from spoolsim.model import PrintServer
from spoolsim.runtime import RuntimeConfig, VirtualNetwork, open_spooler
from tests.runtime.rig import ALICE, Rig, pages, submit

PRINTERS = ["Jammy", "Small", "Pool", "Flaky", "Lpr", "Dumb"]


def _estate(seed: int) -> Rig:
    rig = Rig(PrintServer(), VirtualNetwork())
    rig.device("jammy", seed=seed, faults=(Fault("jam", per_page=0.05, clear_after=30.0),))
    rig.device("small", faults=(Fault("paper_out", at_page=12, clear_after=120.0),))
    rig.device("pool-a", seed=seed + 1)
    rig.device("pool-b", seed=seed + 2)
    rig.device("flaky")
    rig.device("lpd")
    for host in ("jammy", "small", "pool-a", "pool-b", "flaky"):
        rig.tcp_port(f"IP_{host}", host)
    rig.tcp_port("LPR_lpd", "lpd", port_number=515, protocol="LPR", byte_count=seed % 2 == 0)
    rig.tcp_port("RAW_lpd", "lpd", bidi=False)
    rig.printer("Lpr", "LPR_lpd")
    rig.printer("Dumb", "RAW_lpd")
    rig.printer("Jammy", "IP_jammy")
    rig.printer("Small", "IP_small")
    rig.printer("Pool", "IP_pool-a", "IP_pool-b")
    rig.printer("Flaky", "IP_flaky")
    return rig


async def _morning(rig: Rig, transport: str, seed: int) -> str:
    draws = random.Random(seed)
    plan = sorted(
        (
            round(draws.uniform(0, 1800), 1),
            draws.choice(["Jammy", "Small", "Pool", "Flaky"]),
            draws.randint(1, 8),
        )
        for _ in range(40)
    )
    config = RuntimeConfig(transport=transport)
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        client = sp.client(ALICE)
        rig.network.set_reachable("flaky", False)
        for at, printer, n in plan:
            await trio.sleep_until(at)
            if at > 900:
                rig.network.set_reachable("flaky", True)
            submit(client, printer, pages(n), doc=f"{printer}-{n}")
        await trio.sleep_until(4 * 3600)
        assert not rig.server.jobs, "every job printed"
    return rig.server.log.to_jsonl()


def _run(transport: str, seed: int) -> str:
    """One morning in a fresh Trio run, so every run's clock starts at 0."""
    clock = trio.testing.MockClock(autojump_threshold=0)
    return trio.run(_morning, _estate(seed), transport, seed, clock=clock)


@pytest.mark.parametrize("seed", [1, 2])
def test_wire_and_direct_paths_leave_the_same_log(seed: int) -> None:
    wire = _run("wire", seed)
    direct = _run("direct", seed)
    assert wire.count("job.completed") == 40
    codes = {json.loads(line).get("code") for line in wire.splitlines()}
    assert "port.error" in wire and 40022 in codes  # the estate met its faults
    assert any(code and code // 1000 == 41 for code in codes)  # paper out (41xyy)
    assert wire.splitlines() == direct.splitlines()


def test_the_same_seed_gives_the_same_log_and_another_seed_does_not() -> None:
    first = _run("wire", 7)
    again = _run("wire", 7)
    other = _run("wire", 8)
    assert first == again
    assert first != other


async def _heap_driven(barrier: bool) -> str:
    """The same morning with every submission scheduled on the deadline loop's own heap."""
    rig = _estate(3)
    draws = random.Random(3)
    config = RuntimeConfig(transport="direct", barrier=barrier)
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        client = sp.client(ALICE)
        rig.network.set_reachable("flaky", False)
        sp.loop.call_at(900, lambda now: rig.network.set_reachable("flaky", True))
        for _ in range(40):
            at, n = round(draws.uniform(0, 1800), 1), draws.randint(1, 8)
            printer = draws.choice(PRINTERS)
            sp.loop.call_at(at, lambda now, p=printer, n=n: submit(client, p, pages(n)))
        await trio.sleep_until(4 * 3600)
        assert not rig.server.jobs
    if not barrier:
        assert sp.loop.jumps > 100  # the loop moved the clock itself
    return rig.server.log.to_jsonl()


def test_a_heap_driven_run_needs_no_barrier() -> None:
    logs = [
        trio.run(_heap_driven, barrier, clock=trio.testing.MockClock(autojump_threshold=0))
        for barrier in (True, False)
    ]
    assert logs[0].count("job.completed") == 40
    assert logs[0] == logs[1]


def test_the_wire_path_refuses_to_run_without_the_barrier() -> None:
    with pytest.raises(ValueError, match="barrier"):
        RuntimeConfig(transport="wire", barrier=False)
