"""Opnums 68 and 69: reading a job's spooled data back, and resetting a handle's defaults."""

from __future__ import annotations

import pytest

from spoolsim.model.constants import Access, JobControl, Win32
from spoolsim.model.jobs import Phase
from spoolsim.rpc import Container
from tests.rpc.test_printeric import devmode, dm_container

E = Win32
PAGES = [b"%!PS\n\x00\x01\x02", bytes(range(256)), b"\xff" * 37 + b"\f"]


def spool(estate, client=None, pages=PAGES, **docinfo) -> int:
    """Print ``pages`` on P1 as ``client`` and end the document; the job id."""
    client = client or estate.alice
    h = estate.open(client)
    job = client.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": "doc", **docinfo})).pJobId
    for page in pages:
        client.RpcAsyncStartPagePrinter(h)
        assert client.RpcAsyncWritePrinter(h, page, len(page)).status == 0
        client.RpcAsyncEndPagePrinter(h)
    assert client.RpcAsyncEndDocPrinter(h).status == 0
    client.RpcAsyncClosePrinter(h)
    return job


def open_job(client, job: int, access: int = 0) -> bytes:
    r = client.RpcAsyncOpenPrinter(f"P1, Job {job}", None, None, access)
    assert r.status == 0, r
    return r.pHandle


def read_all(client, h, chunk: int) -> list[bytes]:
    """ReadPrinter until it returns 0 bytes; the chunks read."""
    chunks = []
    for _ in range(1000):  # a reader that never reaches the end fails instead of spinning
        r = client.RpcAsyncReadPrinter(h, chunk)
        assert r.status == 0, r
        assert r.pcNoBytesRead == len(r.pBuf) <= chunk
        if not r.pBuf:
            return chunks
        chunks.append(r.pBuf)
    raise AssertionError("ReadPrinter never reached the end of the job")


# -- RpcAsyncReadPrinter ---------------------------------------------------------------------------


@pytest.mark.parametrize("chunk", [1, 7, 256, 100_000])
def test_reading_in_chunks_gives_back_the_exact_spooled_bytes(estate, chunk):
    job = spool(estate)
    h = open_job(estate.alice, job)
    chunks = read_all(estate.alice, h, chunk)
    assert b"".join(chunks) == b"".join(PAGES) == bytes(estate.server.jobs[job].data)
    assert all(len(c) == chunk for c in chunks[:-1])
    # past the end: still success, still nothing
    r = estate.alice.RpcAsyncReadPrinter(h, 10)
    assert (r.status, r.pBuf, r.pcNoBytesRead) == (0, b"", 0)


def test_reading_changes_neither_the_job_nor_its_queue(estate):
    job = spool(estate)
    before = (estate.server.jobs[job].phase, bytes(estate.server.jobs[job].data))
    read_all(estate.alice, open_job(estate.alice, job), 50)
    assert (estate.server.jobs[job].phase, bytes(estate.server.jobs[job].data)) == before
    assert before[0] is Phase.QUEUED


def test_every_job_handle_reads_from_its_own_offset(estate):
    job = spool(estate)
    a = estate.alice
    h1, h2 = open_job(a, job), open_job(a, job)
    assert a.RpcAsyncReadPrinter(h1, 5).pBuf == PAGES[0][:5]
    assert a.RpcAsyncReadPrinter(h2, 3).pBuf == PAGES[0][:3]
    assert a.RpcAsyncReadPrinter(h1, 3).pBuf == PAGES[0][5:8]
    assert b"".join(read_all(a, h2, 64)) == b"".join(PAGES)[3:]


def test_a_zero_byte_read_succeeds_and_moves_nothing(estate):
    job = spool(estate)
    h = open_job(estate.alice, job)
    r = estate.alice.RpcAsyncReadPrinter(h, 0)
    assert (r.status, r.pBuf, r.pcNoBytesRead) == (0, b"", 0)
    assert estate.alice.RpcAsyncReadPrinter(h, 4).pBuf == PAGES[0][:4]


def test_a_spooling_job_reads_what_has_been_written_so_far(estate):
    a = estate.alice
    ph = estate.open(a)
    job = a.RpcAsyncStartDocPrinter(ph, Container(1, {"pDocName": "live"})).pJobId
    a.RpcAsyncWritePrinter(ph, b"abc", 3)
    jh = open_job(a, job)
    assert a.RpcAsyncReadPrinter(jh, 100).pBuf == b"abc"
    assert a.RpcAsyncReadPrinter(jh, 100).pcNoBytesRead == 0
    a.RpcAsyncWritePrinter(ph, b"defg", 4)
    assert a.RpcAsyncReadPrinter(jh, 2).pBuf == b"de"
    assert a.RpcAsyncEndDocPrinter(ph).status == 0
    assert a.RpcAsyncReadPrinter(jh, 100).pBuf == b"fg"


@pytest.mark.parametrize("cbBuf", [-1, None, 2**32])
def test_cbbuf_is_a_dword(estate, cbBuf):
    h = open_job(estate.alice, spool(estate))
    assert estate.alice.RpcAsyncReadPrinter(h, cbBuf).status == E.ERROR_INVALID_PARAMETER
    assert estate.alice.RpcAsyncReadPrinter(h, 4).pBuf == PAGES[0][:4]  # offset untouched


def test_read_takes_a_job_or_port_handle_only(estate):
    a = estate.admin
    job = spool(estate)
    ic_from = estate.open(a)
    ic = a.RpcAsyncCreatePrinterIC(ic_from, None).pHandle
    closed = open_job(a, job)
    a.RpcAsyncClosePrinter(closed)
    for bad in (
        estate.open(a),  # a printer handle: ReadPrinter wants the job
        a.RpcAsyncOpenPrinter(None, None, None, 0).pHandle,
        a.RpcAsyncOpenPrinter(",XcvPort LPT1:", None, None, 0).pHandle,
        ic,
        closed,
        b"junk",
        None,
    ):
        r = a.RpcAsyncReadPrinter(bad, 10)
        assert r.status == E.ERROR_INVALID_HANDLE, bad
        assert "pBuf" not in r.out
    # another session's job handle is no handle at all
    assert estate.bob.RpcAsyncReadPrinter(open_job(a, job), 10).status == E.ERROR_INVALID_HANDLE


def test_a_port_handle_has_nothing_to_read(estate):
    a = estate.admin
    r = a.RpcAsyncOpenPrinter("LPT1:, Port", None, None, 0)
    assert r.status == 0
    read = a.RpcAsyncReadPrinter(r.pHandle, 512)
    assert (read.status, read.pBuf, read.pcNoBytesRead) == (0, b"", 0)
    assert a.RpcAsyncReadPrinter(r.pHandle, -1).status == E.ERROR_INVALID_PARAMETER


def test_reading_a_job_needs_job_access_read(estate):
    job = spool(estate)  # alice's job
    for client in (estate.alice, estate.admin, estate.op):  # owner, administrators, operators
        h = open_job(client, job)
        assert b"".join(read_all(client, h, 128)) == b"".join(PAGES), client.principal
    h = open_job(estate.bob, job)  # bob may open the printer, but the spool file is not his
    r = estate.bob.RpcAsyncReadPrinter(h, 128)
    assert r.status == E.ERROR_ACCESS_DENIED and "pBuf" not in r.out


def test_a_job_cancelled_while_queued_reads_as_cancelled(estate):
    job = spool(estate)
    a = estate.alice
    h = open_job(a, job)
    assert a.RpcAsyncReadPrinter(h, 4).status == 0
    assert a.RpcAsyncSetJob(h, job, None, JobControl.CANCEL).status == 0
    assert job not in estate.server.jobs
    assert a.RpcAsyncReadPrinter(h, 4).status == E.ERROR_PRINT_CANCELLED


def test_a_job_cancelled_while_spooling_reads_as_cancelled(estate):
    a = estate.alice
    ph = estate.open(a)
    job = a.RpcAsyncStartDocPrinter(ph, Container(1, {"pDocName": "doomed"})).pJobId
    a.RpcAsyncWritePrinter(ph, b"data", 4)
    jh = open_job(a, job)
    assert a.RpcAsyncSetJob(jh, job, None, JobControl.CANCEL).status == 0
    assert estate.server.jobs[job].phase is Phase.DELETING
    r = a.RpcAsyncReadPrinter(jh, 4)
    assert r.status == E.ERROR_PRINT_CANCELLED and "pBuf" not in r.out


# -- RpcAsyncResetPrinter --------------------------------------------------------------------------


def start_doc(client, h, **docinfo):
    r = client.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": "d", **docinfo}))
    assert r.status == 0, r
    return r.pJobId


def test_reset_datatype_is_what_later_documents_on_the_handle_use(estate):
    a = estate.alice
    h = estate.open(a)
    assert a.RpcAsyncResetPrinter(h, "TEXT", None).status == 0
    job = start_doc(a, h)
    assert estate.server.jobs[job].datatype == "TEXT"
    a.RpcAsyncEndDocPrinter(h)
    # a datatype named in the DOC_INFO still wins over the handle's default
    job = start_doc(a, h, pDatatype="NT EMF 1.008")
    assert estate.server.jobs[job].datatype == "NT EMF 1.008"
    a.RpcAsyncEndDocPrinter(h)
    # another handle on the same printer keeps the printer's default
    other = estate.open(a)
    assert estate.server.jobs[start_doc(a, other)].datatype == "RAW"


def test_reset_to_null_goes_back_to_the_printers_datatype(estate):
    a = estate.alice
    r = a.RpcAsyncOpenPrinter("P1", "TEXT", None, 0)
    h = r.pHandle
    assert estate.server.jobs[start_doc(a, h)].datatype == "TEXT"
    a.RpcAsyncEndDocPrinter(h)
    assert a.RpcAsyncResetPrinter(h, None, None).status == 0
    assert estate.server.printer("P1").datatype == "RAW"
    assert estate.server.jobs[start_doc(a, h)].datatype == "RAW"


def test_reset_datatype_is_compared_without_case(estate):
    a = estate.alice
    h = estate.open(a)
    assert a.RpcAsyncResetPrinter(h, "raw [ff appended]", None).status == 0
    assert estate.server.jobs[start_doc(a, h)].datatype.lower() == "raw [ff appended]"


@pytest.mark.parametrize("datatype", ["NOPE", "", "RAW ", "EMF"])
def test_reset_refuses_a_datatype_the_print_processor_lacks(estate, datatype):
    a = estate.alice
    h = a.RpcAsyncOpenPrinter("P1", "TEXT", None, 0).pHandle
    dm = dm_container(devmode())
    assert a.RpcAsyncResetPrinter(h, datatype, dm).status == E.ERROR_INVALID_DATATYPE
    state = estate.surface.lookup(h, a.session)
    assert state.datatype == "TEXT"  # nothing changed, the DEVMODE included
    assert state.devmode is None
    assert estate.server.jobs[start_doc(a, h)].datatype == "TEXT"


def test_reset_keeps_the_devmode_on_the_handle_for_later_documents(estate):
    a = estate.alice
    h = estate.open(a)
    printer = estate.server.printer("P1")
    assert estate.server.jobs[start_doc(a, h)].devmode == printer.devmode
    a.RpcAsyncEndDocPrinter(h)
    dm = devmode(220, 16)
    assert a.RpcAsyncResetPrinter(h, None, dm_container(dm)).status == 0
    assert estate.server.jobs[start_doc(a, h)].devmode == dm
    a.RpcAsyncEndDocPrinter(h)
    assert printer.devmode != dm  # the printer's own DEVMODE is not touched
    other = estate.open(a)
    assert estate.server.jobs[start_doc(a, other)].devmode == printer.devmode
    assert a.RpcAsyncResetPrinter(h, None, dm_container(None)).status == 0
    assert estate.server.jobs[start_doc(a, h)].devmode == printer.devmode


@pytest.mark.parametrize(
    "container",
    [
        dm_container(devmode()[:60]),
        dm_container(devmode(220, total=100)),
        dm_container(devmode(), 7),
    ],
)
def test_reset_refuses_a_malformed_devmode_and_changes_nothing(estate, container):
    a = estate.alice
    h = estate.open(a)
    assert a.RpcAsyncResetPrinter(h, "TEXT", container).status == E.ERROR_INVALID_PARAMETER
    state = estate.surface.lookup(h, a.session)
    assert state.datatype is None
    assert estate.server.jobs[start_doc(a, h)].datatype == "RAW"


def test_reset_leaves_an_open_document_alone(estate):
    a = estate.alice
    h = estate.open(a)
    job = start_doc(a, h)
    assert a.RpcAsyncResetPrinter(h, "TEXT", None).status == 0
    assert estate.server.jobs[job].datatype == "RAW"
    a.RpcAsyncWritePrinter(h, b"x", 1)
    assert a.RpcAsyncEndDocPrinter(h).status == 0
    assert estate.server.jobs[start_doc(a, h)].datatype == "TEXT"


def test_reset_takes_a_printer_handle_only(estate):
    a = estate.admin
    job = spool(estate)
    printer_h = estate.open(a)
    ic = a.RpcAsyncCreatePrinterIC(printer_h, None).pHandle
    for bad in (
        a.RpcAsyncOpenPrinter(None, None, None, 0).pHandle,
        open_job(a, job),
        a.RpcAsyncOpenPrinter("LPT1:, Port", None, None, 0).pHandle,
        ic,
        b"junk",
        None,
    ):
        assert a.RpcAsyncResetPrinter(bad, "TEXT", None).status == E.ERROR_INVALID_HANDLE, bad
    assert estate.bob.RpcAsyncResetPrinter(printer_h, "TEXT", None).status == (
        E.ERROR_INVALID_HANDLE
    )
    assert estate.surface.lookup(printer_h, a.session).datatype is None


def test_reset_checks_no_access_beyond_the_handle(estate):
    a = estate.alice
    h = a.RpcAsyncOpenPrinter("P1", None, None, Access.READ_CONTROL).pHandle
    assert a.RpcAsyncResetPrinter(h, "TEXT", None).status == 0
    assert estate.surface.lookup(h, a.session).datatype == "TEXT"


def test_reset_on_a_deleted_printer(estate):
    a = estate.admin
    h = estate.open(a, access=Access.PRINTER_ALL_ACCESS)
    assert a.RpcAsyncDeletePrinter(h).status == 0
    assert a.RpcAsyncResetPrinter(h, "TEXT", None).status == E.ERROR_PRINTER_DELETED
