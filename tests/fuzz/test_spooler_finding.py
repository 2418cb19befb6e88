"""A fuzz-campaign finding in the living spooler: a job deleted at the instant its port failed
to reach the device (the port error before the port's let-go, both due at that instant) took the
whole spooler down (SpoolerError: fail in deleting, raised in the deadline loop), and with it
``spoolsim serve``. The port error now lets the deleted job go."""

from __future__ import annotations

import trio

from spoolsim.model import JobControl
from spoolsim.model.constants import Access
from spoolsim.runtime import RuntimeConfig, open_spooler
from tests.runtime.rig import ALICE, Rig, pages, submit


async def test_a_port_error_on_a_job_deleted_at_that_instant_lets_it_go(autojump_clock) -> None:
    rig = Rig()
    rig.laser()
    rig.network.set_reachable("laser1", False)
    config = RuntimeConfig(transport="wire")
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        client = sp.client(ALICE)
        job = submit(client, "P1", pages(1))
        await trio.sleep(5)  # the port is still trying to connect
        (act,) = sp.active.values()
        h = client.RpcAsyncOpenPrinter("P1", None, None, Access.PRINTER_ACCESS_USE).pHandle
        assert client.RpcAsyncSetJob(h, job, None, JobControl.DELETE).status == 0
        # The let-go is due now, behind a port error of the same instant:
        act.failed(trio.current_time(), "connect timed out")
        await trio.sleep(60)
        assert job not in rig.server.jobs
    assert [e.get("reason") for e in rig.server.log.of_kind("job.deleted")] == [
        "cancelled while printing"
    ]
