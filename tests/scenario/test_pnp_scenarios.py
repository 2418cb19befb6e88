"""Point and Print in scenarios: the storm meets the figures its link predicts, connections and
reconnections are charged on the link, bad driver tables are refused by name, runs repeat."""

from __future__ import annotations

import pathlib

import pytest

from spoolsim.model.constants import Win32
from spoolsim.scenario import ScenarioError, load_scenario, parse_scenario
from tests.scenario.test_runner import run

SCENARIOS = pathlib.Path(__file__).parents[2] / "scenarios"

SMALL = """
[simulation]
duration = "1h"
drain = "10m"
seed = 3

[network]
bandwidth_mbps = 8      # 1 MB/s, so the figures are easy to check
latency_ms = 10

[[drivers]]
name = "Contoso"
architectures = ["x64", "x86"]
version = "1.0.0.0"
date = "2026-01-01"
driver_file = "c.dll"
config_file = "cui.dll"
data_file = "c.gpd"
files = { "c.dll" = "2MB", "cui.dll" = "1MB", "c.gpd" = "1MB" }

[[fleets]]
prefix = "p"
count = 2
profile = "hp-lj-m611"
driver = "Contoso"

[[clients]]
name = "office"
count = 4
arrival = { process = "poisson", mean_interval = "4h" }
pages = 1
choice = { kind = "fixed", printers = ["p-*"] }
connect_within = "0s"
restrict_driver_installation = false

[[timeline]]
at = "+30m"
action = "update_driver"
target = "contoso"
version = "1.1.0.0"
date = "2026-02-01"
files = { "c.dll" = "3MB" }
"""


def test_the_storm_scenario_passes_and_obeys_its_link() -> None:
    result = run(load_scenario(SCENARIOS / "driver-update-storm.toml"))
    report = result.report
    pnp = report.pnp
    assert report.outcomes and all(o.passed for o in report.outcomes), report.outcomes
    assert pnp.connections == 4000 and pnp.denied == 40 and pnp.reconnecting == 2000
    whole = 6e6 + 4e6 + 0.3e6 + 9e6 + 2e6 + 3e6 + 0.5e6 + 0.02e6
    changed = 6.2e6 + 4.1e6 + 9.1e6
    assert pnp.bytes == round(2000 * (whole + changed))
    # 2,000 x 19.4 MB cannot cross 125 MB/s in less than 310.4 s.
    assert pnp.all_ready >= 2000 * changed / 125e6
    assert pnp.peak_link == 1.0


def test_clients_share_the_link_and_reconnect_for_changed_files_only() -> None:
    result = run(parse_scenario(SMALL), keep_log=True)
    pnp = result.report.pnp
    log = next(iter(result.servers.values())).log
    connected = log.of_kind("pnp.connected")
    assert len(connected) == 8 and pnp.failed == 0
    first, again = connected[:4], connected[4:]
    assert {e.get("bytes") for e in first} == {4_000_000}
    assert {e.get("bytes") for e in again} == {3_000_000}  # only c.dll changed
    # All four start at 0 and share 1 MB/s: 16 MB take 16 s of link time, so the last
    # finishes after 16 s (plus round trips).
    assert max(e.time for e in first) == pytest.approx(16.0, abs=1.0)
    assert pnp.bytes == 4 * 4_000_000 + 4 * 3_000_000
    assert pnp.all_ready is not None and pnp.all_ready >= 12.0  # 12 MB at 1 MB/s
    assert [e.subject for e in log.of_kind("driver.updated")] == ["Contoso", "Contoso"]


def test_same_seed_same_events() -> None:
    a = run(parse_scenario(SMALL), keep_log=True).events_jsonl()
    b = run(parse_scenario(SMALL), keep_log=True).events_jsonl()
    assert a == b and "pnp.connected" in a


def test_a_user_without_the_policy_is_refused() -> None:
    text = SMALL.replace("restrict_driver_installation = false\n", "")
    report = run(parse_scenario(text)).report
    assert report.pnp.connections == 0
    assert report.pnp.failures == {Win32.ERROR_ACCESS_DENIED: 4}
    assert report.pnp.all_ready is None  # nobody could print


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('"2MB"', '"2 parsecs"', 'drivers[0].files."c.dll": must be a size in bytes, or text like'),
        ('"1.0.0.0"', '"1.0"', 'drivers[0].version: must be a version "a.b.c.d"'),
        ('"2026-01-01"', '"yesterday"', 'drivers[0].date: must be a date "YYYY-MM-DD"'),
        ('driver_file = "c.dll"', 'driver_file = "d.dll"', "'d.dll' is not one of the files"),
        ('["x64", "x86"]', '["x64", "mips"]', "unknown architecture 'mips'"),
        ('target = "contoso"', 'target = "fabrikam"', "no driver named 'fabrikam'"),
        ("bandwidth_mbps = 8 ", "bandwidth_mbps = 0 ", "network.bandwidth_mbps"),
        ('connect_within = "0s"', 'connect_within = "soon"', "clients[0].connect_within"),
        ('files = { "c.dll" = "3MB" }', 'files = { "c.dll" = -1 }', 'timeline[0].files."c.dll"'),
    ],
)
def test_bad_driver_tables_are_refused_by_name(old: str, new: str, message: str) -> None:
    assert old in SMALL
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(SMALL.replace(old, new, 1))
    assert message in str(caught.value)
