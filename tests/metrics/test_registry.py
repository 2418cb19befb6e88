"""SimMetrics: events counted by the listener, state read at scrape time, one registry per run."""

from __future__ import annotations

import re

import prometheus_client
import pytest
import trio

from spoolsim.metrics import SimMetrics
from spoolsim.metrics.registry import status_label
from spoolsim.model import JobControl
from spoolsim.model.constants import PrinterAttributes, PrinterStatus
from spoolsim.runtime import RuntimeConfig, open_spooler
from tests.metrics import estate
from tests.runtime.rig import ALICE, Rig, pages, submit


def value(metrics: SimMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def attached(*servers) -> SimMetrics:
    metrics = SimMetrics()
    for s in servers:
        metrics.attach(s)
    return metrics


def test_job_life_counts_wait_turnaround_pages_and_bytes() -> None:
    s = estate.server()
    estate.laser(s, "P1", "laser1")
    m = attached(s)
    estate.print_job(s, "P1", 0, pages=3, wait=4.0)  # submitted 0, spooled 1, started 5, done 8
    estate.print_job(s, "P1", 100, pages=1, wait=45.0)  # spooled 101, started 146, done 147
    on = {"server": "PRINTSRV", "printer": "P1"}
    assert value(m, "spoolsim_jobs_submitted_total", **on) == 2
    assert value(m, "spoolsim_jobs_completed_total", **on) == 2
    assert value(m, "spoolsim_jobs_failed_total", **on) == 0
    assert value(m, "spoolsim_pages_printed_total", **on) == 4
    assert value(m, "spoolsim_bytes_spooled_total", **on) == 200
    assert value(m, "spoolsim_job_wait_seconds_count", **on) == 2
    assert value(m, "spoolsim_job_wait_seconds_sum", **on) == 49.0
    assert value(m, "spoolsim_job_wait_seconds_bucket", le="5.0", **on) == 1  # 4 s
    assert value(m, "spoolsim_job_wait_seconds_bucket", le="30.0", **on) == 1
    assert value(m, "spoolsim_job_wait_seconds_bucket", le="60.0", **on) == 2  # 45 s
    assert value(m, "spoolsim_job_wait_seconds_bucket", le="+Inf", **on) == 2
    assert value(m, "spoolsim_job_turnaround_seconds_sum", **on) == 8.0 + 47.0
    assert value(m, "spoolsim_simulated_seconds") == 147.0  # the latest event


def test_histogram_buckets_include_their_upper_bound() -> None:
    s = estate.server()
    estate.laser(s, "P1", "laser1")
    m = attached(s)
    estate.print_job(s, "P1", 0, wait=5.0)
    on = {"server": "PRINTSRV", "printer": "P1"}
    assert value(m, "spoolsim_job_wait_seconds_bucket", le="2.0", **on) == 0
    assert value(m, "spoolsim_job_wait_seconds_bucket", le="5.0", **on) == 1


def test_a_retry_does_not_observe_the_wait_again_and_pages_come_from_the_device() -> None:
    s = estate.server()
    estate.laser(s, "P1", "laser1")
    m = attached(s)
    job = estate.spool(s, "P1", 0, pages=3)
    estate.start(s, job, 2)
    estate.page(s, job, 1, 3)
    s.job_failed(job, 4)  # a port error after one page: back to the queue
    estate.start(s, job, 10)
    for n in (1, 2, 3):
        estate.page(s, job, n, 10 + n)
    s.job_sent(job, 14)
    on = {"server": "PRINTSRV", "printer": "P1"}
    assert value(m, "spoolsim_job_wait_seconds_count", **on) == 1
    assert value(m, "spoolsim_job_wait_seconds_sum", **on) == 1.0  # spooled 1, first start 2
    assert value(m, "spoolsim_pages_printed_total", **on) == 4  # the page printed twice counts
    assert value(m, "spoolsim_jobs_completed_total", **on) == 1


def test_pages_nobody_reported_are_counted_when_the_job_has_printed() -> None:
    s = estate.server()
    estate.laser(s, "P1", "laser1")
    m = attached(s)
    job = estate.spool(s, "P1", 0, pages=5)
    estate.start(s, job, 2)
    estate.page(s, job, 1, 3)  # the device reported one of five pages
    s.job_sent(job, 9)
    job = estate.spool(s, "P1", 10, pages=2)  # no page reports at all (a port without bidi)
    estate.start(s, job, 12)
    s.job_sent(job, 13)
    assert value(m, "spoolsim_pages_printed_total", server="PRINTSRV", printer="P1") == 7


def test_failed_jobs_are_those_that_leave_without_printing() -> None:
    s = estate.server()
    estate.laser(s, "P1", "laser1")
    keep = estate.laser(s, "Keeper", "laser2")
    keep.attributes |= PrinterAttributes.KEEPPRINTEDJOBS
    m = attached(s)
    cancelled = estate.spool(s, "P1", 0)
    s.control_job(cancelled, JobControl.CANCEL, 2)
    kept = estate.print_job(s, "Keeper", 0)
    s.control_job(kept, JobControl.DELETE, 50)  # printed, kept, then deleted: not a failure
    assert value(m, "spoolsim_jobs_failed_total", server="PRINTSRV", printer="P1") == 1
    assert value(m, "spoolsim_jobs_failed_total", server="PRINTSRV", printer="Keeper") == 0
    assert value(m, "spoolsim_jobs_completed_total", server="PRINTSRV", printer="Keeper") == 1
    watch = next(iter(m._watches.values()))
    assert watch.spooled == {} and watch.pages_seen == {}  # nothing kept for gone jobs


def test_rejections_port_errors_and_calls_from_their_events() -> None:
    s = estate.server()
    estate.laser(s, "P1", "laser1")
    m = attached(s)
    s.log.add(5, "client.rejected", "P1", status=1722, group="office")
    s.log.add(6, "port.error", "IP_laser1", reason="refused", retry_in=5.0, failures=1)
    s.log.add(7, "port.error", "IP_laser1", reason="refused", retry_in=10.0, failures=2)
    for status in (0, 0, 5, 0x80070005):
        s.log.add(8, "rpc.call", "RpcAsyncOpenPrinter", status=status, user="alice")
    assert value(m, "spoolsim_jobs_rejected_total", server="PRINTSRV", printer="P1") == 1
    assert value(m, "spoolsim_port_errors_total", server="PRINTSRV", port="IP_laser1") == 2
    calls = {"server": "PRINTSRV", "method": "RpcAsyncOpenPrinter"}
    assert value(m, "spoolsim_rpc_calls_total", status="ERROR_SUCCESS", **calls) == 2
    assert value(m, "spoolsim_rpc_calls_total", status="ERROR_ACCESS_DENIED", **calls) == 1
    assert value(m, "spoolsim_rpc_calls_total", status="0x80070005", **calls) == 1


def test_status_labels() -> None:
    assert status_label(0) == "ERROR_SUCCESS"
    assert status_label(1745) == "1745"  # RPC_S_PROCNUM_OUT_OF_RANGE is not in our Win32 table
    assert status_label(0x80070057) == "0x80070057"
    assert status_label(-2147024891) == "0x80070005"


def test_state_is_read_at_scrape_time() -> None:
    s = estate.server()
    estate.laser(s, "P1", "laser1")
    estate.laser(s, "P2", "laser2")
    m = attached(s)
    estate.spool(s, "P1", 0)
    estate.spool(s, "P1", 1)
    s.pause_printer(s.printer("P2"), 2)
    estate.jam(s, "IP_laser1", 3)
    s.ports["ip_laser1"].supplies.update({"Toner": 42, "Tray1": 97})
    on = {"server": "PRINTSRV"}
    assert value(m, "spoolsim_queue_depth", printer="P1", **on) == 2
    assert value(m, "spoolsim_queue_depth", printer="P2", **on) == 0
    status = "spoolsim_printer_status"
    assert value(m, status, printer="P1", status="PAPER_JAM", **on) == 1  # from its device
    assert value(m, status, printer="P1", status="PAUSED", **on) == 0
    assert value(m, status, printer="P2", status="PAUSED", **on) == 1
    for printer, bits in (("P1", {"PAPER_JAM"}), ("P2", {"PAUSED"})):
        shown = {
            b.name for b in PrinterStatus if value(m, status, printer=printer, status=b.name, **on)
        }
        assert shown == bits
    device = "spoolsim_device_status"
    assert value(m, device, port="IP_laser1", status="PAPER_JAM", **on) == 1
    assert value(m, device, port="IP_laser1", status="CLEAR", **on) == 0
    assert value(m, device, port="IP_laser2", status="CLEAR", **on) == 1
    assert value(m, device, port="LPT1:", status="CLEAR", **on) is None  # no device
    assert value(m, "spoolsim_device_status_code", port="IP_laser1", **on) == 42202
    assert value(m, "spoolsim_device_status_code", port="IP_laser2", **on) is None  # never read
    assert value(m, "spoolsim_supply_level_percent", port="IP_laser1", supply="Toner", **on) == 42
    s.pause_printer(s.printer("P1"), 4)  # the next scrape sees it, no event counting needed
    assert value(m, status, printer="P1", status="PAUSED", **on) == 1


def test_every_printer_has_its_series_before_any_job() -> None:
    s = estate.server()
    estate.laser(s, "Quiet", "laser1")
    m = attached(s)
    on = {"server": "PRINTSRV", "printer": "Quiet"}
    assert value(m, "spoolsim_jobs_completed_total", **on) == 0
    assert value(m, "spoolsim_job_wait_seconds_count", **on) == 0


def test_simulated_seconds_from_a_clock_or_set_time() -> None:
    s = estate.server()
    m = SimMetrics(clock=lambda: 1234.5)
    m.attach(s)
    assert value(m, "spoolsim_simulated_seconds") == 1234.5
    m = attached(s)
    m.set_time(60.0)
    assert value(m, "spoolsim_simulated_seconds") == 60.0
    s.log.add(90.0, "server.set", s.name)
    assert value(m, "spoolsim_simulated_seconds") == 90.0
    assert value(m, "spoolsim_events_total", server="PRINTSRV") == s.log.count


def test_each_simulation_has_its_own_registry() -> None:
    a, b = estate.server(), estate.server()
    estate.laser(a, "P1", "laser1")
    estate.laser(b, "P1", "laser1")
    ma, mb = attached(a), attached(b)
    estate.print_job(a, "P1", 0)
    assert value(ma, "spoolsim_jobs_completed_total", server="PRINTSRV", printer="P1") == 1
    assert value(mb, "spoolsim_jobs_completed_total", server="PRINTSRV", printer="P1") == 0
    assert prometheus_client.REGISTRY.get_sample_value("spoolsim_simulated_seconds") is None


def test_attach_twice_is_refused_and_detach_stops_counting() -> None:
    s = estate.server()
    estate.laser(s, "P1", "laser1")
    m = attached(s)
    with pytest.raises(ValueError, match="already attached"):
        m.attach(s)
    m.detach(s)
    assert s.log.listeners == []
    estate.print_job(s, "P1", 0)
    assert value(m, "spoolsim_jobs_completed_total", server="PRINTSRV", printer="P1") is None


def test_with_several_servers_windows_printers_are_named_as_connections() -> None:
    a, b = estate.server("SRV1"), estate.server("SRV2")
    estate.laser(a, "P1", "laser1")
    estate.laser(b, "P1", "laser1")
    m = attached(a, b)
    for srv in ("SRV1", "SRV2"):
        label = f"\\\\{srv}\\P1"
        assert value(m, "windows_printer_status", printer=label, status="Idle") == 1
        assert value(m, "spoolsim_queue_depth", server=srv, printer="P1") == 0


def test_buckets_must_increase() -> None:
    with pytest.raises(ValueError):
        SimMetrics(buckets=(5, 1))
    m = SimMetrics(buckets=(0.5, 3))
    s = estate.server()
    estate.laser(s, "P1", "laser1")
    m.attach(s)
    text = m.exposition().decode()
    assert 'le="0.5"' in text and 'le="3.0"' in text and 'le="+Inf"' in text


# -- the exposition ---------------------------------------------------------------------------


def busy_estate() -> SimMetrics:
    s = estate.server()
    estate.laser(s, "P1", "laser1")
    m = attached(s)
    estate.print_job(s, "P1", 0)
    estate.spool(s, "P1", 20)
    s.log.add(21, "rpc.call", "RpcAsyncStartDocPrinter", status=0, user="alice")
    return m


def test_the_exposition_is_deterministic_and_free_of_wall_clock_series() -> None:
    text = busy_estate().exposition()
    assert text == busy_estate().exposition()
    assert b"_created" not in text


def test_the_windows_job_counter_has_no_total_suffix_anywhere() -> None:
    text = busy_estate().exposition().decode()
    assert "_total" not in "".join(
        line for line in text.splitlines() if "windows_printer_job_count" in line
    )
    assert "# TYPE windows_printer_job_count counter\n" in text
    assert "# HELP windows_printer_job_count Number of jobs processed" in text
    assert re.search(r'^windows_printer_job_count\{printer="P1"\} 2\.0$', text, re.M)


def test_every_sample_belongs_to_the_family_its_type_line_names() -> None:
    """What a Prometheus parser checks: a sample's name is its family's, or a histogram's
    _bucket/_sum/_count, or (for our spoolsim counters) the family name ending in _total."""
    family = None
    for line in busy_estate().exposition().decode().splitlines():
        if line.startswith("# TYPE "):
            family, kind = line.split()[2:4]
            continue
        if line.startswith("#"):
            continue
        name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line)[0]
        allowed = {family}
        if kind == "histogram":
            allowed = {family + s for s in ("_bucket", "_sum", "_count")}
        assert name in allowed, line


# -- beside the living spooler ----------------------------------------------------------------


async def test_counts_beside_the_living_spooler(autojump_clock) -> None:
    rig = Rig()
    rig.laser()
    m = attached(rig.server)
    async with open_spooler(
        rig.server, network=rig.network, config=RuntimeConfig(transport="direct")
    ) as sp:
        m_clock = SimMetrics(clock=trio.current_time)
        client = sp.client(ALICE)
        for n in (3, 2, 1):
            submit(client, "P1", pages(n))
        await trio.sleep(300)
        m_clock.attach(rig.server)
        assert value(m_clock, "spoolsim_simulated_seconds") == pytest.approx(trio.current_time())
    on = {"server": rig.server.name, "printer": "P1"}
    assert value(m, "spoolsim_jobs_completed_total", **on) == 3
    assert (
        value(m, "spoolsim_pages_printed_total", **on) == 6 == rig.server.printers["p1"].total_pages
    )
    assert value(m, "spoolsim_job_wait_seconds_count", **on) == 3
    assert value(m, "windows_printer_job_count", printer="P1") == 3
    assert value(m, "windows_printer_status", printer="P1", status="Idle") == 1
    calls = {"server": rig.server.name, "method": "RpcAsyncWritePrinter"}
    assert value(m, "spoolsim_rpc_calls_total", status="ERROR_SUCCESS", **calls) == 3
    port = {"server": rig.server.name, "port": "IP_laser1"}
    toner = value(m, "spoolsim_supply_level_percent", supply="toner", **port)
    assert toner is not None and 0 < toner <= 100
