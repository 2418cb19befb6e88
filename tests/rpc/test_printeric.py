"""Opnums 35-37: printer information contexts (create, font query, delete)."""

from __future__ import annotations

import struct

import pytest

from spoolsim.model.constants import Access, Win32
from spoolsim.rpc import Container, HandleKind, printeric
from tests.rpc.estate import printer_container

E = Win32


def devmode(size: int = 220, extra: int = 0, *, total: int | None = None) -> bytes:
    """A _DEVMODE: name, dmSpecVersion 0x0401, dmSize and dmDriverExtra, zeros elsewhere."""
    head = "P1".encode("utf-16-le").ljust(64, b"\0")
    head += struct.pack("<HHHHI", 0x0401, 0, size, extra, 0)
    return head.ljust(size + extra if total is None else total, b"\0")


def dm_container(dm: bytes | None, cb: int | None = None) -> Container:
    info = {"pDevMode": dm} if cb is None else {"pDevMode": dm, "cbBuf": cb}
    return Container(0, info)


def create_ic(estate, client=None, name: str = "P1"):
    client = client or estate.alice
    h = estate.open(client, name)
    r = client.RpcAsyncCreatePrinterIC(h, None)
    assert r.status == 0, r
    return h, r.pHandle


def ic_states(estate):
    return [s for s in estate.surface.open_handles() if s.kind is HandleKind.IC]


# -- RpcAsyncCreatePrinterIC -----------------------------------------------------------------------


def test_create_ic_gives_a_new_context_bound_to_the_printer(estate):
    h, ic = create_ic(estate)
    assert isinstance(ic, bytes) and len(ic) == 20 and ic != h
    (state,) = ic_states(estate)
    assert state is estate.surface.lookup(ic, estate.alice.session)
    assert state.printer is estate.server.printer("P1")
    assert state.session == estate.alice.session.id and state.granted == 0
    # the printer handle is untouched and still a printer handle
    assert estate.alice.RpcAsyncGetPrinter(h, 2, 4096).status in (0, E.ERROR_INSUFFICIENT_BUFFER)
    _, ic2 = create_ic(estate)
    assert ic2 != ic and len(ic_states(estate)) == 2


def test_create_ic_takes_only_a_printer_handle(estate):
    a = estate.admin
    job = estate.print_job(estate.alice)
    others = [
        a.RpcAsyncOpenPrinter(None, None, None, 0).pHandle,
        a.RpcAsyncOpenPrinter(f"P1, Job {job}", None, None, 0).pHandle,
        a.RpcAsyncOpenPrinter("LPT1:, Port", None, None, 0).pHandle,
        a.RpcAsyncOpenPrinter(",XcvMonitor Local Port", None, None, 0).pHandle,
        b"junk",
        None,
    ]
    for h in others:
        assert a.RpcAsyncCreatePrinterIC(h, None).status == E.ERROR_INVALID_HANDLE, h
    _, ic = create_ic(estate, a)
    assert a.RpcAsyncCreatePrinterIC(ic, None).status == E.ERROR_INVALID_HANDLE
    closed = estate.open(a)
    a.RpcAsyncClosePrinter(closed)
    assert a.RpcAsyncCreatePrinterIC(closed, None).status == E.ERROR_INVALID_HANDLE
    alices = estate.open(estate.alice)
    assert a.RpcAsyncCreatePrinterIC(alices, None).status == E.ERROR_INVALID_HANDLE
    assert len(ic_states(estate)) == 1  # only the one made above


def test_create_ic_checks_no_access_beyond_the_handle(estate):
    r = estate.alice.RpcAsyncOpenPrinter("P1", None, None, Access.READ_CONTROL)
    assert r.status == 0
    state = estate.surface.lookup(r.pHandle, estate.alice.session)
    assert not state.granted & (Access.PRINTER_ACCESS_USE | Access.PRINTER_ACCESS_ADMINISTER)
    assert estate.alice.RpcAsyncCreatePrinterIC(r.pHandle, None).status == 0


@pytest.mark.parametrize(
    "container",
    [
        None,
        Container(0, None),
        dm_container(None),
        dm_container(devmode()),
        dm_container(devmode(220, 64)),
        dm_container(devmode(76)),  # truncated public part: through dmFields
        dm_container(devmode(220, total=300)),  # room to spare after the DEVMODE
        dm_container(devmode(), 220),
    ],
)
def test_create_ic_accepts_a_valid_or_absent_devmode(estate, container):
    h = estate.open(estate.alice)
    assert estate.alice.RpcAsyncCreatePrinterIC(h, container).status == 0


@pytest.mark.parametrize(
    "container",
    [
        dm_container(devmode()[:75]),  # cannot even hold dmFields
        dm_container(devmode(75)),  # dmSize shorter than the public part's minimum
        dm_container(devmode(220, total=200)),  # dmSize runs past cbBuf
        dm_container(devmode(220, 64, total=250)),  # dmDriverExtra runs past cbBuf
        dm_container(devmode(), 219),  # cbBuf disagrees with the buffer
        dm_container(devmode(), 221),
        dm_container("not bytes"),
    ],
)
def test_create_ic_refuses_a_malformed_devmode_and_creates_nothing(estate, container):
    h = estate.open(estate.alice)
    before = len(estate.surface.open_handles())
    r = estate.alice.RpcAsyncCreatePrinterIC(h, container)
    assert r.status == E.ERROR_INVALID_PARAMETER
    assert "pHandle" not in r.out
    assert len(estate.surface.open_handles()) == before


def test_devmode_from_cuts_the_declared_size():
    assert printeric.devmode_from(dm_container(devmode(220, 8, total=300))) == devmode(220, 8)
    assert printeric.devmode_from(None) is None


# -- RpcAsyncPlayGdiScriptOnPrinterIC --------------------------------------------------------------


def test_font_query_reports_no_device_fonts(estate):
    _, ic = create_ic(estate)
    r = estate.alice.RpcAsyncPlayGdiScriptOnPrinterIC(ic, None, 0, 4, 0)
    assert r.status == 0 and r.pOut == b"\0\0\0\0"
    r = estate.alice.RpcAsyncPlayGdiScriptOnPrinterIC(ic, None, 0, 16, 0)
    assert r.status == 0 and len(r.pOut) == 16
    assert struct.unpack_from("<I", r.pOut)[0] == 0 and r.pOut == bytes(16)


def test_font_query_ignores_pIn_cIn_and_ul(estate):
    _, ic = create_ic(estate)
    plain = estate.alice.RpcAsyncPlayGdiScriptOnPrinterIC(ic, None, 0, 8, 0)
    odd = estate.alice.RpcAsyncPlayGdiScriptOnPrinterIC(ic, b"\x01\x02\x03", 99, 8, 0xDEAD)
    assert plain.status == odd.status == 0
    assert plain.pOut == odd.pOut == bytes(8)


@pytest.mark.parametrize("cOut", [0, 1, 2, 3])
def test_font_query_needs_room_for_the_count(estate, cOut):
    _, ic = create_ic(estate)
    r = estate.alice.RpcAsyncPlayGdiScriptOnPrinterIC(ic, None, 0, cOut, 0)
    assert r.status == E.ERROR_NOT_ENOUGH_MEMORY
    assert "pOut" not in r.out


@pytest.mark.parametrize("cOut", [-1, None, 2**32])
def test_font_query_cout_is_a_dword(estate, cOut):
    _, ic = create_ic(estate)
    r = estate.alice.RpcAsyncPlayGdiScriptOnPrinterIC(ic, None, 0, cOut, 0)
    assert r.status == E.ERROR_INVALID_PARAMETER


def test_font_query_writes_universal_font_ids_when_the_device_has_fonts(estate, monkeypatch):
    """The structure for a device with resident fonts: count first, then Checksum/Index pairs."""
    fonts = [(0, 7), (0, 0x1234)]
    monkeypatch.setattr(printeric, "device_fonts", lambda printer: fonts)
    _, ic = create_ic(estate)
    call = estate.alice.RpcAsyncPlayGdiScriptOnPrinterIC
    first = call(ic, None, 0, 4, 0)  # the first of the two calls: how many fonts
    assert first.status == 0 and first.pOut == struct.pack("<I", 2)
    for short in (5, 12, 19):  # above 4 but not 4 + 8 * 2
        assert call(ic, None, 0, short, 0).status == E.ERROR_NOT_ENOUGH_MEMORY
    exact = call(ic, None, 0, 20, 0)
    assert exact.status == 0
    assert exact.pOut == struct.pack("<IIIII", 2, 0, 7, 0, 0x1234)
    roomy = call(ic, None, 0, 28, 0)
    assert roomy.status == 0 and roomy.pOut == exact.pOut + bytes(8)


def test_font_query_takes_only_an_ic_of_this_session(estate):
    h, ic = create_ic(estate)
    a = estate.alice
    for bad in (h, b"junk", None, a.RpcAsyncOpenPrinter(None, None, None, 0).pHandle):
        assert a.RpcAsyncPlayGdiScriptOnPrinterIC(bad, None, 0, 4, 0).status == (
            E.ERROR_INVALID_HANDLE
        )
    assert estate.bob.RpcAsyncPlayGdiScriptOnPrinterIC(ic, None, 0, 4, 0).status == (
        E.ERROR_INVALID_HANDLE
    )


def test_an_ic_outlives_the_printer_handle_that_made_it(estate):
    h, ic = create_ic(estate)
    assert estate.alice.RpcAsyncClosePrinter(h).status == 0
    r = estate.alice.RpcAsyncPlayGdiScriptOnPrinterIC(ic, None, 0, 4, 0)
    assert r.status == 0 and r.pOut == bytes(4)


def test_an_ic_of_a_deleted_printer(estate):
    a = estate.admin
    _, ic = create_ic(estate, a)
    h = estate.open(a, access=Access.PRINTER_ALL_ACCESS)
    assert a.RpcAsyncDeletePrinter(h).status == 0
    assert a.RpcAsyncPlayGdiScriptOnPrinterIC(ic, None, 0, 4, 0).status == E.ERROR_PRINTER_DELETED
    assert a.RpcAsyncDeletePrinterIC(ic).status == 0
    assert ic_states(estate) == []


# -- RpcAsyncDeletePrinterIC -----------------------------------------------------------------------


def test_delete_ic_frees_the_context_once(estate):
    h, ic = create_ic(estate)
    a = estate.alice
    r = a.RpcAsyncDeletePrinterIC(ic)
    assert r.status == 0 and r.phPrinterIC is None
    assert ic_states(estate) == []
    assert a.RpcAsyncPlayGdiScriptOnPrinterIC(ic, None, 0, 4, 0).status == E.ERROR_INVALID_HANDLE
    assert a.RpcAsyncDeletePrinterIC(ic).status == E.ERROR_INVALID_HANDLE
    assert a.RpcAsyncClosePrinter(ic).status == E.ERROR_INVALID_HANDLE
    # the printer handle it came from is untouched
    assert estate.surface.lookup(h, a.session).kind is HandleKind.PRINTER


def test_delete_ic_refuses_other_handles_and_sessions(estate):
    h, ic = create_ic(estate)
    a = estate.alice
    server = a.RpcAsyncOpenPrinter(None, None, None, 0).pHandle
    for bad in (h, server, b"junk", None):
        assert a.RpcAsyncDeletePrinterIC(bad).status == E.ERROR_INVALID_HANDLE
    assert estate.surface.lookup(h, a.session) is not None  # refused, so not closed
    assert estate.surface.lookup(server, a.session) is not None
    assert estate.bob.RpcAsyncDeletePrinterIC(ic).status == E.ERROR_INVALID_HANDLE
    assert a.RpcAsyncPlayGdiScriptOnPrinterIC(ic, None, 0, 4, 0).status == 0


def test_delete_ic_changes_nothing_else(estate):
    _, ic = create_ic(estate)
    estate.admin.RpcAsyncAddPrinter(None, printer_container("P2"), None, None)
    printers = dict(estate.server.printers)
    jobs = dict(estate.server.jobs)
    assert estate.alice.RpcAsyncDeletePrinterIC(ic).status == 0
    assert estate.server.printers == printers and estate.server.jobs == jobs


def test_an_ic_is_not_a_printer_handle_for_closeprinter(estate):
    """A GDI_HANDLE is its own context-handle type: only DeletePrinterIC frees it."""
    _, ic = create_ic(estate)
    assert estate.alice.RpcAsyncClosePrinter(ic).status == E.ERROR_INVALID_HANDLE
    assert len(ic_states(estate)) == 1
    assert estate.alice.RpcAsyncDeletePrinterIC(ic).status == 0


def test_ic_calls_are_logged_by_spec_name(estate):
    _, ic = create_ic(estate)
    estate.alice.RpcAsyncPlayGdiScriptOnPrinterIC(ic, None, 0, 2, 0)
    estate.alice.RpcAsyncDeletePrinterIC(ic)
    calls = [(e.subject, e.get("status")) for e in estate.server.log if e.kind == "rpc.call"]
    assert calls[-3:] == [
        ("RpcAsyncCreatePrinterIC", 0),
        ("RpcAsyncPlayGdiScriptOnPrinterIC", E.ERROR_NOT_ENOUGH_MEMORY),
        ("RpcAsyncDeletePrinterIC", 0),
    ]
