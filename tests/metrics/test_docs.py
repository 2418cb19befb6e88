"""The monitoring docs cannot drift: the README's one table of metrics, the Grafana dashboard and
the scrape config are checked against what the registry exposes."""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess

import pytest

from spoolsim.metrics import SimMetrics
from spoolsim.model import Printer, PrinterAttributes, PrintServer
from spoolsim.model.browsedomain import BrowseDomain
from tests.metrics import estate

MONITORING = pathlib.Path(__file__).resolve().parents[2] / "scenarios" / "monitoring"
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
    "unless", "offset", "sum", "avg", "min", "max", "count", "rate", "irate", "increase",
    "deriv", "scalar", "histogram_quantile", "le", "printer", "port", "status", "supply",
}  # fmt: skip


def exposed() -> dict[str, tuple[str, str, frozenset[str]]]:
    """{family: (type, help, label names)} from the exposition of a busy estate."""
    metrics = SimMetrics()
    estate.busy(metrics)
    _browse(metrics)
    families: dict[str, list] = {}
    family = ""
    for line in metrics.exposition().decode().splitlines():
        if line.startswith("# HELP "):
            family, help_text = line[7:].split(" ", 1)
            families[family] = ["", help_text, set(), 0]
        elif line.startswith("# TYPE "):
            families[family][0] = line.split()[3]
        else:
            families[family][2].update(re.findall(r'(\w+)="', line))
            families[family][3] += 1
    assert all(entry[3] for entry in families.values()), "give every family a sample"
    return {
        name: (kind, help_text, frozenset(labels - {"le"}))
        for name, (kind, help_text, labels, _) in families.items()
    }


def _browse(metrics: SimMetrics) -> None:
    """Two print servers browsing for two hours, one crashing: every browse series has data."""
    domain = BrowseDomain()
    hosts = []
    for name in ("PS1", "PS2"):
        server = PrintServer(name=name)
        shared = PrinterAttributes.SHARED | PrinterAttributes.QUEUED
        server.printers["lj"] = Printer("LJ", ["LPT1:"], "drv", attributes=shared)
        hosts.append(domain.add_host(server))
    metrics.attach_browsing(domain)
    for host in hosts:
        domain.start(host, 0.0)

    def until(end: float) -> None:
        while domain.next_due() <= end:
            domain.run_due(domain.next_due())

    until(100.0)
    domain.stop(hosts[1], 100.0)
    until(7200.0)


def documented() -> dict[str, tuple[str, str, frozenset[str]]]:
    """{metric: (type, help, labels)} from the README's table of every metric."""
    rows = {}
    for line in (MONITORING / "README.md").read_text().splitlines():
        cells = [cell.strip() for cell in line.split("|")[1:-1]]
        if len(cells) == 5 and re.fullmatch(r"`\w+`", cells[0]):
            name, kind, labels, help_text, _source = cells
            assert name[1:-1] not in rows, f"{name} is in the table twice"
            rows[name[1:-1]] = (kind, help_text, frozenset(re.findall(r"`(\w+)`", labels)))
    return rows


def test_the_readme_table_lists_exactly_the_exposed_metrics() -> None:
    table, real = documented(), exposed()
    assert sorted(table) == sorted(real)
    for name in real:
        assert table[name] == real[name], name


def dashboard() -> dict:
    return json.loads((MONITORING / "grafana-dashboard.json").read_text())


def expressions() -> list[str]:
    board = dashboard()
    return [t["expr"] for panel in board["panels"] for t in panel["targets"]]


def test_the_dashboard_uses_its_datasource_input_and_existing_metrics() -> None:
    board = dashboard()
    assert [i["name"] for i in board["__inputs"]] == ["DS_PROMETHEUS"]
    titles = [p["title"] for p in board["panels"]]
    assert len(titles) == len(set(titles))
    for panel in board["panels"]:
        assert panel["datasource"]["uid"] == "${DS_PROMETHEUS}"
        assert all(t["datasource"]["uid"] == "${DS_PROMETHEUS}" for t in panel["targets"])
    names = set(exposed())
    series = names | {n + s for n in names for s in ("_bucket", "_sum", "_count")}
    used = set()
    for expr in expressions():
        bare = re.sub(r'"[^"]*"|\[[^]]*\]|\$\w+', "", expr)
        used |= {w for w in re.findall(r"[a-z_][a-z0-9_]*", bare) if w not in PROMQL_WORDS}
    assert used <= series
    for needed in ("spoolsim_jobs_completed_total", "spoolsim_queue_depth",
                   "spoolsim_job_wait_seconds_bucket", "windows_printer_status",
                   "spoolsim_supply_level_percent", "spoolsim_port_errors_total"):  # fmt: skip
        assert needed in used


def test_the_scrape_config_is_valid() -> None:
    config = MONITORING / "prometheus.yml"
    assert '"127.0.0.1:9464"' in config.read_text()  # spoolsim serve's default --http
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (make tools installs Debian's prometheus)")
    result = subprocess.run(
        [promtool, "check", "config", str(config)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
