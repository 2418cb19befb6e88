"""Example tests per method: the cases the reference describes, with the spec's codes."""

from __future__ import annotations

import struct

import pytest

from spoolsim.model.constants import (
    APD,
    DPD,
    Access,
    FormFlags,
    JobControl,
    JobStatus,
    PrinterControl,
    PrinterEnum,
    PrinterStatus,
    RegType,
    Win32,
)
from spoolsim.model.jobs import Phase
from spoolsim.rpc import Container
from spoolsim.wire.info import LAYOUTS, PRINTER_ENUM_VALUES
from spoolsim.wire.marshal import unpack, unpack_multi_sz, unpack_string
from tests.rpc.estate import DRIVER, printer_container

E = Win32


def fetch(call, *args, out: str, needed: str = "pcbNeeded"):
    """The two-call buffer contract; returns the second reply after checking the first."""
    first = call(*args, 0)
    assert first.status in (E.ERROR_INSUFFICIENT_BUFFER, E.ERROR_MORE_DATA), first
    assert first.out[out] is None and first.out[needed] > 0
    second = call(*args, first.out[needed])
    assert second.status == 0, second
    assert len(second.out[out]) == first.out[needed]
    return second


# -- OpenPrinter / ClosePrinter --------------------------------------------------------------------


def test_open_names(estate):
    a = estate.admin
    assert a.RpcAsyncOpenPrinter("Nope", None, None, 0).status == E.ERROR_INVALID_PRINTER_NAME
    assert (
        a.RpcAsyncOpenPrinter("\\\\OTHER\\P1", None, None, 0).status == E.ERROR_INVALID_PRINTER_NAME
    )
    assert a.RpcAsyncOpenPrinter("P" * 300, None, None, 0).status == E.ERROR_INVALID_PRINTER_NAME
    assert a.RpcAsyncOpenPrinter("\\\\SPOOLSIM\\P1", None, None, 0).status == 0
    assert a.RpcAsyncOpenPrinter("\\\\spoolsim", None, None, 0).status == 0
    assert a.RpcAsyncOpenPrinter("P1", "NOPE", None, 0).status == E.ERROR_INVALID_DATATYPE
    assert a.RpcAsyncOpenPrinter("LPT1:, Port", None, None, 0).status == 0
    assert a.RpcAsyncOpenPrinter(",XcvMonitor Standard TCP/IP Port", None, None, 0).status == 0
    assert (
        a.RpcAsyncOpenPrinter(",XcvMonitor Nope", None, None, 0).status
        == E.ERROR_INVALID_PRINTER_NAME
    )
    job = estate.print_job(estate.alice)
    r = a.RpcAsyncOpenPrinter(f"P1, Job {job}", None, None, 0)
    assert r.status == 0
    assert a.RpcAsyncGetJob(r.pHandle, job, 1, 1000).status == 0
    assert (
        a.RpcAsyncOpenPrinter("P1, Job 999", None, None, 0).status == E.ERROR_INVALID_PRINTER_NAME
    )


def test_open_access_is_checked(estate):
    alice = estate.alice
    assert (
        alice.RpcAsyncOpenPrinter("P1", None, None, Access.PRINTER_ALL_ACCESS).status
        == E.ERROR_ACCESS_DENIED
    )
    assert (
        alice.RpcAsyncOpenPrinter("P1", None, None, Access.GENERIC_ALL).status
        == E.ERROR_ACCESS_DENIED
    )
    assert alice.RpcAsyncOpenPrinter("P1", None, None, Access.GENERIC_EXECUTE).status == 0
    assert (
        alice.RpcAsyncOpenPrinter(None, None, None, Access.SERVER_ACCESS_ADMINISTER).status
        == E.ERROR_ACCESS_DENIED
    )
    assert (
        alice.RpcAsyncOpenPrinter(",XcvPort LPT1:", None, None, 0).status == E.ERROR_ACCESS_DENIED
    )
    assert estate.op.RpcAsyncOpenPrinter("P1", None, None, Access.PRINTER_ALL_ACCESS).status == 0


def test_handles_close_once_and_belong_to_their_client(estate):
    h = estate.open(estate.alice)
    assert estate.bob.RpcAsyncGetPrinter(h, 2, 4096).status == E.ERROR_INVALID_HANDLE
    assert estate.bob.RpcAsyncClosePrinter(h).status == E.ERROR_INVALID_HANDLE
    r = estate.alice.RpcAsyncClosePrinter(h)
    assert r.status == 0 and r.phPrinter is None
    assert estate.alice.RpcAsyncClosePrinter(h).status == E.ERROR_INVALID_HANDLE
    assert estate.alice.RpcAsyncGetPrinter(h, 2, 4096).status == E.ERROR_INVALID_HANDLE
    assert estate.alice.RpcAsyncGetPrinter(b"junk", 2, 4096).status == E.ERROR_INVALID_HANDLE


def test_wrong_handle_kind(estate):
    server_h = estate.admin.RpcAsyncOpenPrinter(None, None, None, 0).pHandle
    assert estate.admin.RpcAsyncGetPrinter(server_h, 2, 4096).status == E.ERROR_INVALID_HANDLE
    assert (
        estate.admin.RpcAsyncStartDocPrinter(server_h, Container(1, {})).status
        == E.ERROR_INVALID_HANDLE
    )


# -- AddPrinter / DeletePrinter / GetPrinter / SetPrinter / EnumPrinters -----------------------


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        ({"pPrinterName": "P1"}, E.ERROR_PRINTER_ALREADY_EXISTS),
        ({"pPrinterName": "a,b"}, E.ERROR_INVALID_PRINTER_NAME),
        ({"pPrinterName": ""}, E.ERROR_INVALID_PRINTER_NAME),
        ({"pPortName": "LPT9:"}, E.ERROR_UNKNOWN_PORT),
        ({"pDriverName": "No Such Driver"}, E.ERROR_UNKNOWN_PRINTER_DRIVER),
        ({"pPrintProcessor": "nope"}, E.ERROR_UNKNOWN_PRINTPROCESSOR),
        ({"pDatatype": "XPS"}, E.ERROR_INVALID_DATATYPE),
        ({"Priority": 100}, E.ERROR_INVALID_PRIORITY),
        ({"StartTime": 1440}, E.ERROR_INVALID_TIME),
    ],
)
def test_add_printer_refusals_store_nothing(estate, extra, code):
    info = printer_container("P2").info | extra
    before = list(estate.server.printers)
    assert estate.admin.RpcAsyncAddPrinter(None, Container(2, info), None, None).status == code
    assert list(estate.server.printers) == before


def test_add_printer_needs_admin_level_1_or_2_and_this_server(estate):
    c = printer_container("P2")
    assert estate.alice.RpcAsyncAddPrinter(None, c, None, None).status == E.ERROR_ACCESS_DENIED
    assert (
        estate.admin.RpcAsyncAddPrinter(None, Container(3, c.info), None, None).status
        == E.ERROR_INVALID_LEVEL
    )
    # Level 1 is a browse announcement: a PRINTER_INFO_2 carries no \\SERVER\Printer pName.
    assert (
        estate.admin.RpcAsyncAddPrinter(None, Container(1, c.info), None, None).status
        == E.ERROR_INVALID_PRINTER_NAME
    )
    assert estate.admin.RpcAsyncAddPrinter("\\\\X", c, None, None).status == E.ERROR_INVALID_NAME
    assert "p2" not in estate.server.printers
    assert estate.admin.RpcAsyncAddPrinter("\\\\SPOOLSIM", c, None, None).status == 0


def test_get_printer_levels_and_fields(estate):
    h = estate.open(estate.admin, access=Access.PRINTER_ALL_ACCESS)
    for level in range(9):
        r = fetch(estate.admin.RpcAsyncGetPrinter, h, level, out="pPrinter")
        (rec,) = unpack(LAYOUTS[("PRINTER_INFO", level)], r.pPrinter, 1)
        if level == 2:
            assert rec["pPrinterName"] == "P1" and rec["pDriverName"] == DRIVER
            assert rec["pPortName"] == "LPT1:" and rec["pPrintProcessor"] == "winprint"
    assert estate.admin.RpcAsyncGetPrinter(h, 9, 4096).status == E.ERROR_NOT_SUPPORTED
    assert estate.admin.RpcAsyncGetPrinter(h, 10, 4096).status == E.ERROR_INVALID_LEVEL
    # Level 3 (the security descriptor) needs READ_CONTROL, which PRINTER_ACCESS_USE lacks.
    assert (
        estate.alice.RpcAsyncGetPrinter(estate.open(estate.alice), 3, 4096).status
        == E.ERROR_ACCESS_DENIED
    )


def test_set_printer_commands(estate):
    h = estate.open(estate.admin, access=Access.PRINTER_ALL_ACCESS)
    p = estate.server.printer("P1")
    a = estate.admin
    assert a.RpcAsyncSetPrinter(h, Container(0), None, None, PrinterControl.PAUSE).status == 0
    assert p.status & PrinterStatus.PAUSED
    assert a.RpcAsyncSetPrinter(h, Container(0), None, None, PrinterControl.RESUME).status == 0
    assert not p.status & PrinterStatus.PAUSED
    assert (
        a.RpcAsyncSetPrinter(h, Container(2, {}), None, None, PrinterControl.PAUSE).status
        == E.ERROR_INVALID_PARAMETER
    )
    assert a.RpcAsyncSetPrinter(h, Container(0), None, None, 9).status == E.ERROR_INVALID_PARAMETER
    assert a.RpcAsyncSetPrinter(h, Container(1, {}), None, None, 0).status == E.ERROR_INVALID_LEVEL
    user_h = estate.open(estate.alice)
    assert (
        estate.alice.RpcAsyncSetPrinter(
            user_h, Container(0), None, None, PrinterControl.PAUSE
        ).status
        == E.ERROR_ACCESS_DENIED
    )
    j1, j2 = estate.print_job(estate.alice), estate.print_job(estate.bob)
    assert a.RpcAsyncSetPrinter(h, Container(0), None, None, PrinterControl.PURGE).status == 0
    assert p.queue == [] and j1 not in estate.server.jobs and j2 not in estate.server.jobs


def test_set_printer_level_2_is_all_or_nothing_and_renames(estate):
    h = estate.open(estate.admin, access=Access.PRINTER_ALL_ACCESS)
    p = estate.server.printer("P1")
    bad = Container(2, {"pComment": "new", "pPortName": "LPT9:"})
    assert estate.admin.RpcAsyncSetPrinter(h, bad, None, None, 0).status == E.ERROR_UNKNOWN_PORT
    assert p.comment == "" and p.ports == ["LPT1:"]
    job = estate.print_job(estate.alice)
    ok = Container(2, {"pPrinterName": "Renamed", "pComment": "new", "pPortName": "LPT1:,LPT2:"})
    assert estate.admin.RpcAsyncSetPrinter(h, ok, None, None, 0).status == 0
    assert estate.server.printer("Renamed") is p and p.ports == ["LPT1:", "LPT2:"]
    assert estate.server.jobs[job].printer_name == "Renamed"


def test_set_printer_security_round_trips(estate):
    h = estate.open(estate.admin, access=Access.PRINTER_ALL_ACCESS)
    sd = fetch(estate.admin.RpcAsyncGetPrinter, h, 3, out="pPrinter")
    (rec,) = unpack(LAYOUTS[("PRINTER_INFO", 3)], sd.pPrinter, 1)
    assert estate.admin.RpcAsyncSetPrinter(h, Container(3, rec), None, None, 0).status == 0
    assert (
        estate.admin.RpcAsyncSetPrinter(
            h, Container(3, {"pSecurityDescriptor": b"\1"}), None, None, 0
        ).status
        == E.ERROR_INVALID_SECURITY_DESCR
    )


def test_delete_printer_with_jobs_waits_for_the_queue(estate):
    job = estate.print_job(estate.alice)
    h = estate.open(estate.admin, access=Access.PRINTER_ALL_ACCESS)
    alice_h = estate.open(estate.alice)
    assert estate.alice.RpcAsyncDeletePrinter(alice_h).status == E.ERROR_ACCESS_DENIED
    assert estate.admin.RpcAsyncDeletePrinter(h).status == 0
    p = estate.server.printer("P1")
    assert p.full_status & PrinterStatus.PENDING_DELETION
    # No new opens (MS-RPRN 3.1.4.2.4); a handle opened before can no longer start documents.
    r = estate.alice.RpcAsyncOpenPrinter("P1", None, None, Access.PRINTER_ACCESS_USE)
    assert r.status == E.ERROR_INVALID_PRINTER_NAME
    r = estate.alice.RpcAsyncStartDocPrinter(alice_h, Container(1, {}))
    assert r.status == E.ERROR_PRINTER_DELETED
    assert estate.admin.RpcAsyncSetJob(h, job, None, JobControl.DELETE).status == 0
    assert "p1" not in estate.server.printers
    assert estate.admin.RpcAsyncGetPrinter(h, 2, 4096).status == E.ERROR_PRINTER_DELETED
    assert estate.admin.RpcAsyncClosePrinter(h).status == 0


def test_enum_printers(estate):
    a = estate.admin
    a.RpcAsyncAddPrinter(None, printer_container("Hidden", Attributes=1), None, None)
    r = fetch(a.RpcAsyncEnumPrinters, PrinterEnum.LOCAL, None, 2, out="pPrinterEnum")
    names = [
        x["pPrinterName"]
        for x in unpack(LAYOUTS[("PRINTER_INFO", 2)], r.pPrinterEnum, r.pcReturned)
    ]
    assert names == ["P1", "Hidden"]
    r = fetch(
        a.RpcAsyncEnumPrinters, PrinterEnum.SHARED | PrinterEnum.LOCAL, None, 1, out="pPrinterEnum"
    )
    (rec,) = unpack(LAYOUTS[("PRINTER_INFO", 1)], r.pPrinterEnum, r.pcReturned)
    assert rec["pName"] == "P1" and rec["pDescription"] == f"P1,{DRIVER},"
    r = fetch(a.RpcAsyncEnumPrinters, PrinterEnum.NAME, "\\\\SPOOLSIM", 4, out="pPrinterEnum")
    recs = unpack(LAYOUTS[("PRINTER_INFO", 4)], r.pPrinterEnum, r.pcReturned)
    assert (
        recs[0]["pPrinterName"] == "\\\\SPOOLSIM\\P1" and recs[0]["pServerName"] == "\\\\SPOOLSIM"
    )
    r = fetch(a.RpcAsyncEnumPrinters, PrinterEnum.NAME, None, 1, out="pPrinterEnum")
    assert r.pcReturned == 1  # the print provider
    assert a.RpcAsyncEnumPrinters(PrinterEnum.LOCAL, None, 3, 0).status == E.ERROR_INVALID_LEVEL
    assert a.RpcAsyncEnumPrinters(PrinterEnum.NETWORK, None, 2, 0).status == E.ERROR_INVALID_LEVEL
    assert (
        a.RpcAsyncEnumPrinters(PrinterEnum.NAME, "\\\\OTHER", 1, 0).status == E.ERROR_INVALID_NAME
    )
    empty = a.RpcAsyncEnumPrinters(PrinterEnum.NETWORK, None, 1, 0)
    assert empty.status == 0 and empty.pcbNeeded == 0 and empty.pcReturned == 0


# -- jobs ---------------------------------------------------------------------------------------


def test_set_job_rules(estate):
    job = estate.print_job(estate.alice)
    ha, hb = estate.open(estate.alice), estate.open(estate.bob)
    assert (
        estate.bob.RpcAsyncSetJob(hb, job, None, JobControl.PAUSE).status == E.ERROR_ACCESS_DENIED
    )
    assert (
        estate.alice.RpcAsyncSetJob(ha, 999, None, JobControl.PAUSE).status
        == E.ERROR_INVALID_PARAMETER
    )
    assert estate.alice.RpcAsyncSetJob(ha, job, None, 42).status == E.ERROR_INVALID_PARAMETER
    assert estate.alice.RpcAsyncSetJob(ha, job, Container(5, {}), 0).status == E.ERROR_INVALID_LEVEL
    assert (
        estate.alice.RpcAsyncSetJob(ha, job, Container(1, {"Priority": 100}), 0).status
        == E.ERROR_INVALID_PRIORITY
    )
    assert (
        estate.alice.RpcAsyncSetJob(ha, job, Container(1, {"Position": 5}), 0).status
        == E.ERROR_INVALID_PARAMETER
    )
    assert estate.server.jobs[job].priority == 1
    assert estate.alice.RpcAsyncSetJob(ha, job, None, JobControl.PAUSE).status == 0
    assert estate.server.jobs[job].status & JobStatus.PAUSED
    assert (
        estate.op.RpcAsyncSetJob(estate.open(estate.op), job, None, JobControl.RESUME).status == 0
    )
    assert not estate.server.jobs[job].status & JobStatus.PAUSED
    r = estate.alice.RpcAsyncSetJob(
        ha, job, Container(2, {"Priority": 50, "pDocument": "renamed"}), 0
    )
    assert r.status == 0 and estate.server.jobs[job].priority == 50
    assert estate.server.jobs[job].document == "renamed"
    assert estate.alice.RpcAsyncSetJob(ha, job, None, JobControl.CANCEL).status == 0
    assert job not in estate.server.jobs


def test_jobs_enumerate_in_position_order_and_schedule_by_priority(estate):
    ids = [estate.print_job(estate.alice) for _ in range(4)]
    h = estate.open(estate.alice)
    assert estate.alice.RpcAsyncSetJob(h, ids[3], Container(1, {"Position": 1}), 0).status == 0
    r = fetch(estate.alice.RpcAsyncEnumJobs, h, 1, 2, 1, out="pJob")
    recs = unpack(LAYOUTS[("JOB_INFO", 1)], r.pJob, r.pcReturned)
    assert [x["JobId"] for x in recs] == [ids[0], ids[1]]
    assert [x["Position"] for x in recs] == [2, 3]
    estate.alice.RpcAsyncSetJob(h, ids[2], Container(1, {"Priority": 99}), 0)
    p = estate.server.printer("P1")
    assert estate.server.next_job(p, 0).job_id == ids[2]
    estate.alice.RpcAsyncSetJob(h, ids[2], None, JobControl.PAUSE)
    assert estate.server.next_job(p, 0).job_id == ids[3]


def test_get_job_levels(estate):
    job = estate.print_job(estate.alice, b"x" * 300, pages=3)
    h = estate.open(estate.bob)
    for level in (1, 2, 3, 4):
        r = fetch(estate.bob.RpcAsyncGetJob, h, job, level, out="pJob")
        (rec,) = unpack(LAYOUTS[("JOB_INFO", level)], r.pJob, 1)
        assert rec["JobId"] == job
        if level in (2, 4):
            assert rec["Size"] == 900 and rec["TotalPages"] == 3 and rec["pUserName"] == "alice"
    assert estate.bob.RpcAsyncGetJob(h, job, 5, 4096).status == E.ERROR_INVALID_LEVEL
    assert estate.bob.RpcAsyncGetJob(h, 777, 1, 4096).status == E.ERROR_INVALID_PARAMETER


def test_addjob_and_schedulejob_have_fixed_results(estate):
    h = estate.open(estate.alice)
    assert estate.alice.RpcAsyncAddJob(h, 1, None, 0).status == E.ERROR_INVALID_PARAMETER
    assert estate.alice.RpcAsyncScheduleJob(h, 1).status == E.ERROR_SPL_NO_ADDJOB
    assert estate.alice.call(5, h, 1, None, 0).status == E.ERROR_INVALID_PARAMETER


# -- job printing -------------------------------------------------------------------------------


def test_printing_sequence(estate):
    c = estate.alice
    h = estate.open(c)
    for call in (
        c.RpcAsyncStartPagePrinter,
        c.RpcAsyncEndPagePrinter,
        c.RpcAsyncEndDocPrinter,
        c.RpcAsyncAbortPrinter,
    ):
        assert call(h).status == E.ERROR_SPL_NO_STARTDOC
    assert c.RpcAsyncWritePrinter(h, b"x", 1).status == E.ERROR_SPL_NO_STARTDOC
    assert c.RpcAsyncStartDocPrinter(h, Container(2, {})).status == E.ERROR_INVALID_LEVEL
    assert (
        c.RpcAsyncStartDocPrinter(h, Container(1, {"pDatatype": "BOGUS"})).status
        == E.ERROR_INVALID_DATATYPE
    )
    job = c.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": "d", "pDatatype": "TEXT"})).pJobId
    assert estate.server.jobs[job].status == JobStatus.SPOOLING
    assert c.RpcAsyncStartDocPrinter(h, Container(1, {})).status == E.ERROR_INVALID_PRINTER_STATE
    assert c.RpcAsyncWritePrinter(h, b"abc", 4).status == E.ERROR_INVALID_PARAMETER
    for _ in range(2):
        c.RpcAsyncStartPagePrinter(h)
        assert c.RpcAsyncWritePrinter(h, b"abc", 3).pcWritten == 3
        c.RpcAsyncEndPagePrinter(h)
    assert c.RpcAsyncEndDocPrinter(h).status == 0
    j = estate.server.jobs[job]
    assert (j.phase, j.size, j.total_pages, j.datatype) == (Phase.QUEUED, 6, 2, "TEXT")


def test_write_after_cancel_and_abort(estate):
    c = estate.alice
    h = estate.open(c)
    job = c.RpcAsyncStartDocPrinter(h, Container(1, {})).pJobId
    assert c.RpcAsyncSetJob(h, job, None, JobControl.CANCEL).status == 0
    assert estate.server.jobs[job].status & JobStatus.DELETING
    assert c.RpcAsyncWritePrinter(h, b"x", 1).status == E.ERROR_PRINT_CANCELLED
    assert c.RpcAsyncEndDocPrinter(h).status == 0
    assert job not in estate.server.jobs
    job2 = c.RpcAsyncStartDocPrinter(h, Container(1, {})).pJobId
    assert c.RpcAsyncAbortPrinter(h).status == 0 and job2 not in estate.server.jobs
    reasons = [e.get("reason") for e in estate.server.log.of_kind("job.deleted")]
    assert reasons == ["cancelled while spooling", "aborted"]


def test_printed_job_retires_unless_kept(estate):
    job = estate.print_job(estate.alice)
    p = estate.server.printer("P1")
    server = estate.server
    j = server.next_job(p, 1.0)
    server.start_job(j, "LPT1:", 1.0)
    assert j.status == JobStatus.PRINTING
    server.job_sent(j, 3.0)
    assert job not in server.jobs and server.log.of_kind("job.completed")[-1].subject == f"P1/{job}"


# -- forms --------------------------------------------------------------------------------------


def form(name, w=100000, h=150000, **kw):
    info = {
        "pName": name,
        "Size_cx": w,
        "Size_cy": h,
        "ImageableArea_left": 0,
        "ImageableArea_top": 0,
        "ImageableArea_right": w,
        "ImageableArea_bottom": h,
    }
    info.update(kw)
    return Container(1, info)


def test_forms(estate):
    a = estate.admin
    h = a.RpcAsyncOpenPrinter(None, None, None, Access.SERVER_ALL_ACCESS).pHandle
    r = fetch(a.RpcAsyncGetForm, h, "letter", 1, out="pForm")
    (rec,) = unpack(LAYOUTS[("FORM_INFO", 1)], r.pForm, 1)
    assert (rec["pName"], rec["Size_cx"], rec["Size_cy"], rec["Flags"]) == (
        "Letter",
        215900,
        279400,
        1,
    )
    assert a.RpcAsyncGetForm(h, "nope", 1, 4096).status == E.ERROR_INVALID_FORM_NAME
    assert a.RpcAsyncGetForm(h, "Letter", 3, 4096).status == E.ERROR_INVALID_LEVEL
    assert a.RpcAsyncAddForm(h, form("Card")).status == 0
    assert a.RpcAsyncAddForm(h, form("card")).status == E.ERROR_FILE_EXISTS
    assert a.RpcAsyncAddForm(h, form("Zero", 0, 10)).status == E.ERROR_INVALID_FORM_SIZE
    assert (
        a.RpcAsyncAddForm(h, form("Out", ImageableArea_right=200000)).status
        == E.ERROR_INVALID_FORM_SIZE
    )
    assert a.RpcAsyncAddForm(h, form("")).status == E.ERROR_INVALID_FORM_NAME
    assert (
        a.RpcAsyncAddForm(h, form("B", Flags=FormFlags.FORM_BUILTIN)).status
        == E.ERROR_INVALID_PARAMETER
    )
    assert a.RpcAsyncDeleteForm(h, "Letter").status == E.ERROR_INVALID_PARAMETER
    assert a.RpcAsyncSetForm(h, "A4", form("A4")).status == E.ERROR_INVALID_PARAMETER
    assert a.RpcAsyncSetForm(h, "Card", form("Card", 50000, 50000)).status == 0
    assert estate.server.forms.get("Card").width == 50000
    assert a.RpcAsyncDeleteForm(h, "Card").status == 0
    assert a.RpcAsyncDeleteForm(h, "Card").status == E.ERROR_INVALID_FORM_NAME
    r = fetch(a.RpcAsyncEnumForms, h, 2, out="pForm")
    assert r.pcReturned == 116
    names = [x["pName"] for x in unpack(LAYOUTS[("FORM_INFO", 2)], r.pForm, r.pcReturned)]
    assert names[:3] == ["Letter", "Letter Small", "Tabloid"]


def test_users_manage_forms_only_when_allowed(estate):
    h = estate.open(estate.alice)
    assert estate.alice.RpcAsyncAddForm(h, form("Mine")).status == E.ERROR_ACCESS_DENIED
    estate.server.settings["AllowUserManageForms"] = 1
    assert estate.alice.RpcAsyncAddForm(h, form("Mine")).status == 0


# -- printer data -------------------------------------------------------------------------------


def test_server_data_values(estate):
    a = estate.admin
    h = a.RpcAsyncOpenPrinter(None, None, None, Access.SERVER_ALL_ACCESS).pHandle
    r = fetch(a.RpcAsyncGetPrinterData, h, "Architecture", out="pData")
    assert r.pType == RegType.REG_SZ and unpack_string(r.pData) == "Windows x64"
    r = a.RpcAsyncGetPrinterData(h, "OSVersion", 4096)
    assert r.pType == RegType.REG_BINARY and len(r.pData) == 276
    assert struct.unpack_from("<5I", r.pData) == (276, 10, 0, 20348, 2)
    assert len(a.RpcAsyncGetPrinterDataEx(h, "anything", "OSVersionEx", 4096).pData) == 284
    assert a.RpcAsyncGetPrinterData(h, "NoSuchValue", 4096).status == E.ERROR_INVALID_PARAMETER
    four = struct.pack("<I", 1)
    assert a.RpcAsyncSetPrinterData(h, "BeepEnabled", RegType.REG_DWORD, four, 4).status == 0
    assert a.RpcAsyncGetPrinterData(h, "BeepEnabled", 4).pData == four
    assert (
        a.RpcAsyncSetPrinterData(h, "BeepEnabled", RegType.REG_SZ, four, 4).status
        == E.ERROR_INVALID_PARAMETER
    )
    assert (
        a.RpcAsyncSetPrinterData(h, "Architecture", RegType.REG_SZ, b"x\0", 2).status
        == E.ERROR_INVALID_PARAMETER
    )
    assert a.RpcAsyncSetPrinterData(h, "WebShareMgmt", RegType.REG_DWORD, four, 4).status == 0
    user_h = estate.alice.RpcAsyncOpenPrinter(None, None, None, 0).pHandle
    assert (
        estate.alice.RpcAsyncSetPrinterData(user_h, "BeepEnabled", 4, four, 4).status
        == E.ERROR_ACCESS_DENIED
    )


def test_printer_data(estate):
    a = estate.admin
    h = estate.open(a, access=Access.PRINTER_ALL_ACCESS)
    assert a.RpcAsyncGetPrinterData(h, "Missing", 100).status == E.ERROR_FILE_NOT_FOUND
    assert a.RpcAsyncSetPrinterData(h, "Color", RegType.REG_DWORD, b"\1\0\0\0", 4).status == 0
    assert a.RpcAsyncGetPrinterDataEx(h, "printerdriverdata", "color", 4).pData == b"\1\0\0\0"
    assert a.RpcAsyncGetPrinterData(h, "Color", 3).status == E.ERROR_MORE_DATA
    for key in ("CopyFiles\\ICM", "CopyFiles\\Fonts", "DsSpooler"):
        assert a.RpcAsyncSetPrinterDataEx(h, key, "v", RegType.REG_SZ, b"a\0", 2).status == 0
    r = fetch(a.RpcAsyncEnumPrinterKey, h, "CopyFiles", out="pSubkey", needed="pcbSubkey")
    assert unpack_multi_sz(r.pSubkey) == ("ICM", "Fonts")
    r = fetch(
        a.RpcAsyncEnumPrinterDataEx, h, "DsSpooler", out="pEnumValues", needed="pcbEnumValues"
    )
    (rec,) = unpack(PRINTER_ENUM_VALUES, r.pEnumValues, r.pnEnumValues)
    assert rec["pValueName"] == "v" and rec["pData"] == b"a\0" and rec["dwType"] == RegType.REG_SZ
    sizes = a.RpcAsyncEnumPrinterData(h, 0, 0, 0)
    assert sizes.status == 0 and sizes.pcbValueName == 12 and sizes.pcbData == 4
    v = a.RpcAsyncEnumPrinterData(h, 0, sizes.pcbValueName, sizes.pcbData)
    assert (v.pValueName, v.pType, v.pData) == ("Color", RegType.REG_DWORD, b"\1\0\0\0")
    assert a.RpcAsyncEnumPrinterData(h, 0, 2, 4).status == E.ERROR_MORE_DATA
    assert a.RpcAsyncEnumPrinterData(h, 1, 100, 100).status == E.ERROR_NO_MORE_ITEMS
    assert (
        estate.alice.RpcAsyncSetPrinterData(estate.open(estate.alice), "x", 4, b"\0" * 4, 4).status
        == E.ERROR_ACCESS_DENIED
    )
    assert a.RpcAsyncDeletePrinterDataEx(h, "DsSpooler", "v").status == 0
    assert a.RpcAsyncDeletePrinterDataEx(h, "DsSpooler", "v").status == E.ERROR_FILE_NOT_FOUND
    assert a.RpcAsyncDeletePrinterKey(h, "CopyFiles").status == 0
    assert a.RpcAsyncEnumPrinterKey(h, "CopyFiles", 100).status == E.ERROR_FILE_NOT_FOUND
    assert a.RpcAsyncDeletePrinterData(h, "Color").status == 0
    assert a.RpcAsyncSetPrinterDataEx(h, "", "v", 1, b"", 0).status == E.ERROR_INVALID_PARAMETER


# -- drivers ------------------------------------------------------------------------------------


def driver(name="HP Color", env="Windows x64", version=3, **kw):
    info = {
        "cVersion": version,
        "pName": name,
        "pEnvironment": env,
        "pDriverPath": "d.dll",
        "pDataFile": "d.gpd",
        "pConfigFile": "dui.dll",
        "pDependentFiles": ("x.ini",),
    }
    info.update(kw)
    return Container(3 if "ftDriverDate" not in kw else 6, info)


def test_drivers(estate):
    a = estate.admin
    assert estate.alice.RpcAsyncAddPrinterDriver(None, driver(), 0).status == E.ERROR_ACCESS_DENIED
    assert (
        a.RpcAsyncAddPrinterDriver(None, driver(env="Windows 3.1"), 0).status
        == E.ERROR_INVALID_ENVIRONMENT
    )
    assert (
        a.RpcAsyncAddPrinterDriver(None, driver(version=2), 0).status == E.ERROR_INVALID_PARAMETER
    )
    assert (
        a.RpcAsyncAddPrinterDriver(None, driver(pDriverPath=None), 0).status
        == E.ERROR_INVALID_PARAMETER
    )
    assert (
        a.RpcAsyncAddPrinterDriver(None, Container(1, driver().info), 0).status
        == E.ERROR_INVALID_LEVEL
    )
    assert a.RpcAsyncAddPrinterDriver(None, driver(ftDriverDate=10), 0).status == 0
    older = driver(ftDriverDate=5)
    assert (
        a.RpcAsyncAddPrinterDriver(None, older, APD.STRICT_UPGRADE).status
        == E.ERROR_PRINTER_DRIVER_ALREADY_INSTALLED
    )
    assert a.RpcAsyncAddPrinterDriver(None, older, APD.STRICT_DOWNGRADE).status == 0
    assert a.RpcAsyncAddPrinterDriver(None, driver(env="Windows NT x86"), 0).status == 0
    r = fetch(a.RpcAsyncEnumPrinterDrivers, None, "All", 2, out="pDrivers")
    assert {
        (d["Name"], d["Environment"])
        for d in unpack(LAYOUTS[("DRIVER_INFO", 2)], r.pDrivers, r.pcReturned)
    } == {(DRIVER, "Windows x64"), ("HP Color", "Windows x64"), ("HP Color", "Windows NT x86")}
    assert (
        a.RpcAsyncEnumPrinterDrivers(None, "Windows 3.1", 1, 0).status
        == E.ERROR_INVALID_ENVIRONMENT
    )
    r = fetch(a.RpcAsyncGetPrinterDriverDirectory, None, None, 1, out="pDriverDirectory")
    assert unpack_string(r.pDriverDirectory) == "C:\\Windows\\system32\\spool\\DRIVERS\\x64"
    r = a.RpcAsyncGetPrinterDriverDirectory("\\\\SPOOLSIM", "Windows NT x86", 1, 200)
    assert unpack_string(r.pDriverDirectory) == "\\\\SPOOLSIM\\print$\\W32X86"
    assert (
        a.RpcAsyncDeletePrinterDriver(None, "Windows x64", DRIVER).status
        == E.ERROR_PRINTER_DRIVER_IN_USE
    )
    assert (
        a.RpcAsyncDeletePrinterDriver(None, "Windows x64", "Nope").status
        == E.ERROR_UNKNOWN_PRINTER_DRIVER
    )
    r = a.RpcAsyncDeletePrinterDriverEx(
        None, "Windows NT x86", "HP Color", DPD.DELETE_SPECIFIC_VERSION, 4
    )
    assert r.status == E.ERROR_UNKNOWN_PRINTER_DRIVER
    assert (
        a.RpcAsyncDeletePrinterDriverEx(
            None, "Windows NT x86", "HP Color", DPD.DELETE_SPECIFIC_VERSION, 3
        ).status
        == 0
    )
    assert (
        a.RpcAsyncDeletePrinterDriverEx(None, "Windows x64", "HP Color", 0x80, 3).status
        == E.ERROR_INVALID_PARAMETER
    )


def test_get_printer_driver_levels(estate):
    h = estate.open(estate.alice)
    for level in (1, 2, 3, 4, 5, 6, 8, 101):
        r = fetch(estate.alice.RpcAsyncGetPrinterDriver, h, None, level, out="pDriver")
        (rec,) = unpack(LAYOUTS[("DRIVER_INFO", level)], r.pDriver, 1)
        assert rec["Name"] == DRIVER
        assert r.pdwServerMaxVersion == r.pdwServerMinVersion == 3
    assert estate.alice.RpcAsyncGetPrinterDriver(h, None, 7, 0).status == E.ERROR_INVALID_LEVEL
    assert (
        estate.alice.RpcAsyncGetPrinterDriver(h, "Windows NT x86", 1, 0).status
        == E.ERROR_UNKNOWN_PRINTER_DRIVER
    )


# -- ports, monitors, print processors ------------------------------------------------------------


def test_ports_and_monitors(estate):
    a = estate.admin
    r = fetch(a.RpcAsyncEnumPorts, None, 2, out="pPort")
    ports = unpack(LAYOUTS[("PORT_INFO", 2)], r.pPort, r.pcReturned)
    assert ports[0]["pPortName"] == "LPT1:" and ports[0]["pMonitorName"] == "Local Port"
    assert a.RpcAsyncEnumPorts(None, 3, 0).status == E.ERROR_INVALID_LEVEL
    c = Container(1, {"pPortName": "IP_10.0.0.5"})
    assert (
        estate.alice.RpcAsyncAddPort(None, c, None, "Standard TCP/IP Port").status
        == E.ERROR_ACCESS_DENIED
    )
    assert a.RpcAsyncAddPort(None, c, None, "No Monitor").status == E.ERROR_UNKNOWN_PRINT_MONITOR
    assert a.RpcAsyncAddPort(None, c, None, "Standard TCP/IP Port").status == 0
    assert a.RpcAsyncAddPort(None, c, None, "Standard TCP/IP Port").status == E.ERROR_ALREADY_EXISTS
    status = Container(3, {"dwStatus": 3, "pszStatus": "out of paper", "dwSeverity": 1})
    assert a.RpcAsyncSetPort(None, "IP_10.0.0.5", status).status == 0
    assert estate.server.ports["ip_10.0.0.5"].status == 3
    assert a.RpcAsyncSetPort(None, "Nope", status).status == E.ERROR_UNKNOWN_PORT
    assert (
        a.RpcAsyncSetPort(None, "LPT1:", Container(3, {"dwStatus": 99})).status
        == E.ERROR_INVALID_PARAMETER
    )
    r = fetch(a.RpcAsyncEnumMonitors, None, 2, out="pMonitor")
    mons = unpack(LAYOUTS[("MONITOR_INFO", 2)], r.pMonitor, r.pcReturned)
    assert [m["pName"] for m in mons] == ["Local Port", "Standard TCP/IP Port"]
    mon = Container(
        2, {"pName": "LPR Port", "pEnvironment": "Windows x64", "pDLLName": "lprmon.dll"}
    )
    assert a.RpcAsyncAddMonitor(None, mon).status == 0
    assert a.RpcAsyncAddMonitor(None, mon).status == E.ERROR_PRINT_MONITOR_ALREADY_INSTALLED
    assert a.RpcAsyncDeleteMonitor(None, None, "Local Port").status == E.ERROR_PRINT_MONITOR_IN_USE
    assert a.RpcAsyncDeleteMonitor(None, None, "LPR Port").status == 0
    assert a.RpcAsyncDeleteMonitor(None, None, "LPR Port").status == E.ERROR_UNKNOWN_PRINT_MONITOR


def test_print_processors(estate):
    a = estate.admin
    r = fetch(a.RpcAsyncEnumPrintProcessors, None, None, 1, out="pPrintProcessorInfo")
    assert [
        x["pName"]
        for x in unpack(LAYOUTS[("PRINTPROCESSOR_INFO", 1)], r.pPrintProcessorInfo, r.pcReturned)
    ] == ["winprint"]
    r = fetch(a.RpcAsyncEnumPrintProcessorDatatypes, None, "winprint", 1, out="pDatatypes")
    types = [x["pName"] for x in unpack(LAYOUTS[("DATATYPES_INFO", 1)], r.pDatatypes, r.pcReturned)]
    assert {"RAW", "TEXT", "NT EMF 1.008"} <= set(types)
    assert (
        a.RpcAsyncEnumPrintProcessorDatatypes(None, "nope", 1, 0).status
        == E.ERROR_UNKNOWN_PRINTPROCESSOR
    )
    assert (
        a.RpcAsyncAddPrintProcessor(None, "Windows x64", "pp.dll", "winprint").status
        == E.ERROR_PRINT_PROCESSOR_ALREADY_INSTALLED
    )
    assert (
        a.RpcAsyncAddPrintProcessor(None, "Windows 3.1", "pp.dll", "mine").status
        == E.ERROR_INVALID_ENVIRONMENT
    )
    assert a.RpcAsyncAddPrintProcessor(None, "Windows x64", "pp.dll", "mine").status == 0
    assert a.RpcAsyncDeletePrintProcessor(None, None, "winprint").status == E.ERROR_BUSY
    assert a.RpcAsyncDeletePrintProcessor(None, None, "mine").status == 0
    assert (
        a.RpcAsyncDeletePrintProcessor(None, None, "mine").status == E.ERROR_UNKNOWN_PRINTPROCESSOR
    )
    r = a.RpcAsyncGetPrintProcessorDirectory(None, None, 1, 200)
    assert (
        unpack_string(r.pPrintProcessorDirectory) == "C:\\Windows\\system32\\spool\\prtprocs\\x64"
    )


def test_every_call_is_logged_with_its_status(estate):
    estate.alice.RpcAsyncOpenPrinter("Nope", None, None, 0)
    last = list(estate.server.log)[-1]
    assert (last.kind, last.subject, last.get("status")) == (
        "rpc.call",
        "RpcAsyncOpenPrinter",
        E.ERROR_INVALID_PRINTER_NAME,
    )
