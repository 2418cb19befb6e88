"""The public surface: every exported name exists once, and the methods match the spec's table."""

from __future__ import annotations

import importlib
import pathlib
import re

import pytest

import spoolsim.rpc
from spoolsim.model.constants import Win32
from spoolsim.rpc import BY_NAME, METHODS

PACKAGES = [
    "spoolsim.model",
    "spoolsim.rpc",
    "spoolsim.wire",
    "spoolsim.runtime",
    "spoolsim.net",
    "spoolsim.metrics",
    "spoolsim.scenario",
]
FACTS = pathlib.Path(__file__).resolve().parents[2] / "shared/reference/print-protocol-facts.md"


@pytest.mark.parametrize("name", PACKAGES)
def test_exports_exist_once(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", [])
    assert len(exported) == len(set(exported)), f"{name}.__all__ repeats a name"
    for attr in exported:
        assert hasattr(module, attr), f"{name}.__all__ names missing {attr}"


def _spec_table() -> dict[int, str]:
    if not FACTS.exists():
        pytest.skip(f"{FACTS} is not beside the checkout")
    table = {}
    for line in FACTS.read_text().splitlines():
        m = re.match(r"\| (\d+) \| (Rpc(?:Async|Sync)\w+) \| (DWORD|HRESULT) \|", line)
        if m and int(m[1]) <= 74:
            table[int(m[1])] = m[2]
    assert len(table) == 75
    return table


def test_registered_methods_carry_the_spec_names_and_opnums() -> None:
    spec = _spec_table()
    assert METHODS, "no methods registered"
    for opnum, method in METHODS.items():
        assert spec[opnum] == method.name, f"opnum {opnum}"
        assert BY_NAME[method.name] is method


def test_foundation_method_set_is_dispatched() -> None:
    """Printer management, jobs, job printing, printer data, forms, drivers, ports, monitors and
    print processors: opnums 0-32 and 38-54."""
    assert set(range(0, 33)) | set(range(38, 55)) <= set(METHODS)


def test_unknown_opnum_is_a_return_value_not_an_exception() -> None:
    from spoolsim.model import PrintServer
    from spoolsim.model.security import user

    client = spoolsim.rpc.Client(spoolsim.rpc.Surface(PrintServer()), user("u"))
    assert client.call(200).status == 1745  # RPC_S_PROCNUM_OUT_OF_RANGE
    assert client.call("RpcAsyncScheduleJob", b"", 1).status == Win32.ERROR_SPL_NO_ADDJOB
    with pytest.raises(AttributeError):
        client.RpcNoSuchMethod  # noqa: B018
