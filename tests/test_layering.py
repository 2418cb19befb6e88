"""The import rules of shared/design/architecture.md, checked on the source."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
# Rank of each layer: a module may import only from layers of lower or equal rank, and model and
# wire (both rank 0) not from each other.
RANKS = {
    "model": 0,
    "wire": 0,
    "rpc": 1,
    "runtime": 2,
    "net": 3,
    "scenario": 4,
    "metrics": 4,
    "cli": 5,
}
TRIO_ALLOWED = {"runtime", "net", "cli", "scenario.runner", "scenario.serve"}
IO_MODULES = {"trio", "socket", "asyncio", "prometheus_client", "selectors"}


def _sources(package: str) -> list[pathlib.Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: pathlib.Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def violations(path: pathlib.Path, root: pathlib.Path = ROOT / "spoolsim") -> list[str]:
    """What the import rules find wrong in one module of the spoolsim package."""
    parts = path.relative_to(root).with_suffix("").parts
    if parts == ("__init__",):
        return []
    layer, module = parts[0], ".".join(parts)
    if layer not in RANKS:
        return [f"{layer}/ is not a layer of the architecture"]
    found = []
    for name in _imports(path):
        top = name.split(".")[0]
        if top in IO_MODULES and (
            layer in ("model", "wire", "rpc")
            or (top == "trio" and not any(module.startswith(m) for m in TRIO_ALLOWED))
        ):
            found.append(f"{name} in {layer}/")
        if top == "devices" and RANKS[layer] < RANKS["runtime"]:
            found.append(f"{name} in {layer}/ (only the runtime and above reach devices)")
        if top != "spoolsim" or name == "spoolsim":
            continue
        target = name.split(".")[1]
        if target not in RANKS:
            found.append(f"{name}: unknown layer")
        elif RANKS[target] > RANKS[layer]:
            found.append(f"{layer}/ imports {name} (upwards)")
        elif layer in ("model", "wire") and target != layer and RANKS[target] == 0:
            found.append(f"{layer}/ imports {name} (model and wire stay apart)")
    return found


@pytest.mark.parametrize("path", _sources("spoolsim"), ids=lambda p: str(p.relative_to(ROOT)))
def test_spoolsim_imports_point_downwards(path: pathlib.Path) -> None:
    assert violations(path) == []


@pytest.mark.parametrize("path", _sources("devices"), ids=lambda p: str(p.relative_to(ROOT)))
def test_devices_reach_only_the_wire_layer(path: pathlib.Path) -> None:
    for name in _imports(path):
        if name.startswith("spoolsim"):
            assert name.startswith("spoolsim.wire"), f"{path}: devices/ imports {name}"


def test_the_rules_catch_violations(tmp_path: pathlib.Path) -> None:
    (tmp_path / "model").mkdir()
    bad = tmp_path / "model" / "bad.py"
    bad.write_text(
        "import trio\nfrom spoolsim.rpc import core\nfrom spoolsim.wire import info\n"
        "from devices.engine import PrintEngine\n"
    )
    assert sorted(violations(bad, tmp_path)) == [
        "devices.engine in model/ (only the runtime and above reach devices)",
        "model/ imports spoolsim.rpc (upwards)",
        "model/ imports spoolsim.wire (model and wire stay apart)",
        "trio in model/",
    ]
    (tmp_path / "rpc").mkdir()
    fine = tmp_path / "rpc" / "ok.py"
    fine.write_text("import struct\nfrom spoolsim.model import server\n")
    assert violations(fine, tmp_path) == []
    (tmp_path / "runtime").mkdir()
    runtime = tmp_path / "runtime" / "ok.py"
    runtime.write_text("import trio\nfrom devices.printer import VirtualPrinter\n")
    assert violations(runtime, tmp_path) == []
