"""The print-browsing scenarios run, meet the figures their rules predict, and are deterministic."""

from __future__ import annotations

import pathlib

import pytest

from spoolsim.model.constants import Win32
from spoolsim.scenario import ScenarioError, load_scenario, parse_scenario
from tests.scenario.test_runner import run

SCENARIOS = pathlib.Path(__file__).parents[2] / "scenarios"


@pytest.mark.parametrize(
    "name",
    ["browse-convergence", "browse-server-death", "browse-master-failover", "browse-timer-tuning"],
)
def test_browse_scenarios_pass_their_expectations(name: str) -> None:
    result = run(load_scenario(SCENARIOS / f"{name}.toml"), keep_log=True)
    report = result.report
    assert report.browse is not None
    assert report.outcomes and all(o.passed for o in report.outcomes), report.outcomes


def test_server_death_timeline_matches_the_decay_rule() -> None:
    """PS003 crashes at 7200 s after its round at 5460 s: its entries leave the master at
    5460 + 3600 = 9060 s, are listed to every browse before and to none after."""
    result = run(load_scenario(SCENARIOS / "browse-server-death.toml"), keep_log=True)
    master = result.servers["DC01"].log
    expired = [e for e in master.of_kind("browse.expired") if e.get("host") == "PS003"]
    assert {e.time for e in expired} == {9060.0}
    assert {e.get("stale") for e in expired} == {9060.0 - 7200.0}  # listed after the crash
    listed = master.of_kind("browse.listed")
    assert listed and all(e.get("after") == 60.0 for e in listed)  # first round 60 s after boot
    for e in master.of_kind("client.browse"):
        listed = any("PS003" in n for n in e.get("names"))
        assert listed == (e.time < 9060.0), e
    opens = [
        e
        for s in result.servers.values()
        for e in s.log.of_kind("client.open")
        if "PS003" in e.subject
    ]
    assert opens and all(
        (e.get("status") == Win32.RPC_S_SERVER_UNAVAILABLE) == (e.time >= 7200.0) for e in opens
    )


def test_failover_new_master_starts_empty_and_refills() -> None:
    result = run(load_scenario(SCENARIOS / "browse-master-failover.toml"), keep_log=True)
    masters = [e for s in result.servers.values() for e in s.log.of_kind("browse.master")]
    assert len(masters) == 2 and masters[0].subject == "PS001"
    second = masters[1]
    assert second.subject != "PS001" and second.time > 3600.0
    refill = result.report.browse.refills[-1]
    assert refill.master == second.subject and 0 < refill.after <= 1800.0


def test_same_seed_same_browse_log() -> None:
    sc = load_scenario(SCENARIOS / "browse-master-failover.toml")
    one = run(sc, keep_log=True).events_jsonl()
    two = run(sc, keep_log=True).events_jsonl()
    assert one == two and '"browse.election"' in one


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ("RefreshTimesPerDecayPeriod = 6", "RefreshTimesPerDecayPeriod must be 1 to 5"),
        ("RefreshTimesPerDecayPeriod = 0", "RefreshTimesPerDecayPeriod must be 1 to 5"),
        ("ServerThreadTimeout = 0", "ServerThreadTimeout must be above 0"),
        ("NetPrinterDecayPeriod = 0", "NetPrinterDecayPeriod must be above 0"),
    ],
)
def test_refused_browse_settings_name_the_value(settings: str, message: str) -> None:
    text = f"""
[simulation]
duration = "1h"
[browsing]
[[servers]]
name = "S1"
[servers.settings]
{settings}
"""
    with pytest.raises(ScenarioError) as err:
        parse_scenario(text)
    assert message in str(err.value) and "servers[0].settings" in str(err.value)


def test_a_timeline_set_of_a_browse_value_is_checked() -> None:
    text = """
[simulation]
duration = "1h"
[browsing]
[[servers]]
name = "S1"
[[timeline]]
at = "+10m"
action = "set"
target = "S1"
key = "RefreshTimesPerDecayPeriod"
value = 9
"""
    with pytest.raises(ScenarioError, match="must be 1 to 5"):
        parse_scenario(text)
