"""What a network front end needs from the surface: a server that answers to its other names,
and the rundown of an association's handles when its connection ends."""

from __future__ import annotations

from spoolsim.model.constants import Access, JobStatus, Win32
from spoolsim.rpc import Client, Container
from spoolsim.rpc.notify import notify_filter
from spoolsim.rpc.notifyfields import Change
from tests.rpc.estate import Estate


def test_a_server_answers_to_its_aliases_in_printer_and_server_names(estate: Estate) -> None:
    alice = estate.alice
    unknown = alice.RpcAsyncOpenPrinter("\\\\10.1.2.3\\P1", None, None, Access.PRINTER_ACCESS_USE)
    assert unknown.status == Win32.ERROR_INVALID_PRINTER_NAME
    assert alice.RpcAsyncEnumPrinters(0x8, "\\\\10.1.2.3", 1, 0).status == Win32.ERROR_INVALID_NAME
    estate.server.aliases.add("10.1.2.3")
    opened = alice.RpcAsyncOpenPrinter("\\\\10.1.2.3\\P1", None, None, Access.PRINTER_ACCESS_USE)
    assert opened.status == 0
    listed = alice.RpcAsyncEnumPrinters(0x8, "\\\\10.1.2.3", 1, 0)
    assert listed.status == Win32.ERROR_INSUFFICIENT_BUFFER and listed.pcbNeeded > 0
    assert estate.server.answers_to("spoolsim") and not estate.server.answers_to("10.1.2.4")


def test_rundown_closes_every_handle_of_the_session_and_ends_its_open_document(
    estate: Estate,
) -> None:
    client = Client(estate.surface, estate.alice.principal)
    printer = estate.open(client)
    server = client.RpcAsyncOpenPrinter(None, None, None, Access.SERVER_ACCESS_ENUMERATE).pHandle
    job = client.RpcAsyncStartDocPrinter(printer, Container(1, {"pDocName": "cut off"})).pJobId
    assert client.RpcAsyncWritePrinter(printer, b"half a page", 11).status == 0
    flt = notify_filter(Change.ADD_JOB)
    notify = client.RpcSyncRegisterForRemoteNotifications(server, flt).phRpcHandle
    ic = client.RpcAsyncCreatePrinterIC(printer, None).pHandle
    other = estate.open(estate.bob)

    assert estate.surface.rundown(client.session) == 4
    assert estate.surface.open_handles(client.session) == []
    assert estate.surface.notifier.get(notify, client.session.id) is None
    assert not estate.server.jobs[job].status & JobStatus.SPOOLING  # ended as by EndDoc
    assert estate.server.jobs[job].size == 11
    assert estate.surface.lookup(other, estate.bob.session) is not None  # others keep theirs
    assert client.RpcAsyncClosePrinter(printer).status == Win32.ERROR_INVALID_HANDLE
    assert estate.surface.lookup(ic, client.session) is None
