"""RpcAsyncSendRecvBidiData answers from what the port monitor learned from the device."""

from __future__ import annotations

import pytest
import trio

from devices.faults import Fault
from spoolsim.model import Win32
from spoolsim.model.constants import PrinterControl
from spoolsim.rpc import Container
from spoolsim.rpc.bidi import BIDI_INT, BIDI_STRING, BidiRequest
from spoolsim.runtime import RuntimeConfig, open_spooler
from tests.runtime.rig import ADMIN, ALICE, Rig, configs, pages, submit

STATE = "\\Printer.Status.Summary:State"
REASON = "\\Printer.Status.Summary:StateReason"
TONER = "\\Printer.Consumables.Toner:Level"


def _ask(client, action: str, *schemas: str):
    h = client.RpcAsyncOpenPrinter("P1", None, None, 8).pHandle
    requests = [BidiRequest(i, schema) for i, schema in enumerate(schemas)]
    reply = client.RpcAsyncSendRecvBidiData(h, action, requests)
    client.RpcAsyncClosePrinter(h)
    return reply


def _answers(reply) -> dict[str, tuple[int, int, object]]:
    return {r.pSchema: (r.dwResult, r.dwBidiType, r.value) for r in reply.ppRespData["aData"]}


@pytest.mark.parametrize("config", configs(), ids=lambda c: c.transport)
async def test_summary_follows_the_device_through_a_jam(autojump_clock, config: RuntimeConfig):
    rig = Rig()
    rig.device("laser1", faults=(Fault("jam", at_page=2, clear_after=60.0),))
    rig.laser()
    async with open_spooler(rig.server, network=rig.network, config=config) as sp:
        client = sp.client(ALICE)
        assert _ask(client, "Get", STATE).status == Win32.ERROR_BIDI_DEVICE_OFFLINE
        submit(client, "P1", pages(3))
        await trio.sleep(10)
        processing = _answers(_ask(client, "Get", STATE, REASON, TONER))
        assert processing[STATE] == (0, BIDI_STRING, "Processing")
        assert processing[REASON] == (0, BIDI_STRING, "None")
        assert processing[TONER] == (0, BIDI_INT, 100)
        await trio.sleep(10)  # page 2 jams at about 15.9 s
        stopped = _answers(_ask(client, "GetAll", "\\Printer.Status.Summary"))
        assert stopped == {
            STATE: (0, BIDI_STRING, "Stopped"),
            REASON: (0, BIDI_STRING, "MediaJam"),
        }
        await trio.sleep(200)
        idle = _answers(_ask(client, "Get", STATE))
        assert idle[STATE] == (0, BIDI_STRING, "Idle")


async def test_consumables_paused_and_errors(autojump_clock) -> None:
    rig = Rig()
    rig.laser()
    async with open_spooler(rig.server, network=rig.network) as sp:
        client = sp.client(ALICE)
        submit(client, "P1", pages(1))
        await trio.sleep(60)
        levels = _answers(_ask(client, "Enum", "\\Printer.Consumables"))
        assert levels == {  # read back after the job: one page of a 3000-page cartridge used
            TONER: (0, BIDI_INT, 99),
            "\\Printer.Consumables.Tray1:Level": (0, BIDI_INT, 99),  # one sheet of 100 used
            "\\Printer.Consumables.Tray2:Level": (0, BIDI_INT, 100),
        }
        unknown = _answers(_ask(client, "Get", "\\Printer.Nope:Thing"))
        assert unknown == {"\\Printer.Nope:Thing": (Win32.ERROR_BIDI_SCHEMA_NOT_SUPPORTED, 0, None)}
        read_only = _answers(_ask(client, "Set", STATE))
        assert read_only[STATE][0] == Win32.ERROR_BIDI_SCHEMA_READ_ONLY
        assert _ask(client, "Fetch", STATE).status == Win32.ERROR_INVALID_PARAMETER
        admin = sp.client(ADMIN)
        h = admin.RpcAsyncOpenPrinter("P1", None, None, 0x0C).pHandle
        admin.RpcAsyncSetPrinter(h, Container(0), None, None, PrinterControl.PAUSE)
        paused = _answers(_ask(client, "Get", STATE, REASON))
        assert paused == {STATE: (0, BIDI_STRING, "Stopped"), REASON: (0, BIDI_STRING, "Paused")}


async def test_ports_without_bidi_say_not_supported(autojump_clock) -> None:
    rig = Rig()
    rig.printer("P1", "LPT1:")
    async with open_spooler(rig.server, network=rig.network) as sp:
        assert _ask(sp.client(ALICE), "Get", STATE).status == Win32.ERROR_NOT_SUPPORTED
