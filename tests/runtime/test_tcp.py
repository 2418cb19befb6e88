"""The wire path over real TCP: the spooler's monitor prints to a device served on loopback.

Real sockets run on the real clock (autojump and sockets do not mix), so the device is a fast
copy of a profile and every wait has a ``fail_after``.
"""

from __future__ import annotations

import attrs
import trio

from devices.printer import VirtualPrinter
from devices.profile import load_profile
from devices.serve import open_virtual_printer
from spoolsim.model import JobStatus
from spoolsim.runtime import RuntimeConfig, TcpNetwork, open_spooler
from tests.runtime.rig import ALICE, Rig, pages, submit

FAST = attrs.evolve(load_profile("hp-lj-m611"), warmup_s=0.05, first_page_s=0.05, ppm=6000.0)


async def test_a_job_prints_on_a_device_over_loopback_tcp() -> None:
    device = VirtualPrinter(FAST, now=trio.current_time())
    async with open_virtual_printer(device, raw_port=0, lpd_port=0) as where:
        rig = Rig()
        rig.tcp_port("IP_dev", "127.0.0.1", port_number=where.raw_port)
        rig.tcp_port("LPR_dev", "127.0.0.1", port_number=where.lpd_port, protocol="LPR")
        rig.printer("Raw", "IP_dev")
        rig.printer("Lpr", "LPR_dev")
        config = RuntimeConfig(connect_timeout=5, reply_timeout=5)
        async with open_spooler(rig.server, network=TcpNetwork(), config=config) as sp:
            client = sp.client(ALICE)
            raw = submit(client, "Raw", pages(3))
            submit(client, "Lpr", pages(2))
            with trio.fail_after(10):
                while len(rig.server.log.of_kind("job.completed")) < 2:
                    await trio.sleep(0.01)
                    if raw in rig.server.jobs:
                        assert not rig.server.jobs[raw].status & JobStatus.ERROR
                while (
                    device.engine.status().page_count < 5
                ):  # the LPR job prints after its hand-off
                    await trio.sleep(0.01)
    assert [e.get("page") for e in rig.server.log.of_kind("job.page")] == [1, 2, 3]
    assert device.jobs_received == 2
    assert device.engine.status().page_count == 5
    assert not device.errors
