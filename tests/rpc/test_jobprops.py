"""Job Named Properties (opnums 70-73): examples per rule and code, and a dict-model machine."""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from spoolsim.model.constants import Access, JobControl, Win32
from spoolsim.rpc.jobprops import (
    EPrintPropertyType,
    PrintNamedProperty,
    PrintPropertyValue,
)
from tests.rpc.estate import Estate, printer_container

E = Win32
T = EPrintPropertyType
V = PrintPropertyValue


def prop(name, value):
    return PrintNamedProperty(name, value)


@pytest.fixture
def job(estate):
    """A queued job of alice's on P1."""
    return estate.print_job(estate.alice)


def server_handle(client, access=Access.SERVER_ACCESS_ENUMERATE):
    r = client.RpcAsyncOpenPrinter(None, None, None, access)
    assert r.status == 0, r
    return r.pHandle


def props_of(estate, job_id):
    return estate.server.jobs[job_id].properties


# -- success paths -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        V.string("TYPE_XPS_MS"),
        V.string(""),
        V.int32(-(2**31)),
        V.int32(2**31 - 1),
        V.int64(-(2**63)),
        V.int64(2**63 - 1),
        V.byte(0),
        V.byte(255),
        V.buffer(b"\x00\x01\xff"),
        V.buffer(b""),
    ],
)
def test_set_then_get_every_type(estate, job, value):
    h = estate.open(estate.alice)
    assert estate.alice.RpcAsyncSetJobNamedProperty(h, job, prop("p", value)).status == 0
    r = estate.alice.RpcAsyncGetJobNamedPropertyValue(h, job, "p")
    assert r.status == 0
    assert r.pValue == value
    assert isinstance(r.pValue.ePropertyType, EPrintPropertyType)


def test_type_tags_are_the_spec_numbers():
    assert [int(t) for t in T] == [1, 2, 3, 4, 5]
    assert V.int32(1) == PrintPropertyValue(2, 1)


def test_buffers_are_stored_as_bytes_not_the_callers_object(estate, job):
    h = estate.open(estate.alice)
    buf = bytearray(b"abc")
    estate.alice.RpcAsyncSetJobNamedProperty(h, job, prop("blob", V.buffer(buf)))
    buf[0] = ord("X")
    value = estate.alice.RpcAsyncGetJobNamedPropertyValue(h, job, "blob").pValue
    assert value == V.buffer(b"abc") and type(value.value) is bytes


def test_enum_lists_properties_in_creation_order(estate, job):
    a = estate.alice
    h = estate.open(a)
    r = a.RpcAsyncEnumJobNamedProperties(h, job)
    assert (r.status, r.pcProperties, r.ppProperties) == (0, 0, ())
    for name, value in (("Spool File Contents", V.string("TYPE_PDL_UNKNOWN")), ("n", V.int32(3))):
        assert a.RpcAsyncSetJobNamedProperty(h, job, prop(name, value)).status == 0
    r = a.RpcAsyncEnumJobNamedProperties(h, job)
    assert r.status == 0 and r.pcProperties == 2
    assert r.ppProperties == (
        prop("Spool File Contents", V.string("TYPE_PDL_UNKNOWN")),
        prop("n", V.int32(3)),
    )


def test_set_replaces_in_place_and_names_ignore_case(estate, job):
    a = estate.alice
    h = estate.open(a)
    a.RpcAsyncSetJobNamedProperty(h, job, prop("Color", V.int32(1)))
    a.RpcAsyncSetJobNamedProperty(h, job, prop("Duplex", V.int32(0)))
    # Same name in other case: the value (and its type) change, the name and place do not.
    assert a.RpcAsyncSetJobNamedProperty(h, job, prop("COLOR", V.string("mono"))).status == 0
    r = a.RpcAsyncEnumJobNamedProperties(h, job)
    assert r.ppProperties == (prop("Color", V.string("mono")), prop("Duplex", V.int32(0)))
    assert a.RpcAsyncGetJobNamedPropertyValue(h, job, "color").pValue == V.string("mono")
    assert a.RpcAsyncDeleteJobNamedProperty(h, job, "cOlOr").status == 0
    assert a.RpcAsyncEnumJobNamedProperties(h, job).ppProperties == (prop("Duplex", V.int32(0)),)


def test_set_and_delete_are_in_the_event_log(estate, job):
    a = estate.alice
    h = estate.open(a)
    estate.t = 5.0
    a.RpcAsyncSetJobNamedProperty(h, job, prop("x", V.byte(1)))
    a.RpcAsyncSetJobNamedProperty(h, job, prop("X", V.byte(2)))
    a.RpcAsyncDeleteJobNamedProperty(h, job, "x")
    events = estate.server.log.of_kind("job.property_set", "job.property_deleted")
    subject = f"P1/{job}"
    assert [(e.kind, e.subject, e.time) for e in events] == [
        ("job.property_set", subject, 5.0),
        ("job.property_set", subject, 5.0),
        ("job.property_deleted", subject, 5.0),
    ]
    assert [e.get("created") for e in events[:2]] == [True, False]
    assert all(e.get("name") == "x" and e.get("user") == "alice" for e in events)
    assert events[0].get("type") == T.kRpcPropertyTypeByte


def test_a_server_handle_finds_the_job_on_any_printer(estate, job):
    assert estate.admin.RpcAsyncAddPrinter(None, printer_container("P2"), None, None).ok
    job2 = estate.print_job(estate.alice, name="P2")
    a = estate.alice
    s = server_handle(a)
    for j in (job, job2):
        assert a.RpcAsyncSetJobNamedProperty(s, j, prop("k", V.int64(j))).status == 0
        assert a.RpcAsyncGetJobNamedPropertyValue(s, j, "k").pValue == V.int64(j)
        assert a.RpcAsyncEnumJobNamedProperties(s, j).pcProperties == 1
        assert a.RpcAsyncDeleteJobNamedProperty(s, j, "k").status == 0
    # A printer handle sees only its own printer's jobs.
    h1 = estate.open(a, "P1")
    assert a.RpcAsyncGetJobNamedPropertyValue(h1, job2, "k").status == E.ERROR_INVALID_PARAMETER


def test_callable_by_opnum(estate, job):
    a = estate.alice
    h = estate.open(a)
    assert a.call(71, h, job, prop("o", V.int32(71))).status == 0
    assert a.call(70, h, job, "o").pValue == V.int32(71)
    assert a.call(73, h, job).pcProperties == 1
    assert a.call(72, h, job, "o").status == 0
    assert props_of(estate, job) == {}


def test_properties_go_with_their_job(estate, job):
    a = estate.alice
    h = estate.open(a)
    a.RpcAsyncSetJobNamedProperty(h, job, prop("k", V.int32(1)))
    assert a.RpcAsyncSetJob(h, job, None, JobControl.DELETE).status == 0
    assert job not in estate.server.jobs
    assert a.RpcAsyncGetJobNamedPropertyValue(h, job, "k").status == E.ERROR_INVALID_PARAMETER
    # A new job never inherits a dead one's properties.
    job2 = estate.print_job(a)
    assert a.RpcAsyncEnumJobNamedProperties(h, job2).pcProperties == 0


# -- access --------------------------------------------------------------------------------------


def test_only_the_owner_or_a_document_manager_changes_properties(estate, job):
    a, bob = estate.alice, estate.bob
    hb = estate.open(bob)
    assert (
        bob.RpcAsyncSetJobNamedProperty(hb, job, prop("k", V.int32(1))).status
        == E.ERROR_ACCESS_DENIED
    )
    assert props_of(estate, job) == {}
    ha = estate.open(a)
    a.RpcAsyncSetJobNamedProperty(ha, job, prop("k", V.int32(1)))
    assert bob.RpcAsyncDeleteJobNamedProperty(hb, job, "k").status == E.ERROR_ACCESS_DENIED
    # Reading needs only a usable handle.
    assert bob.RpcAsyncGetJobNamedPropertyValue(hb, job, "k").pValue == V.int32(1)
    assert bob.RpcAsyncEnumJobNamedProperties(hb, job).pcProperties == 1
    for manager in (estate.admin, estate.op):
        hm = estate.open(manager)
        assert manager.RpcAsyncSetJobNamedProperty(hm, job, prop("k", V.int32(2))).status == 0
        sm = server_handle(manager)
        assert manager.RpcAsyncSetJobNamedProperty(sm, job, prop("k", V.int32(3))).status == 0
    assert estate.admin.RpcAsyncDeleteJobNamedProperty(server_handle(estate.admin), job, "k").ok
    assert props_of(estate, job) == {}


def test_a_handle_without_read_rights_cannot_read(estate, job):
    bob = estate.bob
    h = estate.open(bob, access=Access.READ_CONTROL)
    assert bob.RpcAsyncGetJobNamedPropertyValue(h, job, "k").status == E.ERROR_ACCESS_DENIED
    assert bob.RpcAsyncEnumJobNamedProperties(h, job).status == E.ERROR_ACCESS_DENIED
    s = server_handle(bob, Access.READ_CONTROL)
    assert bob.RpcAsyncEnumJobNamedProperties(s, job).status == E.ERROR_ACCESS_DENIED
    # Access is checked before the job: an unknown job is not revealed either.
    assert bob.RpcAsyncEnumJobNamedProperties(h, 999).status == E.ERROR_ACCESS_DENIED


# -- handle and job errors -----------------------------------------------------------------------


def _all_four(client, h, job):
    return [
        client.RpcAsyncGetJobNamedPropertyValue(h, job, "k").status,
        client.RpcAsyncSetJobNamedProperty(h, job, prop("k", V.int32(1))).status,
        client.RpcAsyncDeleteJobNamedProperty(h, job, "k").status,
        client.RpcAsyncEnumJobNamedProperties(h, job).status,
    ]


def test_bad_handles(estate, job):
    a = estate.alice
    assert _all_four(a, b"\0" * 20, job) == [E.ERROR_INVALID_HANDLE] * 4
    assert _all_four(a, None, job) == [E.ERROR_INVALID_HANDLE] * 4
    h = estate.open(a)
    a.RpcAsyncClosePrinter(h)
    assert _all_four(a, h, job) == [E.ERROR_INVALID_HANDLE] * 4
    # Another session's handle.
    assert _all_four(estate.bob, estate.open(a), job) == [E.ERROR_INVALID_HANDLE] * 4
    # MS-PAR: a printer or server handle; a job handle is neither.
    r = a.RpcAsyncOpenPrinter(f"P1, Job {job}", None, None, Access.PRINTER_ACCESS_USE)
    assert r.status == 0
    assert _all_four(a, r.pHandle, job) == [E.ERROR_INVALID_HANDLE] * 4
    assert props_of(estate, job) == {}


def test_printer_pending_deletion_and_deleted(estate, job):
    a, admin = estate.alice, estate.admin
    h = estate.open(a)
    a.RpcAsyncSetJobNamedProperty(h, job, prop("k", V.int32(1)))
    ha = estate.open(admin, access=Access.PRINTER_ALL_ACCESS)
    assert admin.RpcAsyncDeletePrinter(ha).status == 0
    # Pending deletion: the queue and its jobs, properties included, are still there.
    assert a.RpcAsyncGetJobNamedPropertyValue(h, job, "k").pValue == V.int32(1)
    assert admin.RpcAsyncSetJob(ha, job, None, JobControl.DELETE).status == 0
    assert "p1" not in estate.server.printers
    assert _all_four(a, h, job) == [E.ERROR_PRINTER_DELETED] * 4


@pytest.mark.parametrize("bad", [0, 999, -1, None, True, "1"])
def test_unknown_job_is_invalid_parameter(estate, job, bad):
    h = estate.open(estate.alice)
    assert _all_four(estate.alice, h, bad) == [E.ERROR_INVALID_PARAMETER] * 4
    s = server_handle(estate.admin)
    assert _all_four(estate.admin, s, bad) == [E.ERROR_INVALID_PARAMETER] * 4


def test_job_is_looked_up_before_access(estate, job):
    # Bob may not change alice's job, but an unknown JobId is reported first.
    h = estate.open(estate.bob)
    r = estate.bob.RpcAsyncSetJobNamedProperty(h, 999, prop("k", V.int32(1)))
    assert r.status == E.ERROR_INVALID_PARAMETER


# -- parameter errors ---------------------------------------------------------------------------


def test_missing_names_and_properties(estate, job):
    a = estate.alice
    h = estate.open(a)
    assert a.RpcAsyncGetJobNamedPropertyValue(h, job, None).status == E.ERROR_INVALID_PARAMETER
    assert a.RpcAsyncDeleteJobNamedProperty(h, job, None).status == E.ERROR_INVALID_PARAMETER
    assert a.RpcAsyncSetJobNamedProperty(h, job, None).status == E.ERROR_INVALID_PARAMETER
    assert (
        a.RpcAsyncSetJobNamedProperty(h, job, prop(None, V.int32(1))).status
        == E.ERROR_INVALID_PARAMETER
    )
    assert a.RpcAsyncSetJobNamedProperty(h, job, prop("k", None)).status == (
        E.ERROR_INVALID_PARAMETER
    )
    assert props_of(estate, job) == {}


def test_unknown_names_are_not_found(estate, job):
    a = estate.alice
    h = estate.open(a)
    a.RpcAsyncSetJobNamedProperty(h, job, prop("k", V.int32(1)))
    assert a.RpcAsyncGetJobNamedPropertyValue(h, job, "kk").status == E.ERROR_NOT_FOUND
    assert a.RpcAsyncDeleteJobNamedProperty(h, job, "kk").status == E.ERROR_NOT_FOUND
    assert a.RpcAsyncDeleteJobNamedProperty(h, job, "k").status == 0
    assert a.RpcAsyncDeleteJobNamedProperty(h, job, "k").status == E.ERROR_NOT_FOUND
    assert a.RpcAsyncGetJobNamedPropertyValue(h, job, "k").status == E.ERROR_NOT_FOUND


@pytest.mark.parametrize(
    "value",
    [
        PrintPropertyValue(0, 1),
        PrintPropertyValue(6, 1),
        PrintPropertyValue(None, 1),
        V.string(None),
        V.string(5),
        V.string(b"bytes"),
        V.int32(2**31),
        V.int32(-(2**31) - 1),
        V.int32(2**32 - 1),  # Samba's uint32 reading; the spec's LONG does not hold it
        V.int32(True),
        V.int32(1.0),
        V.int64(2**63),
        V.int64(-(2**63) - 1),
        V.byte(256),
        V.byte(-1),
        V.byte(False),
        V.buffer("text"),
        V.buffer(None),
    ],
)
def test_values_that_do_not_fit_their_type_are_refused(estate, job, value):
    a = estate.alice
    h = estate.open(a)
    a.RpcAsyncSetJobNamedProperty(h, job, prop("k", V.int32(7)))
    before = len(estate.server.log.of_kind("job.property_set"))
    assert a.RpcAsyncSetJobNamedProperty(h, job, prop("k", value)).status == (
        E.ERROR_INVALID_PARAMETER
    )
    # A refused call changes nothing and logs nothing.
    assert a.RpcAsyncGetJobNamedPropertyValue(h, job, "k").pValue == V.int32(7)
    assert len(estate.server.log.of_kind("job.property_set")) == before


def test_every_call_is_logged_with_its_status(estate, job):
    a = estate.alice
    h = estate.open(a)
    a.RpcAsyncGetJobNamedPropertyValue(h, job, "missing")
    calls = [e for e in estate.server.log.of_kind("rpc.call") if e.subject.endswith("Value")]
    assert [(e.subject, e.get("status")) for e in calls] == [
        ("RpcAsyncGetJobNamedPropertyValue", E.ERROR_NOT_FOUND)
    ]


# -- the dict model --------------------------------------------------------------------------------

NAMES = st.sampled_from(["a", "A", "b", "Spool File Contents", "SPOOL FILE CONTENTS", ""])
VALUES = st.one_of(
    st.text(max_size=5).map(V.string),
    st.integers(-(2**31), 2**31 - 1).map(V.int32),
    st.integers(-(2**63), 2**63 - 1).map(V.int64),
    st.integers(0, 255).map(V.byte),
    st.binary(max_size=5).map(V.buffer),
)
BAD_VALUES = st.one_of(
    st.integers(2**31, 2**40).map(V.int32),
    st.integers(256, 1000).map(V.byte),
    st.integers(6, 100).map(lambda t: PrintPropertyValue(t, 0)),
)


class JobPropertiesMachine(RuleBasedStateMachine):
    """Set/Delete/Get/Enum behave like an insertion-ordered dict keyed by lower-cased name that
    keeps the first spelling; the owner, an administrator (server handle) and a reader take
    turns."""

    def __init__(self):
        super().__init__()
        self.estate = Estate()
        e = self.estate
        self.job = e.print_job(e.alice)
        self.writers = [(e.alice, e.open(e.alice)), (e.admin, server_handle(e.admin))]
        self.reader = (e.bob, e.open(e.bob))
        self.model: dict[str, tuple[str, PrintPropertyValue]] = {}

    @rule(who=st.integers(0, 1), name=NAMES, value=VALUES)
    def set(self, who, name, value):
        client, h = self.writers[who]
        assert client.RpcAsyncSetJobNamedProperty(h, self.job, prop(name, value)).status == 0
        key = name.lower()
        first = self.model[key][0] if key in self.model else name
        self.model[key] = (first, value)

    @rule(name=NAMES, value=BAD_VALUES)
    def set_bad(self, name, value):
        client, h = self.writers[0]
        r = client.RpcAsyncSetJobNamedProperty(h, self.job, prop(name, value))
        assert r.status == E.ERROR_INVALID_PARAMETER

    @rule(name=NAMES)
    def reader_set(self, name):
        client, h = self.reader
        r = client.RpcAsyncSetJobNamedProperty(h, self.job, prop(name, V.int32(0)))
        assert r.status == E.ERROR_ACCESS_DENIED

    @rule(who=st.integers(0, 1), name=NAMES)
    def delete(self, who, name):
        client, h = self.writers[who]
        status = client.RpcAsyncDeleteJobNamedProperty(h, self.job, name).status
        if name.lower() in self.model:
            assert status == 0
            del self.model[name.lower()]
        else:
            assert status == E.ERROR_NOT_FOUND

    @rule(name=NAMES)
    def get(self, name):
        client, h = self.reader
        r = client.RpcAsyncGetJobNamedPropertyValue(h, self.job, name)
        if name.lower() in self.model:
            assert (r.status, r.pValue) == (0, self.model[name.lower()][1])
        else:
            assert r.status == E.ERROR_NOT_FOUND

    @precondition(lambda self: len(self.model) > 0)
    @rule()
    def delete_all(self):
        client, h = self.writers[0]
        for first, _ in list(self.model.values()):
            assert client.RpcAsyncDeleteJobNamedProperty(h, self.job, first.upper()).status == 0
        self.model.clear()

    @invariant()
    def enum_matches_the_model(self):
        client, h = self.reader
        r = client.RpcAsyncEnumJobNamedProperties(h, self.job)
        assert r.status == 0
        assert r.pcProperties == len(self.model)
        assert r.ppProperties == tuple(prop(n, v) for n, v in self.model.values())


TestJobPropertiesMachine = JobPropertiesMachine.TestCase
