"""The coverage table: every MS-PAR opnum from 0 to 74 is dispatched, by its spec name, to a real
implementation that answers bad input with a protocol code, is exercised by the tests, and is
listed in the README."""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

import pytest

from spoolsim.model.security import admin
from spoolsim.rpc import BY_NAME, METHODS, Client, Container
from spoolsim.rpc.core import RPC_S_PROCNUM_OUT_OF_RANGE

ROOT = Path(__file__).resolve().parents[2]

# MS-PAR section 3.1.4 (the fact sheet's section 2): opnum -> method.
SPEC = {
    0: "RpcAsyncOpenPrinter",
    1: "RpcAsyncAddPrinter",
    2: "RpcAsyncSetJob",
    3: "RpcAsyncGetJob",
    4: "RpcAsyncEnumJobs",
    5: "RpcAsyncAddJob",
    6: "RpcAsyncScheduleJob",
    7: "RpcAsyncDeletePrinter",
    8: "RpcAsyncSetPrinter",
    9: "RpcAsyncGetPrinter",
    10: "RpcAsyncStartDocPrinter",
    11: "RpcAsyncStartPagePrinter",
    12: "RpcAsyncWritePrinter",
    13: "RpcAsyncEndPagePrinter",
    14: "RpcAsyncEndDocPrinter",
    15: "RpcAsyncAbortPrinter",
    16: "RpcAsyncGetPrinterData",
    17: "RpcAsyncGetPrinterDataEx",
    18: "RpcAsyncSetPrinterData",
    19: "RpcAsyncSetPrinterDataEx",
    20: "RpcAsyncClosePrinter",
    21: "RpcAsyncAddForm",
    22: "RpcAsyncDeleteForm",
    23: "RpcAsyncGetForm",
    24: "RpcAsyncSetForm",
    25: "RpcAsyncEnumForms",
    26: "RpcAsyncGetPrinterDriver",
    27: "RpcAsyncEnumPrinterData",
    28: "RpcAsyncEnumPrinterDataEx",
    29: "RpcAsyncEnumPrinterKey",
    30: "RpcAsyncDeletePrinterData",
    31: "RpcAsyncDeletePrinterDataEx",
    32: "RpcAsyncDeletePrinterKey",
    33: "RpcAsyncXcvData",
    34: "RpcAsyncSendRecvBidiData",
    35: "RpcAsyncCreatePrinterIC",
    36: "RpcAsyncPlayGdiScriptOnPrinterIC",
    37: "RpcAsyncDeletePrinterIC",
    38: "RpcAsyncEnumPrinters",
    39: "RpcAsyncAddPrinterDriver",
    40: "RpcAsyncEnumPrinterDrivers",
    41: "RpcAsyncGetPrinterDriverDirectory",
    42: "RpcAsyncDeletePrinterDriver",
    43: "RpcAsyncDeletePrinterDriverEx",
    44: "RpcAsyncAddPrintProcessor",
    45: "RpcAsyncEnumPrintProcessors",
    46: "RpcAsyncGetPrintProcessorDirectory",
    47: "RpcAsyncEnumPorts",
    48: "RpcAsyncEnumMonitors",
    49: "RpcAsyncAddPort",
    50: "RpcAsyncSetPort",
    51: "RpcAsyncAddMonitor",
    52: "RpcAsyncDeleteMonitor",
    53: "RpcAsyncDeletePrintProcessor",
    54: "RpcAsyncEnumPrintProcessorDatatypes",
    55: "RpcAsyncAddPerMachineConnection",
    56: "RpcAsyncDeletePerMachineConnection",
    57: "RpcAsyncEnumPerMachineConnections",
    58: "RpcSyncRegisterForRemoteNotifications",
    59: "RpcSyncUnRegisterForRemoteNotifications",
    60: "RpcSyncRefreshRemoteNotifications",
    61: "RpcAsyncGetRemoteNotifications",
    62: "RpcAsyncInstallPrinterDriverFromPackage",
    63: "RpcAsyncUploadPrinterDriverPackage",
    64: "RpcAsyncGetCorePrinterDrivers",
    65: "RpcAsyncCorePrinterDriverInstalled",
    66: "RpcAsyncGetPrinterDriverPackagePath",
    67: "RpcAsyncDeletePrinterDriverPackage",
    68: "RpcAsyncReadPrinter",
    69: "RpcAsyncResetPrinter",
    70: "RpcAsyncGetJobNamedPropertyValue",
    71: "RpcAsyncSetJobNamedProperty",
    72: "RpcAsyncDeleteJobNamedProperty",
    73: "RpcAsyncEnumJobNamedProperties",
    74: "RpcAsyncLogJobInfoForBranchOffice",
}
HRESULT_OPNUMS = frozenset(range(58, 68))  # the only MS-PAR methods returning HRESULT
# Codes a placeholder would answer with; no implemented method answers junk with them.
PLACEHOLDER_CODES = {
    RPC_S_PROCNUM_OUT_OF_RANGE,
    120,
    50,
}  # ..., CALL_NOT_IMPLEMENTED, NOT_SUPPORTED


def test_every_opnum_is_dispatched_by_its_spec_name():
    assert sorted(METHODS) == list(range(75))
    for opnum, name in SPEC.items():
        spec = METHODS[opnum]
        assert (spec.name, spec.opnum, BY_NAME[name].opnum) == (name, opnum, opnum)
        assert spec.hresult == (opnum in HRESULT_OPNUMS), name


@pytest.mark.parametrize("opnum", sorted(SPEC))
def test_no_method_is_a_placeholder(opnum):
    func = METHODS[opnum].func
    (node,) = ast.parse(textwrap.dedent(inspect.getsource(func))).body
    body = [
        s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
    ]
    assert body, f"{func.__name__} has no body"
    assert not all(isinstance(s, ast.Pass) for s in body), func.__name__
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name | ast.Attribute):
            name = sub.id if isinstance(sub, ast.Name) else sub.attr
            assert name != "NotImplementedError", func.__name__


def _junk(annotation: str) -> object:
    """A wrong but well-typed argument: a stale handle, an unknown name, a silly number."""
    if "bytes" in annotation:
        return b"\0\0\0\0" + (999).to_bytes(8, "big") + b"SPLSIM\0\0"
    if "Container" in annotation:
        return Container(99, {})
    if "str" in annotation:
        return "\\\\NOSUCH\\nothing"
    if "int" in annotation:
        return 0xFFFFFFFF
    return None


@pytest.mark.parametrize("opnum", sorted(SPEC))
def test_every_method_answers_junk_with_a_protocol_code(estate, opnum):
    func = METHODS[opnum].func
    params = list(inspect.signature(func).parameters.values())[1:]  # after ``call``
    args = [_junk(str(p.annotation)) for p in params if p.default is inspect.Parameter.empty]
    client = Client(estate.surface, admin("root"))
    before = len(estate.server.jobs), len(estate.server.printers), len(estate.server.ports)
    reply = client.call(opnum, *args)
    assert isinstance(reply.status, int) and reply.status != 0, (SPEC[opnum], reply)
    assert reply.status not in PLACEHOLDER_CODES, (SPEC[opnum], reply)
    after = len(estate.server.jobs), len(estate.server.printers), len(estate.server.ports)
    assert before == after


def test_every_method_is_called_in_some_test():
    text = "".join(
        path.read_text()
        for path in (ROOT / "tests").rglob("test_*.py")
        if path.name != Path(__file__).name
    )
    untested = [
        name for opnum, name in SPEC.items() if name not in text and f".call({opnum}," not in text
    ]
    assert untested == []


def test_readme_lists_every_method_with_its_opnum():
    readme = (ROOT / "README.md").read_text()
    missing = [name for opnum, name in SPEC.items() if f"| {opnum} | `{name}` |" not in readme]
    assert missing == []
