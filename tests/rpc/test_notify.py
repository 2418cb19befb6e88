"""Change notifications, opnums 58-61: examples, and the drain-equals-refresh property."""

from __future__ import annotations

import hypothesis.strategies as st
import pytest
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from spoolsim.model.constants import (
    Access,
    JobControl,
    JobStatus,
    PrinterControl,
    PrinterStatus,
    hresult_from_win32,
)
from spoolsim.model.constants import Win32 as E
from spoolsim.rpc import Container
from spoolsim.rpc.notify import (
    E_PENDING,
    FILTER_COLOR,
    NamedProperty,
    NotifyOptions,
    NotifyOptionsType,
    PropertyType,
    notify_filter,
    reply_values,
)
from spoolsim.rpc.notifyfields import (
    CATEGORY_3D,
    JOB_FIELD_IDS,
    JOB_NOTIFY_TYPE,
    PRINTER_CHANGE_ALL,
    PRINTER_CHANGE_ALL_2,
    PRINTER_FIELD_IDS,
    PRINTER_NOTIFY_INFO_DISCARDED,
    PRINTER_NOTIFY_TYPE,
    Change,
)
from tests.rpc.estate import Estate, printer_container
from tests.rpc.notifyclient import apply, as_state

ALL_PRINTER = tuple(PRINTER_FIELD_IDS)
ALL_JOB = tuple(JOB_FIELD_IDS)
EVERYTHING = notify_filter(PRINTER_CHANGE_ALL_2, printer_fields=ALL_PRINTER, job_fields=ALL_JOB)
H_INVALID_HANDLE = hresult_from_win32(E.ERROR_INVALID_HANDLE)
H_INVALID_PARAMETER = hresult_from_win32(E.ERROR_INVALID_PARAMETER)


def register(client, handle, flt=EVERYTHING) -> bytes:
    r = client.RpcSyncRegisterForRemoteNotifications(handle, flt)
    assert r.status == 0, r
    return r.phRpcHandle


def poll(client, nh):
    r = client.RpcAsyncGetRemoteNotifications(nh)
    assert r.status == 0, r
    return reply_values(r.ppNotifyData)


def refresh(client, nh, color=0):
    r = client.RpcSyncRefreshRemoteNotifications(nh, notify_filter(1, color=color))
    assert r.status == 0, r
    return reply_values(r.ppNotifyData)


def values(info, type_, field):
    return [d.Data for d in info.aData if d.Type == type_ and d.Field == field]


def test_a_printed_job_arrives_with_its_field_values(estate):
    h = estate.open(estate.alice)
    nh = register(estate.alice, h)
    assert estate.alice.RpcAsyncGetRemoteNotifications(nh).status == E_PENDING
    job = estate.print_job(estate.bob, data=b"abc\f", pages=2)
    flags, info, color = poll(estate.alice, nh)
    assert flags == Change.ADD_JOB | Change.WRITE_JOB | Change.SET_JOB | Change.SET_PRINTER
    assert info.Flags == 0 and info.Version == 2 and color == 0
    assert values(info, JOB_NOTIFY_TYPE, 0x0D) == ["doc"]  # DOCUMENT
    assert values(info, JOB_NOTIFY_TYPE, 0x03) == ["bob"]  # USER_NAME
    assert values(info, JOB_NOTIFY_TYPE, 0x14) == [2]  # TOTAL_PAGES, the latest value only
    assert values(info, JOB_NOTIFY_TYPE, 0x16) == [8]  # TOTAL_BYTES
    assert values(info, PRINTER_NOTIFY_TYPE, 0x14) == [1]  # CJOBS
    assert {d.Id for d in info.aData if d.Type == JOB_NOTIFY_TYPE} == {job}
    assert estate.alice.RpcAsyncGetRemoteNotifications(nh).status == E_PENDING


def test_only_the_watched_fields_and_flags_are_reported(estate):
    h = estate.open(estate.alice)
    nh = register(estate.alice, h, notify_filter(Change.DELETE_JOB, job_fields=[0x0A]))
    job = estate.print_job(estate.bob)
    flags, info, _ = poll(estate.alice, nh)
    assert flags == 0  # ADD_JOB and SET_JOB were not asked for; the STATUS field was
    assert {(d.Field, d.Id) for d in info.aData} == {(0x0A, job)}
    admin = estate.open(estate.admin, access=Access.PRINTER_ALL_ACCESS)
    assert estate.admin.RpcAsyncSetJob(admin, job, None, JobControl.DELETE).status == 0
    flags, info, _ = poll(estate.alice, nh)
    assert flags == Change.DELETE_JOB
    assert values(info, JOB_NOTIFY_TYPE, 0x0A) == [JobStatus.DELETED]


def test_a_flag_only_filter_is_not_woken_by_field_changes(estate):
    h = estate.open(estate.alice)
    nh = register(estate.alice, h, notify_filter(Change.DELETE_JOB))
    job = estate.print_job(estate.bob)
    p_admin = estate.open(estate.admin, access=Access.PRINTER_ALL_ACCESS)
    assert estate.admin.RpcAsyncSetPrinter(p_admin, Container(0), None, None, 1).status == 0
    assert not estate.surface.notifier.get(nh, estate.alice.session.id).ready
    assert estate.admin.RpcAsyncSetJob(p_admin, job, None, JobControl.DELETE).status == 0
    flags, info, _ = poll(estate.alice, nh)
    assert flags == Change.DELETE_JOB and info.Count == 0


def test_server_handles_see_forms_ports_and_printers_printer_handles_do_not(estate):
    server = estate.open(estate.admin, name=None, access=Access.SERVER_ACCESS_ADMINISTER)
    printer = estate.open(estate.admin)
    on_server = register(estate.admin, server)
    on_printer = register(estate.admin, printer)
    form = {"Flags": 0, "pName": "Card", "Size_cx": 1, "Size_cy": 1}
    form.update(
        {"ImageableArea_left": 0, "ImageableArea_top": 0}
        | {"ImageableArea_right": 1, "ImageableArea_bottom": 1}
    )
    assert estate.admin.RpcAsyncAddForm(server, Container(1, form)).status == 0
    assert estate.admin.RpcAsyncGetRemoteNotifications(on_printer).status == E_PENDING
    flags, info, _ = poll(estate.admin, on_server)
    assert flags == Change.ADD_FORM and info.Count == 0
    assert estate.admin.RpcAsyncAddPrinter(None, printer_container("P2"), None, None).status == 0
    flags, info, _ = poll(estate.admin, on_server)
    assert flags == Change.ADD_PRINTER
    assert "P2" in values(info, PRINTER_NOTIFY_TYPE, 0x01)
    assert estate.admin.RpcAsyncGetRemoteNotifications(on_printer).status == E_PENDING


def test_a_printer_whose_deletion_begins_leaves_the_server_view(estate):
    server = estate.open(estate.admin, name=None, access=Access.SERVER_ACCESS_ADMINISTER)
    printer = estate.open(estate.admin, access=Access.PRINTER_ALL_ACCESS)
    on_server, on_printer = register(estate.admin, server), register(estate.admin, printer)
    job = estate.print_job(estate.bob)
    mirror_server, mirror_printer = {}, {}
    apply(mirror_server, refresh(estate.admin, on_server)[1], server_view=True)
    apply(mirror_printer, refresh(estate.admin, on_printer)[1], server_view=False)
    assert estate.admin.RpcAsyncDeletePrinter(printer).status == 0
    flags, info, _ = poll(estate.admin, on_server)
    assert flags & Change.DELETE_PRINTER
    apply(mirror_server, info, server_view=True)
    assert mirror_server == {} == as_state(refresh(estate.admin, on_server)[1])
    flags, info, _ = poll(estate.admin, on_printer)
    assert flags & Change.DELETE_PRINTER
    apply(mirror_printer, info, server_view=False)
    status = mirror_printer[(PRINTER_NOTIFY_TYPE, 1)][0x12]
    assert status & PrinterStatus.PENDING_DELETION and (JOB_NOTIFY_TYPE, job) in mirror_printer


def test_backlog_overflow_discards_and_a_refresh_restores(estate):
    estate.surface.notifier.limit = 30
    h = estate.open(estate.alice)
    nh = register(estate.alice, h)
    sub = estate.surface.notifier.get(nh, estate.alice.session.id)
    for _ in range(3):
        estate.print_job(estate.bob)
    assert sub.discarded and sub.size == 0 and not sub.pending
    flags, info, _ = poll(estate.alice, nh)
    assert flags & PRINTER_NOTIFY_INFO_DISCARDED and info.Flags == PRINTER_NOTIFY_INFO_DISCARDED
    assert info.Count == 0
    assert estate.alice.RpcAsyncGetRemoteNotifications(nh).status == E_PENDING
    estate.print_job(estate.bob)  # still discarded: the flags come, the values do not
    flags, info, _ = poll(estate.alice, nh)
    assert flags & Change.ADD_JOB and info.Flags == PRINTER_NOTIFY_INFO_DISCARDED
    flags, info, color = refresh(estate.alice, nh, color=7)
    state = as_state(info)
    assert len([k for k in state if k[0] == JOB_NOTIFY_TYPE]) == 4
    job = estate.print_job(estate.bob)
    flags, info, color = poll(estate.alice, nh)
    assert info.Flags == 0 and color == 7 and job in {d.Id for d in info.aData}


def test_register_validates_handle_access_and_filter(estate):
    h = estate.open(estate.alice)
    a = estate.alice
    assert a.RpcSyncRegisterForRemoteNotifications(b"nope", EVERYTHING).status == H_INVALID_HANDLE
    assert (
        estate.bob.RpcSyncRegisterForRemoteNotifications(h, EVERYTHING).status == H_INVALID_HANDLE
    )
    broken = [
        EVERYTHING[:3],  # no colour
        (*EVERYTHING[:3], NamedProperty(FILTER_COLOR, PropertyType.String, "red")),
        notify_filter(1, category=0x1000),  # the Win32 header value, not the wire value
        notify_filter(0),  # watches nothing
        notify_filter(1, job_fields=[0x18]),
        (
            *EVERYTHING[:2],
            NamedProperty(
                EVERYTHING[2].propertyName,
                PropertyType.NotificationOptions,
                NotifyOptions((NotifyOptionsType(7, (1,)),)),
            ),
            EVERYTHING[3],
        ),
        (*EVERYTHING, *([EVERYTHING[0]] * 47)),  # 51 properties
        "not a collection",
    ]
    for flt in broken:
        assert a.RpcSyncRegisterForRemoteNotifications(h, flt).status == H_INVALID_PARAMETER, flt
    assert not len(estate.surface.notifier)


def test_unregister_and_close_end_subscriptions(estate):
    h = estate.open(estate.alice)
    one, two = register(estate.alice, h), register(estate.alice, h)
    assert estate.bob.RpcSyncUnRegisterForRemoteNotifications(one).status == H_INVALID_HANDLE
    assert estate.alice.RpcSyncUnRegisterForRemoteNotifications(one).status == 0
    assert estate.alice.RpcSyncUnRegisterForRemoteNotifications(one).status == H_INVALID_HANDLE
    assert estate.alice.RpcAsyncGetRemoteNotifications(one).status == H_INVALID_HANDLE
    assert estate.alice.RpcAsyncClosePrinter(two).status == E.ERROR_INVALID_HANDLE
    assert estate.alice.RpcAsyncClosePrinter(h).status == 0
    assert estate.alice.RpcAsyncGetRemoteNotifications(two).status == H_INVALID_HANDLE
    assert len(estate.surface.notifier) == 0
    # Detached: nobody listens to the model any more.
    assert estate.surface.notifier._on_event not in estate.server.log.listeners


def test_3d_category_sees_no_printers(estate):
    server = estate.open(estate.admin, name=None)
    nh = register(estate.admin, server, notify_filter(1, category=CATEGORY_3D, job_fields=ALL_JOB))
    estate.print_job(estate.bob)
    assert estate.admin.RpcAsyncGetRemoteNotifications(nh).status == E_PENDING
    assert refresh(estate.admin, nh)[1].Count == 0


# -- the property: draining reconstructs exactly what a refresh returns ---------------------------


class NotifyMachine(RuleBasedStateMachine):
    """Jobs and printers change in any order; two subscribers (one printer, one server handle)
    drain what they are told and must always hold what a refresh says. A small backlog limit
    makes overflows common: the subscriber then sees DISCARDED and refreshes."""

    limit = 10_000

    def __init__(self) -> None:
        super().__init__()
        self.e = Estate()
        self.e.surface.notifier.limit = self.limit
        self.admin_p1 = self.e.open(self.e.admin, access=Access.PRINTER_ALL_ACCESS)
        server = self.e.open(self.e.admin, name=None, access=Access.SERVER_ACCESS_ADMINISTER)
        self.subs = {
            "printer": (register(self.e.admin, self.admin_p1), {}, False),
            "server": (register(self.e.admin, server), {}, True),
        }
        for nh, state, view in self.subs.values():
            apply(state, refresh(self.e.admin, nh)[1], server_view=view)
        self.spooling: list[tuple[bytes, int]] = []
        self.discards = 0

    def tick(self) -> float:
        self.e.t += 1.0
        return self.e.t

    def manage(self, printer: str) -> bytes | None:
        """An admin handle on ``printer``; None once its deletion has begun."""
        r = self.e.admin.RpcAsyncOpenPrinter(printer, None, None, Access.PRINTER_ALL_ACCESS)
        return r.pHandle if r.status == 0 else None

    def jobs(self):
        return [j for j in self.e.server.jobs.values() if j.live]

    @rule(doc=st.sampled_from(["a", "b", "report"]), printer=st.sampled_from(["P1", "P2"]))
    def start_doc(self, doc, printer):
        self.tick()
        p = self.e.server.printers.get(printer.lower())
        if p is None:
            r = self.e.admin.RpcAsyncAddPrinter(None, printer_container(printer), None, None)
            assert r.status == 0
            return
        if p.pending_deletion:
            return
        h = self.e.open(self.e.alice, printer)
        r = self.e.alice.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": doc}))
        if r.status == 0:
            self.spooling.append((h, r.pJobId))

    @precondition(lambda self: self.spooling)
    @rule(data=st.data(), n=st.integers(1, 300))
    def write_page(self, data, n):
        self.tick()
        h, _ = data.draw(st.sampled_from(self.spooling))
        self.e.alice.RpcAsyncStartPagePrinter(h)
        self.e.alice.RpcAsyncWritePrinter(h, b"x" * n, n)
        self.e.alice.RpcAsyncEndPagePrinter(h)

    @precondition(lambda self: self.spooling)
    @rule(data=st.data())
    def end_doc(self, data):
        self.tick()
        entry = data.draw(st.sampled_from(self.spooling))
        self.spooling.remove(entry)
        self.e.alice.RpcAsyncEndDocPrinter(entry[0])
        self.e.alice.RpcAsyncClosePrinter(entry[0])

    @precondition(lambda self: self.jobs())
    @rule(
        data=st.data(),
        command=st.sampled_from(
            [JobControl.PAUSE, JobControl.RESUME, JobControl.DELETE, JobControl.RESTART]
        ),
    )
    def control_job(self, data, command):
        self.tick()
        job = data.draw(st.sampled_from(self.jobs()))
        h = self.manage(job.printer_name)
        if h is None:
            return
        self.e.admin.RpcAsyncSetJob(h, job.job_id, None, command)
        self.e.admin.RpcAsyncClosePrinter(h)

    @precondition(lambda self: self.jobs())
    @rule(data=st.data(), priority=st.integers(1, 99), position=st.integers(1, 3))
    def set_job(self, data, priority, position):
        self.tick()
        job = data.draw(st.sampled_from(self.jobs()))
        h = self.manage(job.printer_name)
        if h is None:
            return
        info = {"Priority": priority, "Position": position, "pDocument": f"doc{priority}"}
        self.e.admin.RpcAsyncSetJob(h, job.job_id, Container(1, info), 0)
        self.e.admin.RpcAsyncClosePrinter(h)

    @rule(data=st.data())
    def print_next(self, data):
        """The runtime's part: start the next job, report progress, finish it."""
        now = self.tick()
        server = self.e.server
        for p in list(server.printers.values()):
            job = server.next_job(p, now)
            if job is not None:
                server.start_job(job, p.ports[0], now)
                server.job_progress(job, pages=1, nbytes=min(job.size, 10))
                if data.draw(st.booleans()):
                    server.job_sent(job, self.tick())
                return

    @rule(
        command=st.sampled_from([PrinterControl.PAUSE, PrinterControl.RESUME, 0]),
        comment=st.sampled_from(["", "2nd floor"]),
    )
    def set_printer(self, command, comment):
        self.tick()
        info = {} if command else {"pComment": comment, "pPortName": "LPT1:"}
        level = 0 if command else 2
        self.e.admin.RpcAsyncSetPrinter(self.admin_p1, Container(level, info), None, None, command)

    @precondition(
        lambda self: (
            "p2" in self.e.server.printers and not self.e.server.printers["p2"].pending_deletion
        )
    )
    @rule()
    def delete_p2(self):
        self.tick()
        h = self.manage("P2")
        assert self.e.admin.RpcAsyncDeletePrinter(h).status in (0, E.ERROR_ACCESS_DENIED)
        self.e.admin.RpcAsyncClosePrinter(h)
        self.spooling = [s for s in self.spooling if s[1] in self.e.server.jobs]

    @rule(which=st.sampled_from(["printer", "server"]))
    def drain(self, which):
        nh, state, view = self.subs[which]
        while (r := self.e.admin.RpcAsyncGetRemoteNotifications(nh)).status == 0:
            flags, info, _ = reply_values(r.ppNotifyData)
            if info.Flags & PRINTER_NOTIFY_INFO_DISCARDED:
                assert flags & PRINTER_NOTIFY_INFO_DISCARDED and info.Count == 0
                self.discards += 1
                state.clear()
                apply(state, refresh(self.e.admin, nh)[1], server_view=view)
            else:
                apply(state, info, server_view=view)
        assert r.status == E_PENDING
        # The property: what the subscriber pieced together is what a refresh says now.
        assert state == as_state(refresh(self.e.admin, nh)[1])

    @invariant()
    def backlog_is_bounded(self):
        for nh, _, _ in self.subs.values():
            sub = self.e.surface.notifier.get(nh, self.e.admin.session.id)
            assert sub.size <= self.limit
            assert sum(len(v) for v in sub.pending.values()) == sub.size


class SmallBacklogMachine(NotifyMachine):
    limit = 12


TestNotifyProperty = NotifyMachine.TestCase
TestNotifyProperty.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestSmallBacklog = SmallBacklogMachine.TestCase
TestSmallBacklog.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)


@pytest.mark.parametrize("flags", [PRINTER_CHANGE_ALL, PRINTER_CHANGE_ALL_2])
def test_both_spellings_of_change_all_watch_jobs(estate, flags):
    h = estate.open(estate.alice)
    nh = register(estate.alice, h, notify_filter(flags))
    estate.print_job(estate.bob)
    flags_seen, _, _ = poll(estate.alice, nh)
    assert flags_seen & Change.ADD_JOB


def test_a_driver_update_reaches_only_the_printers_that_use_it(estate):
    nh = register(estate.alice, estate.open(estate.alice), notify_filter(Change.SET_PRINTER_DRIVER))
    sub = estate.surface.notifier.get(nh, estate.alice.session.id)
    estate.server.log.add(1.0, "driver.updated", "Some Other Driver")
    assert not sub.ready
    estate.server.log.add(2.0, "driver.updated", "Generic / Text Only")  # P1's driver
    flags, info, _ = poll(estate.alice, nh)
    assert flags == Change.SET_PRINTER_DRIVER and info.Count == 0
