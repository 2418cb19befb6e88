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
TRIO_ALLOWED = {"runtime", "net", "cli", "scenario.runner"}
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


def _layer(path: pathlib.Path) -> str | None:
    rel = path.relative_to(ROOT / "spoolsim").with_suffix("")
    parts = rel.parts
    if parts == ("__init__",):
        return None
    return parts[0]


@pytest.mark.parametrize("path", _sources("spoolsim"), ids=lambda p: str(p.relative_to(ROOT)))
def test_spoolsim_imports_point_downwards(path: pathlib.Path) -> None:
    layer = _layer(path)
    if layer is None:
        return
    assert layer in RANKS, f"{path}: unknown layer {layer!r}; add it to the architecture first"
    module = ".".join(path.relative_to(ROOT / "spoolsim").with_suffix("").parts)
    for name in _imports(path):
        top = name.split(".")[0]
        if top in IO_MODULES:
            assert top != "trio" or any(module.startswith(m) for m in TRIO_ALLOWED), (
                f"{path}: {name} is not allowed in {layer}/"
            )
            assert layer not in ("model", "wire", "rpc"), f"{path}: {name} in the pure layers"
        if top != "spoolsim" or name == "spoolsim":
            continue
        target = name.split(".")[1]
        assert target in RANKS, f"{path}: imports unknown layer {name}"
        assert RANKS[target] <= RANKS[layer], f"{path}: {layer}/ imports {name} (upwards)"
        if layer in ("model", "wire") and target != layer:
            assert RANKS[target] != 0, f"{path}: {layer}/ imports {name}"


@pytest.mark.parametrize("path", _sources("devices"), ids=lambda p: str(p.relative_to(ROOT)))
def test_devices_reach_only_the_wire_layer(path: pathlib.Path) -> None:
    for name in _imports(path):
        if name.startswith("spoolsim"):
            assert name.startswith("spoolsim.wire"), f"{path}: devices/ imports {name}"


def test_the_rules_catch_a_violation(tmp_path: pathlib.Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import trio\nfrom spoolsim.rpc import core\n")
    assert _imports(bad) == {"trio", "spoolsim.rpc"}
