"""The pure model: numbers from the fact sheet, the job transition table, access, data, time."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.model import Driver, Printer, PrintServer
from spoolsim.model.constants import Access, JobControl, Win32, hresult_from_win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.jobs import TRANSITIONS, Phase
from spoolsim.model.printerdata import DataStore
from spoolsim.model.printers import within_hours
from spoolsim.model.security import (
    JOB_MAPPING,
    PRINTER_MAPPING,
    admin,
    check,
    default_printer_security,
    user,
)
from spoolsim.rpc.secdesc import decode_descriptor, encode_descriptor


@pytest.mark.parametrize(
    ("win32", "hr"),
    [
        (2, 0x80070002),
        (5, 0x80070005),
        (87, 0x80070057),
        (122, 0x8007007A),
        (1168, 0x80070490),
        (1797, 0x80070705),
        (3015, 0x80070BC7),
        (0, 0),
        (0xE0000102, 0xE0000102),
    ],
)
def test_hresult_from_win32_worked_values(win32, hr):
    assert hresult_from_win32(win32) == hr


def test_access_compositions_use_the_spec_values():
    assert Access.JOB_READ == 0x00020020 and Access.JOB_ALL_ACCESS == 0x000F0030
    assert Access.PRINTER_ALL_ACCESS == Access.STANDARD_RIGHTS_REQUIRED | 0x4 | 0x8
    assert Access.SERVER_WRITE == Access.READ_CONTROL | 0x1 | 0x2
    assert PRINTER_MAPPING.map(Access.GENERIC_ALL) == Access.PRINTER_ALL_ACCESS
    assert JOB_MAPPING.map(Access.GENERIC_READ | Access.DELETE) == Access.JOB_READ | Access.DELETE


def test_access_check_owner_and_groups():
    sd = default_printer_security()
    assert check(sd, user("u"), Access.PRINTER_ACCESS_USE, PRINTER_MAPPING)[0]
    assert not check(sd, user("u"), Access.PRINTER_ACCESS_ADMINISTER, PRINTER_MAPPING)[0]
    assert check(sd, admin(), Access.GENERIC_ALL, PRINTER_MAPPING) == (
        True,
        Access.PRINTER_ALL_ACCESS,
    )
    assert check(sd, user("u"), Access.JOB_ACCESS_ADMINISTER, JOB_MAPPING, owner="u")[0]
    assert not check(sd, user("v"), Access.JOB_ACCESS_ADMINISTER, JOB_MAPPING, owner="u")[0]
    ok, granted = check(sd, user("u"), Access.MAXIMUM_ALLOWED, PRINTER_MAPPING)
    assert ok and granted == Access.PRINTER_EXECUTE


def test_security_descriptor_round_trips_through_bytes():
    sd = default_printer_security("alice")
    assert decode_descriptor(encode_descriptor(sd)) == sd


def _server_with_job():
    server = PrintServer()
    server.drivers.add(Driver("D", "Windows x64", 3, "a", "b", "c"))
    p = server.add_printer(Printer("P", ["LPT1:"], "D"), 0)
    job = server.create_job(p, document="d", datatype=None, user="u", machine="m", now=0)
    return server, p, job


ALL_EVENTS = sorted({e for _, e in TRANSITIONS})
REACH = {  # how to bring a fresh job into each phase
    Phase.SPOOLING: [],
    Phase.QUEUED: ["end_doc"],
    Phase.PRINTING: ["end_doc", "start"],
    Phase.PRINTED: ["end_doc", "start", "sent"],
    Phase.DELETING: ["delete"],
}


@pytest.mark.parametrize("phase", list(REACH), ids=lambda p: p.value)
@pytest.mark.parametrize("event", ALL_EVENTS)
def test_transition_table_is_the_only_way_to_move(phase, event):
    server, p, job = _server_with_job()
    p.attributes |= 0x100  # keep printed jobs, so PRINTED is observable
    for step in REACH[phase]:
        server._event(job, step, 0, f"job.{step}")
    assert job.phase is phase
    expected = TRANSITIONS.get((phase, event))
    if expected is None:
        with pytest.raises(SpoolerError) as err:
            server._event(job, event, 1, "job.x")
        assert err.value.code == Win32.ERROR_INVALID_PRINTER_STATE
        assert job.phase is phase
    else:
        server._event(job, event, 1, "job.x")
        assert job.phase is expected
        assert (job.job_id in server.jobs) == (expected is not Phase.GONE)


def test_restart_clears_progress_and_sets_restart():
    server, _p, job = _server_with_job()
    server.end_doc(job, 1)
    server.start_job(job, "LPT1:", 2)
    server.job_progress(job, pages=3, nbytes=100)
    server.control_job(job, JobControl.RESTART, 3)
    assert job.phase is Phase.QUEUED and job.port is None and job.pages_printed == 0
    assert job.status & 0x800  # JOB_STATUS_RESTART
    with pytest.raises(SpoolerError):
        server.control_job(job, 77, 4)


def test_job_ids_are_unique_and_wrap():
    server, p, job = _server_with_job()
    server._last_job_id = 0x7FFFFFFF
    nxt = server.create_job(p, document="", datatype=None, user="u", machine="m", now=0)
    assert nxt.job_id == 2  # 1 is still live
    assert len({job.job_id, nxt.job_id}) == 2


@given(st.integers(0, 1439), st.integers(0, 1439), st.integers(0, 1439))
def test_hours_window(start, until, minute):
    inside = within_hours(start, until, minute)
    if start == until:
        assert inside
    elif start < until:
        assert inside == (start <= minute < until)
    else:
        assert inside == (not until <= minute < start)


def test_printer_data_keys_and_values():
    d = DataStore()
    d.set("CopyFiles\\ICM", "Module", 1, b"m\0")
    assert d.subkeys("") == ["CopyFiles"] and d.subkeys("copyfiles") == ["ICM"]
    assert d.get("COPYFILES\\icm", "module").data == b"m\0"
    with pytest.raises(SpoolerError) as err:
        d.get("CopyFiles", "Module")
    assert err.value.code == Win32.ERROR_FILE_NOT_FOUND
    d.delete_key("CopyFiles")
    assert not d.has_key("CopyFiles\\ICM")


def test_same_calls_same_log():
    def run() -> str:
        server, p, job = _server_with_job()
        server.write_job(job, b"abc", 1)
        server.end_doc(job, 2)
        server.start_job(server.next_job(p, 3), "LPT1:", 3)
        server.job_sent(job, 5)
        return server.log.to_jsonl()

    first = run()
    assert first == run() and '"kind":"job.completed"' in first


def test_a_refused_port_error_changes_nothing():
    server, _, job = _server_with_job()
    server.end_doc(job, 1)
    with pytest.raises(SpoolerError):
        server.job_failed(job, 2)  # not printing: nothing to fail
    assert job.phase is Phase.QUEUED and job.status == 0


def test_the_port_is_held_while_printing_and_through_a_cancel():
    server, p, job = _server_with_job()
    server.end_doc(job, 1)
    server.start_job(job, "LPT1:", 2)
    server.control_job(job, JobControl.CANCEL, 3)
    assert job.phase is Phase.DELETING and job.port == "LPT1:"
    assert job.status & 0x10  # DELETING shows PRINTING while the port holds it
    server.control_job(job, JobControl.SENT_TO_PRINTER, 4)
    assert job.job_id not in server.jobs and p.queue == []
    other = server.create_job(p, document="", datatype=None, user="u", machine="m", now=5)
    server.end_doc(other, 5)
    server.start_job(other, "LPT1:", 6)
    server.job_failed(other, 7)
    assert other.port is None and other.phase is Phase.QUEUED and other.status & 0x2
