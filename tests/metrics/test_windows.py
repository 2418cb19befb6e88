"""The windows_exporter printer series and the status mappings behind them."""

from __future__ import annotations

import pytest

from spoolsim.metrics import SimMetrics, win32_job_status, win32_printer_status
from spoolsim.metrics.windows import (
    JOB_STATUS_STRINGS,
    PRINTER_STATUS_VALUES,
    windows_families,
)
from spoolsim.model import JobControl, JobStatus
from spoolsim.model import PrinterStatus as S
from tests.metrics import estate

OTHER, UNKNOWN, IDLE, PRINTING, WARMUP, STOPPED, OFFLINE = range(1, 8)


def test_the_value_set_is_win32_printers() -> None:
    assert PRINTER_STATUS_VALUES == {
        1: "Other",
        2: "Unknown",
        3: "Idle",
        4: "Printing",
        5: "Warmup",
        6: "Stopped Printing",
        7: "Offline",
    }


@pytest.mark.parametrize(
    ("bits", "printing", "expected"),
    [
        (S.OK, False, IDLE),
        (S.OK, True, PRINTING),
        (S.TONER_LOW | S.POWER_SAVE | S.WAITING, False, IDLE),
        (S.PRINTING, False, PRINTING),
        (S.PROCESSING, False, PRINTING),
        (S.BUSY, False, PRINTING),
        (S.IO_ACTIVE, False, PRINTING),
        (S.WARMING_UP, True, WARMUP),
        (S.INITIALIZING, False, WARMUP),
        (S.PAUSED, False, STOPPED),
        (S.PAUSED | S.WARMING_UP, True, STOPPED),
        (S.PAPER_JAM | S.PRINTING, True, STOPPED),
        (S.DOOR_OPEN, False, STOPPED),
        (S.NO_TONER, False, STOPPED),
        (S.PAPER_OUT, False, STOPPED),
        (S.ERROR, False, STOPPED),
        (S.USER_INTERVENTION, False, STOPPED),
        (S.OFFLINE, False, OFFLINE),
        (S.OFFLINE | S.PAUSED, False, OFFLINE),
        (S.SERVER_OFFLINE, False, OFFLINE),
        (S.NOT_AVAILABLE, False, OFFLINE),
        (S.SERVER_UNKNOWN | S.PAUSED, False, UNKNOWN),
        (S.DRIVER_UPDATE_NEEDED, False, OTHER),
        (S.PENDING_DELETION, True, PRINTING),  # still prints out its queue
    ],
)
def test_printer_status_mapping(bits: S, printing: bool, expected: int) -> None:
    assert win32_printer_status(bits, printing=printing) == expected


def test_every_printer_status_bit_maps_into_the_value_set() -> None:
    for bit in S:
        assert win32_printer_status(bit) in PRINTER_STATUS_VALUES


@pytest.mark.parametrize(
    ("bits", "expected"),
    [
        (JobStatus.QUEUED, "OK"),
        (JobStatus.PRINTING, "OK"),
        (JobStatus.PRINTED | JobStatus.COMPLETE, "OK"),
        (JobStatus.PAUSED, "OK"),
        (JobStatus.RETAINED | JobStatus.RESTART, "OK"),
        (JobStatus.SPOOLING, "Starting"),
        (JobStatus.PRINTING | JobStatus.ERROR, "Error"),
        (JobStatus.PRINTING | JobStatus.PAPEROUT, "Error"),
        (JobStatus.USER_INTERVENTION, "Error"),
        (JobStatus.BLOCKED_DEVQ, "Error"),
        (JobStatus.PRINTING | JobStatus.OFFLINE, "No Contact"),
        (JobStatus.ERROR | JobStatus.OFFLINE, "Error"),
        (JobStatus.DELETING | JobStatus.PRINTING | JobStatus.ERROR, "Stopping"),
        (JobStatus.DELETED, "Stopping"),
    ],
)
def test_job_status_mapping(bits: JobStatus, expected: str) -> None:
    assert win32_job_status(bits) == expected


def test_job_status_strings_are_cim_status_values() -> None:
    cim = {"OK", "Error", "Degraded", "Unknown", "Pred Fail", "Starting", "Stopping", "Service",
           "Stressed", "NonRecover", "No Contact", "Lost Comm"}  # fmt: skip
    assert set(JOB_STATUS_STRINGS) <= cim
    for bit in JobStatus:
        assert win32_job_status(bit) in JOB_STATUS_STRINGS


def samples(server) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    out: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in windows_families([(server, "")]):
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return out


def test_one_status_per_printer_is_1_and_jobs_are_counted_by_status() -> None:
    s = estate.server()
    for n in (1, 2, 3):
        estate.laser(s, f"P{n}", f"laser{n}")
    estate.print_job(s, "P1", 0)
    printing = estate.spool(s, "P1", 10)
    estate.start(s, printing, 12)
    estate.spool(s, "P1", 13)
    spooling = s.create_job(
        s.printer("P1"), document="d", datatype=None, user="u", machine="m", now=14
    )
    assert spooling.status == JobStatus.SPOOLING
    s.pause_printer(s.printer("P2"), 15)
    estate.jam(s, "IP_laser3", 16)
    jammed = estate.spool(s, "P3", 16)
    estate.start(s, jammed, 17)
    s.set_job_device_status(jammed, JobStatus.ERROR, 18)
    cancelled = estate.spool(s, "P3", 19)
    estate.start(s, cancelled, 20)
    s.control_job(cancelled, JobControl.CANCEL, 21)  # deleting while the port holds it
    got = samples(s)

    status = got["windows_printer_status"]
    assert len(status) == 3 * 7
    current = {dict(k)["printer"]: dict(k)["status"] for k, v in status.items() if v == 1}
    assert current == {"P1": "Printing", "P2": "Stopped Printing", "P3": "Stopped Printing"}
    assert sum(status.values()) == 3

    count = got["windows_printer_job_count"]
    assert count == {(("printer", "P1"),): 4, (("printer", "P2"),): 0, (("printer", "P3"),): 2}

    jobs = {
        (dict(k)["printer"], dict(k)["status"]): v
        for k, v in got["windows_printer_job_status"].items()
        if v
    }
    assert jobs == {
        ("P1", "OK"): 2,  # one printing, one waiting (the first has printed and gone)
        ("P1", "Starting"): 1,
        ("P3", "Error"): 1,
        ("P3", "Stopping"): 1,
    }
    assert len(got["windows_printer_job_status"]) == 3 * len(JOB_STATUS_STRINGS)


def test_a_deleted_printer_leaves_the_windows_series() -> None:
    s = estate.server()
    estate.laser(s, "Gone", "laser1")
    m = SimMetrics()
    m.attach(s)
    estate.print_job(s, "Gone", 0)
    s.delete_printer(s.printer("Gone"), 50)
    text = m.exposition().decode()
    assert 'windows_printer_status{printer="Gone"' not in text
    assert 'spoolsim_jobs_completed_total{printer="Gone",server="PRINTSRV"} 1.0' in text
