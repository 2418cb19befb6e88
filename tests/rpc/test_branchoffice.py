"""RpcAsyncLogJobInfoForBranchOffice (opnum 74): entries become PrintService channel records."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.model.constants import Access, Win32
from spoolsim.model.eventchannels import ADMIN, OPERATIONAL, EventChannels, Level
from spoolsim.rpc.branchoffice import (
    EVENTS,
    BranchOfficeJobData,
    BranchOfficeJobDataContainer,
    BranchOfficeJobDataError,
    BranchOfficeJobDataPipelineFailed,
    BranchOfficeJobDataPrinted,
    BranchOfficeJobDataRendered,
    BranchOfficeLogOfflineFileFull,
    EBranchOfficeJobEventType,
)
from tests.rpc.estate import Estate

E = Win32
K = EBranchOfficeJobEventType
Box = BranchOfficeJobDataContainer

PRINTED = BranchOfficeJobDataPrinted(
    Status=0,
    pDocumentName="report.docx",
    pUserName="alice",
    pMachineName="BRANCH-PC1",
    pPrinterName="P1",
    pPortName="IP_10.0.0.5",
    Size=123_456,
    TotalPages=3,
)
RENDERED = BranchOfficeJobDataRendered(
    Size=4096, ICMMethod=1, Color=2, PrintQuality=-4, YResolution=600, Copies=2, TTOption=3
)
FAILED = BranchOfficeJobDataError(
    LastError=Win32.ERROR_OUT_OF_PAPER,
    pDocumentName="report.docx",
    pUserName="alice",
    pPrinterName="P1",
    pDataType="RAW",
    TotalSize=1000,
    PrintedSize=10,
    TotalPages=4,
    PrintedPages=1,
    pMachineName="BRANCH-PC1",
    pJobError="paper out",
    pErrorDescription="tray 2 is empty",
)
PIPELINE = BranchOfficeJobDataPipelineFailed("report.docx", "P1", None)
FULL = BranchOfficeLogOfflineFileFull("BRANCH-PC1")


def entry(kind, job_id, info):
    return BranchOfficeJobData(kind, job_id, info)


OPEN = object()  # "open a printer handle for the call"


def log(estate, client, box, h=OPEN):
    h = estate.open(client) if h is OPEN else h
    return client.RpcAsyncLogJobInfoForBranchOffice(h, box)


# -- what each event type writes ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "info", "channel", "event_id", "level"),
    [
        (K.kLogJobPrinted, PRINTED, OPERATIONAL, 307, Level.INFORMATION),
        (K.kLogJobRendered, RENDERED, OPERATIONAL, 805, Level.INFORMATION),
        (K.kLogJobError, FAILED, ADMIN, 372, Level.ERROR),
        (K.kLogJobPipelineError, PIPELINE, OPERATIONAL, 824, Level.ERROR),
        (K.kLogOfflineFileFull, FULL, ADMIN, 868, Level.WARNING),
    ],
)
def test_each_event_type_goes_to_its_channel_and_event_id(
    estate, kind, info, channel, event_id, level
):
    estate.t = 42.0
    assert log(estate, estate.alice, Box.of(entry(kind, 17, info))).status == 0
    channels = estate.server.channels
    other = ADMIN if channel == OPERATIONAL else OPERATIONAL
    assert channels.records(other) == []
    (rec,) = channels.records(channel)
    assert (rec.time, rec.channel, rec.event_id, rec.level, rec.record_id) == (
        42.0,
        channel,
        event_id,
        level,
        1,
    )
    # JobId first, then the structure's members by their spec names, in structure order.
    names = [n for n, _ in rec.fields]
    assert names[0] == "JobId" and rec.get("JobId") == 17
    assert names[1:] == [a.name for a in attrs.fields(type(info))]
    assert all(rec.get(n) == getattr(info, n) for n in names[1:])
    (ev,) = estate.server.log.of_kind("branch.logged")
    assert (ev.time, ev.subject) == (42.0, "P1")
    assert ev.get("event_type") == kind and ev.get("job_id") == 17
    assert ev.get("channel") == channel and ev.get("event_id") == event_id
    assert ev.get("record_id") == 1 and ev.get("user") == "alice"


def test_printed_record_carries_the_document_facts(estate):
    log(estate, estate.alice, Box.of(entry(K.kLogJobPrinted, 5, PRINTED)))
    (rec,) = estate.server.channels.records(OPERATIONAL, 307)
    assert rec.fields == (
        ("JobId", 5),
        ("Status", 0),
        ("pDocumentName", "report.docx"),
        ("pUserName", "alice"),
        ("pMachineName", "BRANCH-PC1"),
        ("pPrinterName", "P1"),
        ("pPortName", "IP_10.0.0.5"),
        ("Size", 123_456),
        ("TotalPages", 3),
    )


def test_one_call_logs_every_entry_in_order(estate):
    box = Box.of(
        entry(K.kLogJobPrinted, 1, PRINTED),
        entry(K.kLogJobError, 2, FAILED),
        entry(K.kLogJobPrinted, 3, PRINTED),
        entry(K.kLogOfflineFileFull, 0, FULL),
    )
    assert log(estate, estate.alice, box).status == 0
    ch = estate.server.channels
    assert [(r.event_id, r.get("JobId"), r.record_id) for r in ch.records(OPERATIONAL)] == [
        (307, 1, 1),
        (307, 3, 2),
    ]
    assert [(r.event_id, r.get("JobId")) for r in ch.records(ADMIN)] == [(372, 2), (868, 0)]
    assert [e.get("job_id") for e in estate.server.log.of_kind("branch.logged")] == [1, 2, 3, 0]


def test_an_empty_container_logs_nothing_and_succeeds(estate):
    assert log(estate, estate.alice, Box(0, ())).status == 0
    assert log(estate, estate.alice, Box(0, None)).status == 0
    assert len(estate.server.channels) == 0
    assert estate.server.log.of_kind("branch.logged") == []


def test_no_access_check_beyond_the_handle(estate):
    # A printer handle that holds no printer right at all still logs (MS-RPRN 3.1.4.13.1).
    h = estate.open(estate.bob, access=Access.READ_CONTROL)
    assert log(estate, estate.bob, Box.of(entry(K.kLogJobPrinted, 1, PRINTED)), h).status == 0
    assert len(estate.server.channels.records(OPERATIONAL)) == 1


def test_job_ids_are_the_clients_and_need_no_job_here(estate):
    box = Box.of(entry(K.kLogJobPrinted, 2**32 - 1, PRINTED))
    assert log(estate, estate.alice, box).status == 0
    assert estate.server.jobs == {}


def test_callable_by_opnum(estate):
    h = estate.open(estate.alice)
    assert estate.alice.call(74, h, Box.of(entry(K.kLogJobRendered, 1, RENDERED))).status == 0
    assert len(estate.server.channels.records(OPERATIONAL, 805)) == 1


def test_full_channels_drop_their_oldest_records(estate):
    estate.server.channels = EventChannels(max_records=2)
    for job_id in range(1, 6):
        box = Box.of(entry(K.kLogJobPrinted, job_id, PRINTED))
        assert log(estate, estate.alice, box).status == 0
    ch = estate.server.channels
    assert [r.get("JobId") for r in ch.records(OPERATIONAL)] == [4, 5]
    assert ch.dropped(OPERATIONAL) == 3
    assert ch.statistics(OPERATIONAL).written == 5
    assert [e.get("record_id") for e in estate.server.log.of_kind("branch.logged")] == [
        1,
        2,
        3,
        4,
        5,
    ]


def test_the_event_table_matches_the_spec_ids():
    assert {k: (s.channel, s.event_id) for k, s in EVENTS.items()} == {
        K.kLogJobPrinted: (OPERATIONAL, 307),
        K.kLogJobRendered: (OPERATIONAL, 805),
        K.kLogJobError: (ADMIN, 372),
        K.kLogJobPipelineError: (OPERATIONAL, 824),
        K.kLogOfflineFileFull: (ADMIN, 868),
    }
    assert [int(k) for k in K] == [0, 1, 2, 3, 4, 5]


# -- errors ----------------------------------------------------------------------------------


def assert_refused(estate, client, box, code, h=OPEN):
    assert log(estate, client, box, h).status == code
    assert len(estate.server.channels) == 0
    assert estate.server.log.of_kind("branch.logged") == []


GOOD = Box.of(entry(K.kLogJobPrinted, 1, PRINTED))


def test_handle_must_be_a_printer_handle(estate):
    a = estate.alice
    assert_refused(estate, a, GOOD, E.ERROR_INVALID_HANDLE, b"\0" * 20)
    assert_refused(estate, a, GOOD, E.ERROR_INVALID_HANDLE, None)
    s = a.RpcAsyncOpenPrinter(None, None, None, Access.SERVER_ACCESS_ENUMERATE).pHandle
    assert_refused(estate, a, GOOD, E.ERROR_INVALID_HANDLE, s)
    job = estate.print_job(a)
    j = a.RpcAsyncOpenPrinter(f"P1, Job {job}", None, None, Access.PRINTER_ACCESS_USE).pHandle
    assert_refused(estate, a, GOOD, E.ERROR_INVALID_HANDLE, j)
    h = estate.open(a)
    a.RpcAsyncClosePrinter(h)
    assert_refused(estate, a, GOOD, E.ERROR_INVALID_HANDLE, h)
    assert_refused(estate, estate.bob, GOOD, E.ERROR_INVALID_HANDLE, estate.open(a))


def test_null_container(estate):
    assert_refused(estate, estate.alice, None, E.ERROR_INVALID_PARAMETER)


@pytest.mark.parametrize("count", [0, 2, -1, 2**32, None])
def test_count_must_match_the_entries(estate, count):
    box = Box(count, (entry(K.kLogJobPrinted, 1, PRINTED),))
    assert_refused(estate, estate.alice, box, E.ERROR_INVALID_PARAMETER)


@pytest.mark.parametrize("kind", [0, 6, -1, None, "1"])
def test_unknown_event_types(estate, kind):
    box = Box.of(entry(kind, 1, PRINTED))
    assert_refused(estate, estate.alice, box, E.ERROR_INVALID_PARAMETER)


@pytest.mark.parametrize(
    ("kind", "info"),
    [
        (K.kLogJobPrinted, RENDERED),
        (K.kLogJobError, PRINTED),
        (K.kLogJobPipelineError, FULL),
        (K.kLogOfflineFileFull, None),
        (K.kLogJobRendered, {"Size": 1}),
    ],
)
def test_the_data_must_be_the_structure_of_the_type(estate, kind, info):
    assert_refused(estate, estate.alice, Box.of(entry(kind, 1, info)), E.ERROR_INVALID_PARAMETER)


@pytest.mark.parametrize(
    ("kind", "info"),
    [
        (K.kLogJobPrinted, BranchOfficeJobDataPrinted(Status=-1)),
        (K.kLogJobPrinted, BranchOfficeJobDataPrinted(TotalPages=2**32)),
        (K.kLogJobPrinted, BranchOfficeJobDataPrinted(Size=2**63)),
        (K.kLogJobPrinted, BranchOfficeJobDataPrinted(pUserName=7)),
        (K.kLogJobRendered, BranchOfficeJobDataRendered(Copies=2**15)),
        (K.kLogJobRendered, BranchOfficeJobDataRendered(Color=-(2**15) - 1)),
        (K.kLogJobRendered, BranchOfficeJobDataRendered(ICMMethod=True)),
        (K.kLogJobError, BranchOfficeJobDataError(PrintedSize=-(2**63) - 1)),
        (K.kLogJobError, BranchOfficeJobDataError(pErrorDescription=b"x")),
        (K.kLogJobPipelineError, BranchOfficeJobDataPipelineFailed(pExtraErrorInfo=1.5)),
        (K.kLogOfflineFileFull, BranchOfficeLogOfflineFileFull(pMachineName=["PC"])),
    ],
)
def test_members_must_fit_their_idl_types(estate, kind, info):
    assert_refused(estate, estate.alice, Box.of(entry(kind, 1, info)), E.ERROR_INVALID_PARAMETER)


@pytest.mark.parametrize("job_id", [-1, 2**32, None, True])
def test_job_id_must_be_a_dword(estate, job_id):
    box = Box.of(entry(K.kLogJobPrinted, job_id, PRINTED))
    assert_refused(estate, estate.alice, box, E.ERROR_INVALID_PARAMETER)


def test_entries_must_be_entries(estate):
    box = Box(1, ({"eEventType": 1},))
    assert_refused(estate, estate.alice, box, E.ERROR_INVALID_PARAMETER)


def test_one_bad_entry_refuses_the_whole_call(estate):
    box = Box.of(
        entry(K.kLogJobPrinted, 1, PRINTED),
        entry(K.kLogJobError, 2, FAILED),
        entry(K.kInvalidJobState, 3, PRINTED),
    )
    assert_refused(estate, estate.alice, box, E.ERROR_INVALID_PARAMETER)


def test_members_at_the_edges_of_their_types_are_accepted(estate):
    box = Box.of(
        entry(
            K.kLogJobRendered,
            0,
            BranchOfficeJobDataRendered(
                Size=-(2**63), ICMMethod=2**32 - 1, Color=-(2**15), Copies=2**15 - 1
            ),
        ),
        entry(K.kLogJobPrinted, 2**32 - 1, BranchOfficeJobDataPrinted()),  # NULL strings
    )
    assert log(estate, estate.alice, box).status == 0
    assert len(estate.server.channels.records(OPERATIONAL)) == 2


# -- a property: channels hold what was sent, bounded ----------------------------------------

INFOS = st.sampled_from(
    [
        (K.kLogJobPrinted, PRINTED),
        (K.kLogJobRendered, RENDERED),
        (K.kLogJobError, FAILED),
        (K.kLogJobPipelineError, PIPELINE),
        (K.kLogOfflineFileFull, FULL),
    ]
)


@given(
    calls=st.lists(st.lists(st.tuples(INFOS, st.integers(0, 2**32 - 1)), max_size=4), max_size=6),
    bound=st.integers(1, 5),
)
def test_channels_hold_the_last_entries_sent(calls, bound):
    estate = Estate()
    estate.server.channels = EventChannels(max_records=bound)
    h = estate.open(estate.alice)
    sent = {ADMIN: [], OPERATIONAL: []}
    for call in calls:
        box = Box.of(*(entry(kind, job_id, info) for (kind, info), job_id in call))
        assert estate.alice.RpcAsyncLogJobInfoForBranchOffice(h, box).status == 0
        for (kind, _), job_id in call:
            sent[EVENTS[kind].channel].append((EVENTS[kind].event_id, job_id))
    for channel, expected in sent.items():
        kept = estate.server.channels.records(channel)
        assert [(r.event_id, r.get("JobId")) for r in kept] == expected[-bound:]
        assert estate.server.channels.dropped(channel) == max(0, len(expected) - bound)
    assert len(estate.server.log.of_kind("branch.logged")) == sum(len(c) for c in calls)
