"""The living spooler in virtual time: jobs through monitors onto virtual devices."""

from __future__ import annotations

import pytest
import trio

from devices.faults import Fault
from spoolsim.model import JobControl, JobStatus, PrinterAttributes, PrinterStatus
from spoolsim.model.constants import PortStatus, PrinterControl
from spoolsim.rpc import Container
from spoolsim.runtime import RuntimeConfig, open_spooler
from tests.runtime.rig import ADMIN, ALICE, Rig, configs, pages, settle, submit, timeline

PAUSE, RESUME = PrinterControl.PAUSE, PrinterControl.RESUME

# hp-lj-pro-m404 from power save: warm-up 0-8 s, first page 6.3 s later, then one every 60/38 s.
FIRST = 14.3
EVERY = 60 / 38


@pytest.fixture(params=configs(), ids=lambda c: c.transport)
def config(request: pytest.FixtureRequest) -> RuntimeConfig:
    return request.param


async def test_a_raw_job_prints_page_by_page(autojump_clock, config: RuntimeConfig) -> None:
    rig = Rig()
    rig.laser()
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        job = submit(sp.client(ALICE), "P1", pages(3))
        await trio.sleep(1)
        assert rig.server.jobs[job].status & JobStatus.PRINTING
        assert rig.server.printers["p1"].full_status & PrinterStatus.WARMING_UP
        await trio.sleep(100)
    assert timeline(rig.server, "job.started", "job.page", "job.printed", "job.completed") == [
        (0.0, "job.started", "P1/1"),
        (FIRST, "job.page", "P1/1"),
        (round(FIRST + EVERY, 3), "job.page", "P1/1"),
        (round(FIRST + 2 * EVERY, 3), "job.page", "P1/1"),
        (round(FIRST + 2 * EVERY, 3), "job.printed", "P1/1"),
        (round(FIRST + 2 * EVERY, 3), "job.completed", "P1/1"),
    ]
    assert job not in rig.server.jobs
    assert rig.server.printers["p1"].total_pages == 3
    assert rig.network.printer("laser1").engine.status().page_count == 3


async def test_keep_printed_jobs_shows_printed_and_complete(autojump_clock, config) -> None:
    rig = Rig()
    rig.laser(attributes=PrinterAttributes.QUEUED | PrinterAttributes.KEEPPRINTEDJOBS)
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        job = submit(sp.client(ALICE), "P1", pages(2))
        await trio.sleep(60)
        kept = rig.server.jobs[job]
        assert kept.status == JobStatus.PRINTED | JobStatus.COMPLETE
        assert kept.pages_printed == 2


async def test_local_ports_write_files_or_discard(autojump_clock, tmp_path) -> None:
    rig = Rig()
    rig.printer("ToFile", "FILE:")
    rig.printer("ToNul", "NUL:")
    async with open_spooler(rig.server, network=rig.network, output_dir=tmp_path) as sp:
        client = sp.client(ALICE)
        submit(client, "ToFile", b"hello\f", pOutputFile="C:\\out\\report.prn")
        submit(client, "ToNul", b"gone\f")
        await trio.sleep(1)
    assert (tmp_path / "report.prn").read_bytes() == b"hello\f"
    assert [p.name for p in tmp_path.iterdir()] == ["report.prn"]
    assert [e.get("bytes") for e in rig.server.log.of_kind("port.wrote")] == [6, 5]
    assert len(rig.server.log.of_kind("job.completed")) == 2


async def test_text_jobs_pay_the_print_processors_rendering_cost(autojump_clock, config) -> None:
    rig = Rig()
    rig.laser(datatype="TEXT")
    config = RuntimeConfig(transport=config.transport, render_cost={"TEXT": 2.0})
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        client = sp.client(ALICE)
        h = client.RpcAsyncOpenPrinter("P1", None, None, 8).pHandle
        client.RpcAsyncStartDocPrinter(h, _doc("memo", "TEXT"))
        for _ in range(3):
            client.RpcAsyncStartPagePrinter(h)
            client.RpcAsyncWritePrinter(h, b"line\f", 5)
            client.RpcAsyncEndPagePrinter(h)
        client.RpcAsyncEndDocPrinter(h)
        await trio.sleep(100)
    rendering = rig.server.log.of_kind("job.rendering")[0]
    assert (rendering.time, rendering.get("seconds")) == (0.0, 6.0)
    assert timeline(rig.server, "job.page")[0][0] == round(6.0 + FIRST, 3)


async def test_a_jam_mid_job_stops_it_and_it_resumes(autojump_clock, config) -> None:
    rig = Rig()
    # The 3rd page of the device's life jams; the jam clears itself after 40 s.
    rig.device("laser1", faults=(Fault("jam", at_page=3, clear_after=40.0),))
    rig.laser()
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        job = submit(sp.client(ALICE), "P1", pages(5))
        jam_at = FIRST + 2 * EVERY
        await trio.sleep_until(jam_at + 1)
        p1, port = rig.server.printers["p1"], rig.server.ports["ip_laser1"]
        assert p1.full_status & PrinterStatus.PAPER_JAM
        assert rig.server.jobs[job].status & JobStatus.ERROR
        assert rig.server.jobs[job].status & JobStatus.PRINTING
        assert rig.server.jobs[job].pages_printed == 2
        assert port.status == PortStatus.PAPER_JAM
        await trio.sleep_until(jam_at + 40 + 1)
        assert not p1.full_status & PrinterStatus.PAPER_JAM
        assert not rig.server.jobs[job].status & JobStatus.ERROR
        await trio.sleep(200)
    printed = rig.server.log.of_kind("job.printed")
    assert [(e.subject, e.get("pages")) for e in printed] == [("P1/1", 5)]
    assert [e.get("page") for e in rig.server.log.of_kind("job.page")] == [1, 2, 3, 4, 5]
    assert rig.network.printer("laser1").engine.status().page_count == 5


async def test_an_unreachable_device_gives_port_errors_and_backs_off(autojump_clock, config):
    rig = Rig()
    rig.laser()
    rig.network.set_reachable("laser1", False)
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        job = submit(sp.client(ALICE), "P1", pages(1))
        await trio.sleep(60)
        assert rig.server.jobs[job].status == JobStatus.ERROR | JobStatus.OFFLINE
        assert rig.server.ports["ip_laser1"].status == PortStatus.OFFLINE
        assert rig.server.printers["p1"].full_status & PrinterStatus.OFFLINE
        rig.network.set_reachable("laser1", True)
        await trio.sleep(200)
    errors = rig.server.log.of_kind("port.error")
    # connect timeout 10 s; back-off 5, 10, 20 s: attempts at 0, 15, 35, 65.
    retries = [(e.time, e.get("retry_in")) for e in errors]
    assert retries == [(10.0, 5.0), (25.0, 10.0), (45.0, 20.0)]
    started = [e.time for e in rig.server.log.of_kind("job.started")]
    assert started == [0.0, 15.0, 35.0, 65.0]
    assert len(rig.server.log.of_kind("job.completed")) == 1
    assert rig.server.ports["ip_laser1"].status == PortStatus.CLEAR


async def test_backoff_is_capped_at_the_transmission_retry_timeout(autojump_clock) -> None:
    rig = Rig()
    rig.laser(transmission_retry_timeout=12000)
    rig.network.set_reachable("laser1", False)
    async with open_spooler(rig.server, network=rig.network) as sp:
        submit(sp.client(ALICE), "P1", pages(1))
        await trio.sleep(150)
    delays = [e.get("retry_in") for e in rig.server.log.of_kind("port.error")]
    assert delays[:4] == [5.0, 10.0, 12.0, 12.0]


async def test_pause_holds_the_queue_and_resume_releases_it(autojump_clock, config) -> None:
    rig = Rig()
    rig.laser()
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        admin_client = sp.client(ADMIN)
        h = admin_client.RpcAsyncOpenPrinter("P1", None, None, 0x0C).pHandle
        assert admin_client.RpcAsyncSetPrinter(h, Container(0), None, None, PAUSE).status == 0
        job = submit(sp.client(ALICE), "P1", pages(1))
        await trio.sleep(50)
        assert rig.server.jobs[job].status == JobStatus.QUEUED
        assert admin_client.RpcAsyncSetPrinter(h, Container(0), None, None, RESUME).status == 0
        await trio.sleep(50)
    assert [e.time for e in rig.server.log.of_kind("job.started")] == [50.0]
    assert len(rig.server.log.of_kind("job.completed")) == 1


async def test_priority_then_submission_order(autojump_clock, config) -> None:
    rig = Rig()
    rig.laser()
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        client = sp.client(ALICE)
        admin_client = sp.client(ADMIN)
        jobs = [submit(client, "P1", pages(1), doc="d0")]
        await settle()
        jobs += [submit(client, "P1", pages(1), doc=f"d{i}") for i in range(1, 4)]
        h = admin_client.RpcAsyncOpenPrinter("P1", None, None, 0x0C).pHandle
        record = Container(1, {"Priority": 99})
        assert admin_client.RpcAsyncSetJob(h, jobs[3], record, 0).status == 0
        await trio.sleep(200)
    started = [e.subject for e in rig.server.log.of_kind("job.started")]
    # Job 1 took the port at once; then priority 99 beats the rest, which go in order.
    assert started == ["P1/1", "P1/4", "P1/2", "P1/3"]


async def test_a_pool_fills_its_ports_in_order(autojump_clock, config) -> None:
    rig = Rig()
    for host in ("a", "b"):
        rig.device(host)
        rig.tcp_port(f"IP_{host}", host)
    rig.printer("Pool", "IP_a", "IP_b")
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        client = sp.client(ALICE)
        for i in range(3):
            submit(client, "Pool", pages(1), doc=f"d{i}")
        await trio.sleep(200)
    started = [(e.time, e.subject, e.get("port")) for e in rig.server.log.of_kind("job.started")]
    assert started[:2] == [(0.0, "Pool/1", "IP_a"), (0.0, "Pool/2", "IP_b")]
    assert started[2][1:] == ("Pool/3", "IP_a")  # port a finishes first: the same job lengths
    assert started[2][0] == pytest.approx(FIRST)


async def test_pool_error_restarts_the_job_elsewhere_after_restart_on_pool_error(
    autojump_clock, config
) -> None:
    rig = Rig()
    for host in ("a", "b"):
        rig.device(host)
        rig.tcp_port(f"IP_{host}", host)
    rig.printer("Pool", "IP_a", "IP_b")
    rig.network.set_reachable("a", False)
    rig.server.settings["RestartJobOnPoolError"] = 60
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        client = sp.client(ALICE)
        submit(client, "Pool", pages(1), doc="first")  # goes to IP_a and fails there
        submit(client, "Pool", pages(1), doc="second")  # prints on IP_b
        await trio.sleep(300)
    started = [(e.time, e.subject, e.get("port")) for e in rig.server.log.of_kind("job.started")]
    on_b = [s for s in started if s[2] == "IP_b"]
    assert on_b[0][1] == "Pool/2"
    # Job 1 fails on IP_a at 10 s and is retried there (15, 35, 65 s: back-off 5, 10, 20 s); it
    # may move from 70 s on, and does when the attempt that began at 65 s fails at 75 s.
    on_a = [s[0] for s in started if s[1] == "Pool/1" and s[2] == "IP_a"]
    assert on_a == [0.0, 15.0, 35.0, 65.0]
    moved = [s for s in on_b if s[1] == "Pool/1"]
    assert moved and moved[0][0] == 75.0
    assert len(rig.server.log.of_kind("job.completed")) == 2


async def test_delete_while_printing_frees_the_port(autojump_clock, config) -> None:
    rig = Rig()
    rig.laser()
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        client = sp.client(ALICE)
        first = submit(client, "P1", pages(20), doc="long")
        second = submit(client, "P1", pages(1), doc="short")
        await trio.sleep(20)
        h = client.RpcAsyncOpenPrinter("P1", None, None, 8).pHandle
        assert client.RpcAsyncSetJob(h, first, None, JobControl.DELETE).status == 0
        assert rig.server.jobs[first].status & JobStatus.DELETING
        await settle()
        assert first not in rig.server.jobs
        await trio.sleep(200)
    assert [e.subject for e in rig.server.log.of_kind("job.started")] == ["P1/1", "P1/2"]
    assert rig.server.log.of_kind("job.started")[1].time == 20.0
    assert second not in rig.server.jobs
    assert [e.subject for e in rig.server.log.of_kind("job.completed")] == ["P1/2"]


async def test_restart_while_printing_prints_again(autojump_clock, config) -> None:
    rig = Rig()
    rig.laser()
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        client = sp.client(ALICE)
        job = submit(client, "P1", pages(3))
        await trio.sleep(15)
        h = client.RpcAsyncOpenPrinter("P1", None, None, 8).pHandle
        assert client.RpcAsyncSetJob(h, job, None, JobControl.RESTART).status == 0
        await trio.sleep(200)
    assert [e.time for e in rig.server.log.of_kind("job.started")] == [0.0, 15.0]
    assert len(rig.server.log.of_kind("job.completed")) == 1


def _doc(name: str, datatype: str) -> Container:
    return Container(1, {"pDocName": name, "pDatatype": datatype})


@pytest.mark.parametrize("byte_count", [True, False], ids=["counted", "uncounted"])
async def test_an_lpr_port_hands_the_job_to_the_lpd(autojump_clock, config, byte_count) -> None:
    rig = Rig()
    rig.device("lpd1")
    rig.tcp_port("LPR_lpd1", "lpd1", port_number=515, protocol="LPR", byte_count=byte_count)
    rig.printer("P1", "LPR_lpd1")
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        submit(sp.client(ALICE), "P1", pages(4))
        await trio.sleep(120)
    device = rig.network.printer("lpd1")
    assert device.jobs_received == 1
    assert device.engine.status().page_count == 4
    # Without bidi the job is done when the LPD has it: printed at once, never ejected.
    assert timeline(rig.server, "job.started", "job.printed", "job.completed") == [
        (0.0, "job.started", "P1/1"),
        (0.0, "job.printed", "P1/1"),
        (0.0, "job.completed", "P1/1"),
    ]
    assert not rig.server.log.of_kind("job.page")


async def test_a_queue_outside_its_hours_waits_for_them(autojump_clock, config) -> None:
    rig = Rig()
    rig.laser(start_time=9 * 60, until_time=17 * 60)  # the server's clock starts at 08:00 UTC
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        job = submit(sp.client(ALICE), "P1", pages(1))
        await trio.sleep(3599)
        assert rig.server.jobs[job].status == JobStatus.QUEUED
        await trio.sleep(100)
    assert [e.time for e in rig.server.log.of_kind("job.started")] == [3600.0]


async def test_a_paused_job_waits_and_others_pass_it(autojump_clock, config) -> None:
    rig = Rig()
    rig.laser()
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        client = sp.client(ALICE)
        h = client.RpcAsyncOpenPrinter("P1", None, None, 8).pHandle
        busy = submit(client, "P1", pages(1), doc="busy")
        await settle()
        held = submit(client, "P1", pages(1), doc="held")
        assert client.RpcAsyncSetJob(h, held, None, JobControl.PAUSE).status == 0
        submit(client, "P1", pages(1), doc="next")
        await trio.sleep(100)
        assert rig.server.jobs[held].status == JobStatus.PAUSED
        assert client.RpcAsyncSetJob(h, held, None, JobControl.RESUME).status == 0
        await trio.sleep(100)
    started = [e.subject for e in rig.server.log.of_kind("job.started")]
    assert started == [f"P1/{busy}", f"P1/{held + 1}", f"P1/{held}"]
