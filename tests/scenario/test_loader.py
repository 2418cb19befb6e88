"""The scenario loader: good files become a Scenario; bad ones list every problem, with lines."""

from __future__ import annotations

import copy
import json
import pathlib
import re
import shutil
import tomllib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spoolsim.scenario
from devices.faults import Fault
from spoolsim.scenario import (
    PrinterSpec,
    Problem,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_scenario,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"

# A small valid estate: two devices, three ports, two printers, one client group.
BASE = """\
name = "t"
[simulation]
duration = "2h"
start = "08:00"

[[devices]]
name = "lj-1"
profile = "hp-lj-pro-m404"

[[devices]]
name = "lj-2"
profile = "hp-lj-m611"

[[ports]]
name = "IP_lj-1"
host = "lj-1"

[[ports]]
name = "LPR_lj-2"
host = "lj-2"
protocol = "lpr"

[[ports]]
name = "IP_lj-2"
host = "lj-2"

[[printers]]
name = "Laser-1"
ports = ["IP_lj-1"]

[[printers]]
name = "Laser-2"
ports = ["LPR_lj-2"]

[[clients]]
name = "office"
count = 10
pages = 2
arrival = { process = "poisson", mean_interval = "10m" }
"""


def line_of(text: str, marker: str) -> int:
    """The 1-based line of the only line containing ``marker``."""
    found = [n for n, line in enumerate(text.splitlines(), 1) if marker in line]
    assert len(found) == 1, f"{marker!r} is on lines {found}"
    return found[0]


def problems(text: str) -> list[tuple[int | None, str, str]]:
    """(line, path, message) of every problem ``text`` has; fails if it has none."""
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "s.toml")
    return [(p.line, p.path, p.message) for p in caught.value.problems]


def only(text: str) -> tuple[int | None, str, str]:
    found = problems(text)
    assert len(found) == 1, found
    return found[0]


# -- a good file ---------------------------------------------------------------------------------


def test_a_small_scenario_loads_with_defaults_filled_in() -> None:
    s = parse_scenario(BASE)
    assert isinstance(s, Scenario) and s.name == "t" and s.path is None
    assert s.simulation.duration == 7200.0 and s.simulation.start == 28800.0
    assert (s.simulation.drain, s.simulation.seed, s.simulation.transport) == (3600.0, 0, "direct")
    assert [srv.name for srv in s.servers] == ["PRINTSRV"]
    assert [p.server for p in s.ports] == ["PRINTSRV"] * 3
    assert s.ports[1].port_number == 515 and s.ports[0].port_number == 9100
    assert s.printers[0] == PrinterSpec("Laser-1", ("IP_lj-1",), server="PRINTSRV")
    group = s.clients[0]
    assert (group.pages.distribution, group.pages.value) == ("fixed", 2)
    assert group.arrival.mean_interval == 600.0
    assert group.choice.kind == "random" and group.choice.printers == ("Laser-1", "Laser-2")
    assert s.timeline == () and s.expect == () and s.fleets == ()


def test_names_are_matched_without_case_and_written_as_defined() -> None:
    text = BASE.replace('ports = ["IP_lj-1"]', 'ports = ["ip_LJ-1", "lpt1:"]')
    text += 'choice = { kind = "fixed", printers = ["LASER-2"] }\ndatatype = "raw"\n'
    s = parse_scenario(text)
    assert s.printers[0].ports == ("IP_lj-1", "LPT1:")
    assert s.clients[0].choice.printers == ("Laser-2",)
    assert s.clients[0].datatype == "RAW"


def test_profile_files_are_found_beside_the_scenario(tmp_path: pathlib.Path) -> None:
    (tmp_path / "profiles").mkdir()
    shutil.copy(SCENARIOS / "profiles" / "reference-30ppm.toml", tmp_path / "profiles" / "r.toml")
    text = BASE.replace('profile = "hp-lj-m611"', 'profile = "profiles/r.toml"')
    (tmp_path / "s.toml").write_text(text)
    s = load_scenario(tmp_path / "s.toml")
    assert s.devices[1].profile == str(tmp_path / "profiles" / "r.toml")
    assert s.path == str(tmp_path / "s.toml") and s.name == "t"
    (tmp_path / "profiles" / "r.toml").write_text('name = "r"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "s.toml")
    assert {p.path for p in caught.value.problems} == {"devices[1].profile"}
    assert all(p.line == line_of(text, "profiles/r.toml") for p in caught.value.problems)
    assert any("ppm: missing" in p.message for p in caught.value.problems)


def test_overrides_and_faults_are_checked_and_converted() -> None:
    text = BASE.replace(
        'profile = "hp-lj-m611"\n',
        'profile = "hp-lj-m611"\noverrides = { ppm = 40, duplex = false }\nseed = 3\n'
        "[[devices.faults]]\n"
        'kind = "jam"\nat_time = "10:15"\nclear_after = "5m"\n'
        "[[devices.faults]]\n"
        'kind = "paper_out"\nper_page = 0.01\n',
    )
    device = parse_scenario(text).devices[1]
    assert device.overrides == {"ppm": 40.0, "duplex": False}
    assert isinstance(device.overrides["ppm"], float) and device.seed == 3
    assert device.faults == (
        Fault("jam", at_time=8100.0, clear_after=300.0),
        Fault("paper_out", per_page=0.01),
    )


def test_fleets_expand_into_devices_ports_and_printers() -> None:
    text = BASE + (
        '[[fleets]]\nprefix = "floor"\ncount = 12\nprofile = "hp-lj-pro-m404"\n'
        'protocol = "lpr"\nbidi = false\nlocation = "Tower"\n'
        '[[clients]]\nname = "tower"\ncount = 5\npages = 1\n'
        'arrival = { process = "poisson", mean_interval = "1h" }\n'
        'choice = { kind = "fixed", printers = ["floor-000*"] }\n'
    )
    s = parse_scenario(text)
    assert len(s.devices) == 14 and len(s.ports) == 15 and len(s.printers) == 14
    assert s.devices[2].name == "floor-0001" and s.devices[-1].name == "floor-0012"
    port, printer = s.ports[-1], s.printers[-1]
    assert (port.name, port.host, port.protocol, port.port_number, port.bidi) == (
        "IP_floor-0012",
        "floor-0012",
        "lpr",
        515,
        False,
    )
    assert (printer.name, printer.ports, printer.location) == (
        "floor-0012",
        ("IP_floor-0012",),
        "Tower",
    )
    assert [f.prefix for f in s.fleets] == ["floor"] and s.fleets[0].count == 12
    assert len(s.clients[0].choice.printers) == 14  # random: every printer, fleets included
    assert s.clients[1].choice.printers == tuple(f"floor-000{i}" for i in range(1, 10))


def test_timeline_moments_targets_and_params() -> None:
    text = BASE + (
        '[[timeline]]\nat = "10:15"\naction = "jam"\ntarget = "LJ-1"\nkind = "door_open"\n'
        '[[timeline]]\nat = "+30m"\naction = "fix"\ntarget = "lj-1"\nclear_by = "close_door"\n'
        '[[timeline]]\nat = 60\naction = "server_down"\n'
        '[[timeline]]\nat = "09:00"\naction = "burst"\ntarget = "Office"\njobs = 5\n'
        'over = "2m"\nprinter = "laser-1"\n'
        '[[timeline]]\nat = "09:30"\naction = "set"\ntarget = "PRINTSRV"\n'
        'key = "restartjobonpoolerror"\nvalue = 60\n'
        '[[timeline]]\nat = "09:40"\naction = "set"\ntarget = "Laser-2"\n'
        'key = "start_time"\nvalue = "7:00"\n'
    )
    s = parse_scenario(text)
    got = [(a.at, a.action, a.target, a.params) for a in s.timeline]
    assert got == [
        (60.0, "server_down", "PRINTSRV", {}),
        (1800.0, "fix", "lj-1", {"action": "close_door"}),
        (3600.0, "burst", "office", {"jobs": 5, "over": 120.0, "printer": "Laser-1"}),
        (5400.0, "set", "PRINTSRV", {"key": "RestartJobOnPoolError", "value": 60}),
        (6000.0, "set", "Laser-2", {"key": "start_time", "value": "07:00"}),
        (8100.0, "jam", "lj-1", {"kind": "door_open"}),
    ]
    assert s.timeline[-1].line == line_of(text, 'at = "10:15"') - 1


def test_repeated_actions_and_target_patterns_are_written_out() -> None:
    text = BASE + (
        '[[timeline]]\nat = "08:30"\nevery = "1h"\naction = "fix"\ntarget = "lj-*"\n'
        'clear_by = "load_paper"\n'
        '[[timeline]]\nat = "09:00"\nevery = "10m"\nuntil = "09:20"\naction = "pause_printer"\n'
        'target = "Laser-1"\n'
    )
    s = parse_scenario(text)
    fixes = [(a.at, a.target) for a in s.timeline if a.action == "fix"]
    # 08:30, 09:30, 10:30 (the run ends at 11:00: 2h + 1h of drain), on both devices
    assert fixes == [(t, d) for t in (1800.0, 5400.0, 9000.0) for d in ("lj-1", "lj-2")]
    pauses = [a.at for a in s.timeline if a.action == "pause_printer"]
    assert pauses == [3600.0, 4200.0, 4800.0]


def test_a_printer_added_by_the_timeline_can_be_used_after_it_is_added() -> None:
    text = BASE + (
        '[[timeline]]\nat = "09:00"\naction = "add_printer"\n'
        'printer = { name = "Late", ports = ["ip_lj-2"], priority = 5 }\n'
        '[[timeline]]\nat = "09:05"\naction = "pause_printer"\ntarget = "late"\n'
        '[[expect]]\nmetric = "jobs_per_hour"\nprinter = "LATE"\nat_least = 0\n'
    )
    s = parse_scenario(text)
    added = s.timeline[0]
    assert added.target == "Late"
    assert added.params["printer"] == PrinterSpec(
        "Late", ("IP_lj-2",), server="PRINTSRV", priority=5
    )
    assert s.timeline[1].target == "Late" and s.expect[0].printer == "Late"
    early = text.replace('at = "09:05"', 'at = "08:55"')
    assert only(early) == (
        line_of(early, 'target = "late"'),
        "timeline[1].target",
        "printer 'Late' is added only at +1h",
    )


def test_expectations() -> None:
    text = BASE + (
        '[[expect]]\nmetric = "wait_p95"\nbelow = "1m30s"\nprinter = "laser-1"\n'
        '[[expect]]\nmetric = "lost_jobs"\nequals = 0\n'
        '[[expect]]\nmetric = "utilisation"\nat_most = 0.5\n'
    )
    expect = parse_scenario(text).expect
    assert [(e.metric, e.op, e.value, e.printer) for e in expect] == [
        ("wait_p95", "<", 90.0, "Laser-1"),
        ("lost_jobs", "==", 0.0, None),
        ("utilisation", "<=", 0.5, None),
    ]
    assert expect[0].text == "wait_p95 below 1m30s on laser-1"
    assert expect[1].line == line_of(text, '"lost_jobs"') - 1


# -- every problem at once -----------------------------------------------------------------------


def test_a_typo_a_missing_reference_and_a_wrong_type_are_reported_together() -> None:
    """The issue's "done when": all three at once, each with its key path and line."""
    text = BASE.replace('protocol = "lpr"', 'protocl = "lpr"')  # typo
    text = text.replace('ports = ["LPR_lj-2"]', 'ports = ["LPR_lj-3"]')  # missing reference
    text = text.replace("count = 10", 'count = "10"')  # wrong type
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "office.toml")
    error = caught.value
    typo, ref, kind = (line_of(text, m) for m in ("protocl", "LPR_lj-3", 'count = "10"'))
    assert [(p.line, p.path) for p in error.problems] == [
        (typo, "ports[1].protocl"),
        (ref, "printers[1].ports[0]"),
        (kind, "clients[0].count"),
    ]
    assert str(error).splitlines() == [
        f"office.toml:{typo}: ports[1].protocl: unknown key (did you mean 'protocol'?)",
        f"office.toml:{ref}: printers[1].ports[0]: no port named 'LPR_lj-3' (did you mean "
        "'LPR_lj-2'?)",
        f"office.toml:{kind}: clients[0].count: must be a whole number (got a string: '10')",
    ]
    assert isinstance(error, ValueError)


def test_problems_are_sorted_by_line_whatever_order_they_are_found_in() -> None:
    text = BASE + '[[expect]]\nmetric = "lost_jobs"\nequals = 0\nprinter = "Nope"\n'
    text = text.replace('name = "t"', 'name = "t"\ncolour = 1')
    lines = [line for line, _, _ in problems(text)]
    assert lines == sorted(lines) and len(lines) == 2


@pytest.mark.parametrize(
    ("old", "new", "path", "hint"),
    [
        ('name = "t"', 'nmae = "t"', "nmae", " (did you mean 'name'?)"),
        (
            'duration = "2h"',
            'duration = "2h"\nsead = 1',
            "simulation.sead",
            " (did you mean 'seed'?)",
        ),
        (
            'profile = "hp-lj-m611"',
            'profile = "hp-lj-m611"\nprofle = 1',
            "devices[1].profle",
            " (did you mean 'profile'?)",
        ),
        (
            'protocol = "lpr"',
            'protocol = "lpr"\nqueue_name = "x"',
            "ports[1].queue_name",
            " (did you mean 'queue'?)",
        ),
        (
            'ports = ["IP_lj-1"]',
            'ports = ["IP_lj-1"]\npriorty = 2',
            "printers[0].priorty",
            " (did you mean 'priority'?)",
        ),
        ("count = 10", "count = 10\ncopys = 2", "clients[0].copys", " (did you mean 'copies'?)"),
        (
            'mean_interval = "10m" }',
            'mean_interval = "10m", burst = [] }',
            "clients[0].arrival.burst",
            " (did you mean 'bursts'?)",
        ),
        (
            '[[devices]]\nname = "lj-1"',
            '[simulaton]\n[[devices]]\nname = "lj-1"',
            "simulaton",
            " (did you mean 'simulation'?)",
        ),
    ],
)
def test_unknown_keys(old: str, new: str, path: str, hint: str) -> None:
    text = BASE.replace(old, new, 1)
    line, where, message = only(text)
    assert (where, message) == (path, "unknown key" + hint)
    key = path.rsplit(".", 1)[-1]
    assert line == line_of(text, f"{key} =" if key != "simulaton" else "[simulaton]")


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        ("count = 10", "count = 0", "clients[0].count", "must be >= 1 (got an integer: 0)"),
        ("count = 10", "count = 1.5", "clients[0].count", "must be a whole number"),
        ('duration = "2h"', 'duration = "0s"', "simulation.duration", "must be a duration > 0"),
        ('duration = "2h"', 'duration = "two hours"', "simulation.duration", "not a duration"),
        ('start = "08:00"', 'start = "8am"', "simulation.start", "not a time of day"),
        ('start = "08:00"', 'start = "08:00"\nseed = -1', "simulation.seed", "must be >= 0"),
        ('start = "08:00"', 'start = "08:00"\nseed = true', "simulation.seed", "a boolean"),
        ('start = "08:00"', 'start = "08:00"\ntransport = "tcp"', "simulation.transport", "'wire'"),
        ('mean_interval = "10m"', "mean_interval = 0", "clients[0].arrival.mean_interval", "> 0"),
        ("pages = 2", "pages = 0", "clients[0].pages.value", "must be >= 1"),
        (
            "pages = 2",
            'pages = { distribution = "uniform", low = 5, high = 2 }',
            "clients[0].pages.high",
            "must be >= low (5)",
        ),
        (
            "pages = 2",
            'pages = { distribution = "geometric", mean = 0.5 }',
            "clients[0].pages.mean",
            "must be >= 1",
        ),
        (
            "pages = 2",
            'pages = { distribution = "geometric", mean = 3, value = 2 }',
            "clients[0].pages.value",
            "not used by a geometric distribution",
        ),
        ("pages = 2", 'pages = "two"', "clients[0].pages", "a whole number of pages or a table"),
        ('host = "lj-1"', 'host = "lj-1"\nport_number = 70000', "ports[0].port_number", "65535"),
        ('host = "lj-1"', 'host = "lj-1"\nbidi = "yes"', "ports[0].bidi", "true or false"),
        ('host = "lj-1"', 'host = "lj-1"\nqueue = "lp"', "ports[0].queue", "only an lpr port"),
        ('ports = ["IP_lj-1"]', "ports = 5", "printers[0].ports", "array of non-empty strings"),
        ('ports = ["IP_lj-1"]', "ports = []", "printers[0].ports", "at least one port"),
        (
            'ports = ["IP_lj-1"]',
            'ports = ["IP_lj-1", "ip_lj-1"]',
            "printers[0].ports",
            "the same port twice",
        ),
        ('name = "Laser-1"', 'name = "Laser,1"', "printers[0].name", "without ','"),
        (
            'ports = ["IP_lj-1"]',
            'ports = ["IP_lj-1"]\npriority = 100',
            "printers[0].priority",
            "99",
        ),
        ('ports = ["IP_lj-1"]', 'ports = ["IP_lj-1"]\ndriver = " "', "printers[0].driver", "empty"),
        (
            'ports = ["IP_lj-1"]',
            'ports = ["IP_lj-1"]\ndatatype = "EMF"',
            "printers[0].datatype",
            "'NT EMF 1.008'",
        ),
        (
            'ports = ["IP_lj-1"]',
            'ports = ["IP_lj-1"]\nstart_time = "07:00"',
            "printers[0].start_time",
            "go together",
        ),
        ("count = 10", 'count = 10\narchitecture = "ia64"', "clients[0].architecture", "'arm64'"),
        (
            'profile = "hp-lj-m611"',
            'profile = "hp-lj-m61"',
            "devices[1].profile",
            "no shipped profile named 'hp-lj-m61' (did you mean 'hp-lj-m611'?)",
        ),
        (
            'profile = "hp-lj-m611"',
            'profile = "hp-lj-m611"\noverrides = { trays = [] }',
            "devices[1].overrides.trays",
            "unknown key",
        ),
        (
            'profile = "hp-lj-m611"',
            'profile = "hp-lj-m611"\noverrides = { ppm = "fast" }',
            "devices[1].overrides.ppm",
            "must be a number > 0",
        ),
        (
            'profile = "hp-lj-m611"',
            'profile = "hp-lj-m611"\noverrides = { toner_pages = 1.5 }',
            "devices[1].overrides.toner_pages",
            "whole number",
        ),
        (
            'profile = "hp-lj-m611"',
            'profile = "hp-lj-m611"\nfaults = [{ kind = "jam", per_page = 2 }]',
            "devices[1].faults[0].per_page",
            "must be a probability",
        ),
        (
            'profile = "hp-lj-m611"',
            'profile = "hp-lj-m611"\nfaults = [{ kind = "jam", at_time = "soon" }]',
            "devices[1].faults[0].at_time",
            "a moment is",
        ),
        (
            'profile = "hp-lj-m611"',
            'profile = "hp-lj-m611"\nfaults = [{ kind = "jam", per_page = 0.1, clear_afer = 1 }]',
            "devices[1].faults[0].clear_afer",
            "unknown key (did you mean 'clear_after'?)",
        ),
        (
            'profile = "hp-lj-m611"',
            'profile = "hp-lj-m611"\nfaults = [{ kind = "jam" }]',
            "devices[1].faults[0]",
            "needs exactly one trigger",
        ),
    ],
)
def test_wrong_types_and_bad_ranges(old: str, new: str, path: str, message: str) -> None:
    text = BASE.replace(old, new, 1)
    line, where, said = only(text)
    assert where == path and message in said
    changed = new.split("\n")[-1]
    assert line == line_of(text, changed)


def test_curve_multipliers() -> None:
    curve = '{ process = "curve", mean_interval = "1h", per_hour = %s }'
    old = 'arrival = { process = "poisson", mean_interval = "10m" }'
    for per_hour, message in [
        ("[1, 2]", "an array of 24 multipliers"),
        ("[0] * 24".replace("[0] * 24", "[" + ", ".join(["0"] * 24) + "]"), "all zero"),
        ("[" + ", ".join(["1"] * 23 + ["-1"]) + "]", "must be >= 0"),
    ]:
        text = BASE.replace(old, "arrival = " + curve % per_hour)
        assert only(text)[1:] == ("clients[0].arrival.per_hour", only(text)[2])
        assert message in only(text)[2]
    good = BASE.replace(old, "arrival = " + curve % ("[" + ", ".join(["1"] * 24) + "]"))
    assert parse_scenario(good).clients[0].arrival.per_hour == (1.0,) * 24
    poisson = BASE.replace('mean_interval = "10m" }', 'mean_interval = "10m", per_hour = [] }')
    assert "only a curve" in only(poisson)[2]


def test_bursts_must_fit_in_the_arrival_window() -> None:
    text = BASE.replace(
        'arrival = { process = "poisson", mean_interval = "10m" }',
        '[clients.arrival]\nprocess = "burst"\n'
        '[[clients.arrival.bursts]]\nat = "09:00"\njobs = 50\nover = "5m"\n'
        '[[clients.arrival.bursts]]\nat = "09:58"\njobs = 0\nover = "5m"\n',
    )
    assert problems(text) == [
        (
            line_of(text, '"09:58"'),
            "clients[0].arrival.bursts[1].at",
            "ends at +2h3m, after arrivals stop at +2h",
        ),
        (
            line_of(text, "jobs = 0"),
            "clients[0].arrival.bursts[1].jobs",
            "must be >= 1 (got an integer: 0)",
        ),
    ]
    scalar = BASE.replace('mean_interval = "10m" }', 'mean_interval = "10m", bursts = 3 }')
    assert only(scalar)[1:] == (
        "clients[0].arrival.bursts",
        "must be an array of tables ([[bursts]]) (got an integer: 3)",
    )
    empty = BASE.replace('process = "poisson", mean_interval = "10m"', 'process = "burst"')
    assert "at least one" in only(empty)[2]


def test_weighted_choices() -> None:
    choice = '\nchoice = { kind = "weighted", printers = ["Laser-1", "Laser-2"], weights = %s }'
    assert "one weight per printer (2) (got 1)" in only(BASE + choice % "[1]")[2]
    assert only(BASE + choice % "[1, 0]")[1:] == (
        "clients[0].choice.weights",
        "must be > 0 (got an integer: 0)",
    )
    assert parse_scenario(BASE + choice % "[3, 1]").clients[0].choice.weights == (3.0, 1.0)
    pattern = '\nchoice = { kind = "weighted", printers = ["Laser-*"], weights = [1] }'
    assert only(BASE + pattern)[1:] == (
        "clients[0].choice.printers[0]",
        "a weighted choice names each printer",
    )
    fixed = '\nchoice = { kind = "fixed", weights = [1] }'
    assert {p for _, p, _ in problems(BASE + fixed)} == {
        "clients[0].choice.weights",
        "clients[0].choice.printers",
    }


def test_server_settings() -> None:
    text = BASE + (
        '[[servers]]\nname = "SRV1"\n'
        'settings = { RestartJobOnPoolErorr = 5, BeepEnabled = "yes", NetPopup = 1 }\n'
    )
    assert [p for _, p, _ in problems(text)] == [
        "servers[0].settings.RestartJobOnPoolErorr",
        "servers[0].settings.BeepEnabled",
    ]
    assert "did you mean 'RestartJobOnPoolError'" in problems(text)[0][2]
    good = text.replace("Erorr", "Error").replace('"yes"', "1")
    s = parse_scenario(good)
    assert s.servers[0].settings == {"RestartJobOnPoolError": 5, "BeepEnabled": 1, "NetPopup": 1}
    assert {p.server for p in s.printers} == {"SRV1"}


def test_duplicate_names_are_found_without_regard_to_case() -> None:
    text = BASE + (
        '[[printers]]\nname = "LASER-1"\nports = ["IP_lj-2"]\n'
        '[[ports]]\nname = "lpt1:"\nmonitor = "local"\n'
        '[[devices]]\nname = "LJ-2"\nprofile = "hp-lj-m611"\n'
        '[[clients]]\nname = "OFFICE"\ncount = 1\npages = 1\n'
        'arrival = { process = "poisson", mean_interval = "1h" }\n'
        '[[servers]]\nname = "a"\n[[servers]]\nname = "A"\n'
    )
    found = {path: message for _, path, message in problems(text)}
    assert found == {
        "servers[1].name": "duplicate server name 'A' (first defined at servers[0].name, line "
        f"{line_of(text, 'name = ' + chr(34) + 'a' + chr(34))})",
        "devices[2].name": "duplicate device name 'LJ-2' (first defined at devices[1].name, line "
        "11)",
        "ports[3].name": "duplicate port name 'lpt1:' ('LPT1:' is built in)",
        "printers[2].name": "duplicate printer name 'LASER-1' (first defined at printers[0].name, "
        f"line {line_of(text, 'Laser-1')})",
        "clients[1].name": "duplicate client group name 'OFFICE' (first defined at "
        f"clients[0].name, line {line_of(text, 'office')})",
    }


def test_a_fleet_clashing_with_a_printer_is_one_problem() -> None:
    text = BASE.replace('name = "Laser-1"', 'name = "fl-0002"') + (
        '[[fleets]]\nprefix = "fl"\ncount = 3\nprofile = "hp-lj-m611"\n'
    )
    assert only(text) == (
        line_of(text, 'prefix = "fl"'),
        "fleets[0].prefix",
        "makes a duplicate printer name 'fl-0002' (first defined at printers[0].name, line "
        f"{line_of(text, 'fl-0002')})",
    )


@pytest.mark.parametrize(
    ("addition", "path", "message", "marker"),
    [
        (
            '[[ports]]\nname = "IP_x"\nhost = "lj-9"\n',
            "ports[3].host",
            "no device named 'lj-9' (did you mean 'lj-2'?)",
            'host = "lj-9"',
        ),
        (
            '[[ports]]\nname = "IP_x"\nhost = "lj-1"\nserver = "SRV"\n',
            "ports[3].server",
            "no server named 'SRV'",
            'server = "SRV"',
        ),
        (
            '[[printers]]\nname = "P"\nports = ["IP_lj-1"]\nserver = "SRV"\n',
            "printers[2].server",
            "no server named 'SRV'",
            'server = "SRV"',
        ),
        (
            '[[printers]]\nname = "P"\nports = ["COM9:"]\n',
            "printers[2].ports[0]",
            "no port named 'COM9:' (did you mean 'COM1:'?)",
            "COM9:",
        ),
        (
            'choice = { kind = "random", printers = ["Laser-3"] }\n',
            "clients[0].choice.printers[0]",
            "no printer named 'Laser-3' (did you mean 'Laser-2'?)",
            "Laser-3",
        ),
        (
            'choice = { kind = "random", printers = ["Colour-*"] }\n',
            "clients[0].choice.printers[0]",
            "pattern 'Colour-*' matches no printer",
            "Colour-*",
        ),
        (
            '[[timeline]]\nat = "09:00"\naction = "pause_printer"\ntarget = "Lazer-1"\n',
            "timeline[0].target",
            "no printer named 'Lazer-1' (did you mean 'Laser-1'?)",
            "Lazer-1",
        ),
        (
            '[[timeline]]\nat = "09:00"\naction = "jam"\ntarget = "Laser-1"\n',
            "timeline[0].target",
            "no device named 'Laser-1'",
            'target = "Laser-1"',
        ),
        (
            '[[timeline]]\nat = "09:00"\naction = "server_up"\ntarget = "SRV2"\n',
            "timeline[0].target",
            "no server named 'SRV2'",
            "SRV2",
        ),
        (
            '[[timeline]]\nat = "09:00"\naction = "burst"\ntarget = "ofice"\njobs = 3\n',
            "timeline[0].target",
            "no client group named 'ofice' (did you mean 'office'?)",
            "ofice",
        ),
        (
            '[[timeline]]\nat = "09:00"\naction = "burst"\ntarget = "office"\njobs = 3\n'
            'printer = "Nope"\n',
            "timeline[0].printer",
            "no printer named 'Nope'",
            "Nope",
        ),
        (
            '[[timeline]]\nat = "09:00"\naction = "fix"\ntarget = "zz-*"\n',
            "timeline[0].target",
            "pattern 'zz-*' matches no device",
            "zz-*",
        ),
        (
            '[[timeline]]\nat = "09:00"\naction = "set"\ntarget = "Laser-1"\n'
            'key = "BeepEnabled"\nvalue = 1\n',
            "timeline[0].target",
            "no server named 'Laser-1'",
            'target = "Laser-1"',
        ),
        (
            '[[expect]]\nmetric = "wait_max"\nprinter = "Laser-9"\nbelow = 1\n',
            "expect[0].printer",
            "no printer named 'Laser-9' (did you mean 'Laser-2'?)",
            "Laser-9",
        ),
    ],
)
def test_dangling_references(addition: str, path: str, message: str, marker: str) -> None:
    text = BASE + addition
    assert only(text) == (line_of(text, marker), path, message)


def test_a_port_belongs_to_one_server() -> None:
    servers = '[[servers]]\nname = "A"\n[[servers]]\nname = "B"\n'
    shared = BASE + servers + '[[printers]]\nname = "P"\nports = ["IP_lj-1"]\nserver = "B"\n'
    assert only(shared)[1:] == (
        "printers[2].ports[0]",
        "port 'IP_lj-1' is already used by printer 'Laser-1' on server 'A'; a port belongs "
        "to one server",
    )
    declared = BASE.replace('host = "lj-1"', 'host = "lj-1"\nserver = "B"') + servers
    assert only(declared)[1:] == (
        "printers[0].ports[0]",
        "port 'IP_lj-1' is on server 'B', not 'A'",
    )
    local = shared.replace('ports = ["IP_lj-1"]\nserver = "B"', 'ports = ["LPT1:"]\nserver = "B"')
    local = local.replace('ports = ["IP_lj-1"]', 'ports = ["LPT1:"]', 1)
    s = parse_scenario(local)
    assert [p.server for p in s.printers] == ["A", "A", "B"]
    assert [p.server for p in s.ports] == ["A", "A", "A"]  # unused ones go to the first server


def test_timeline_problems() -> None:
    at = '[[timeline]]\nat = "%s"\naction = "pause_printer"\ntarget = "Laser-1"\n'
    assert only(BASE + at % "11:30")[1:] == (
        "timeline[0].at",
        "+3h30m is after the end of the run (+3h: duration + drain)",
    )
    assert "after the end" in only(BASE + at % "07:59")[2]  # tomorrow's 07:59
    assert "a moment is" in only(BASE + at % "soon")[2]
    assert parse_scenario(BASE + at % "11:00").timeline[0].at == 10800.0
    bad = '[[timeline]]\nat = "09:00"\naction = "pause_prnter"\ntarget = "Laser-1"\n'
    assert "did you mean 'pause_printer'" in only(BASE + bad)[2]
    no_target = '[[timeline]]\nat = "09:00"\naction = "resume_printer"\n'
    assert only(BASE + no_target)[1:] == ("timeline[0].target", "missing (required): the printer")
    wrong_param = '[[timeline]]\nat = "09:00"\naction = "jam"\ntarget = "lj-1"\nclear_by = "x"\n'
    assert only(BASE + wrong_param)[1:] == ("timeline[0].clear_by", "unknown key")
    kind = '[[timeline]]\nat = "09:00"\naction = "jam"\ntarget = "lj-1"\nkind = "smoke"\n'
    assert "'toner_out'" in only(BASE + kind)[2]
    setting = '[[timeline]]\nat = "09:00"\naction = "set"\ntarget = "Laser-1"\nkey = "%s"\n'
    assert "did you mean 'priority'" in only(BASE + setting % "priorty" + "value = 1\n")[2]
    assert only(BASE + setting % "priority" + "value = 0\n")[1] == "timeline[0].value"
    every = at % "09:00" + 'every = "1m"\nuntil = "08:30"\n'
    assert "is before at" in only(BASE + every)[2]
    assert "only a repeated action" in only(BASE + at % "09:00" + 'until = "10:00"\n')[2]
    added = '[[timeline]]\nat = "09:00"\naction = "add_printer"\nevery = "1h"\nprinter = {}\n'
    assert {p for _, p, _ in problems(BASE + added)} == {
        "timeline[0].every",
        "timeline[0].printer.name",
        "timeline[0].printer.ports",
    }


def test_expectation_problems() -> None:
    expect = '[[expect]]\nmetric = "%s"\n%s\n'
    assert only(BASE + expect % ("wiat_p95", "below = 1"))[2].endswith("(did you mean 'wait_p95'?)")
    assert "needs exactly one of below" in only(BASE + expect % ("lost_jobs", ""))[2]
    assert "(got 2)" in only(BASE + expect % ("lost_jobs", "below = 1\nabove = 0"))[2]
    assert "from 0 to 1" in only(BASE + expect % ("utilisation", "above = 2"))[2]
    assert "must be a number" in only(BASE + expect % ("lost_jobs", 'below = "1m"'))[2]


def test_toml_syntax_errors_are_one_problem_with_their_line() -> None:
    text = BASE.replace('name = "lj-2"', 'name = "lj-2')
    line, path, message = only(text)
    assert (line, path) == (line_of(text, 'name = "lj-2'), "")
    assert message.startswith("not valid TOML: ") and "column" in message
    assert str(Problem(path, line, message, "x.toml")) == f"x.toml:{line}: {message}"


def test_missing_sections_and_unreadable_files(tmp_path: pathlib.Path) -> None:
    assert only('name = "x"') == (
        None,
        "simulation",
        "missing: a [simulation] table with at least a duration",
    )
    assert only("timeline = 3\n" + BASE) == (
        1,
        "timeline",
        "must be an array of tables ([[timeline]]) (got an integer: 3)",
    )
    with pytest.raises(ScenarioError, match=r"nope\.toml: cannot read"):
        load_scenario(tmp_path / "nope.toml")
    (tmp_path / "bin.toml").write_bytes(b"name = '\xff'\n")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(tmp_path / "bin.toml")


# -- the shipped files ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scenario_loads(path: pathlib.Path) -> None:
    s = load_scenario(path)
    assert s.name == path.stem and s.description
    assert s.printers and s.clients


def test_the_shipped_set_is_complete() -> None:
    names = {p.stem for p in SCENARIOS.glob("*.toml")}
    assert {"office-day", "morning-rush", "paper-jam", "printer-pool", "large-estate"} <= names
    assert "reference" in names


def test_the_office_day_is_what_the_issue_asks_for() -> None:
    s = load_scenario(SCENARIOS / "office-day.toml")
    assert len(s.servers) == 1 and 10 <= len(s.printers) <= 14
    assert len({d.profile for d in s.devices}) >= 4
    assert 200 <= sum(c.count for c in s.clients) <= 1000
    assert any(len(p.ports) == 2 for p in s.printers)
    assert {p.protocol for p in s.ports} == {"raw", "lpr"}
    acts = {(a.action, a.at) for a in s.timeline}
    assert ("jam", 8100.0) in acts and ("pause_printer", 4 * 3600.0) in acts


def test_the_large_estate_and_the_reference_workload() -> None:
    large = load_scenario(SCENARIOS / "large-estate.toml")
    assert len(large.printers) == 1000 and large.clients[0].count == 20000
    assert large.simulation.duration == 8 * 3600 and len(large.clients[0].choice.printers) == 1000
    ref = load_scenario(SCENARIOS / "reference.toml")
    assert len(ref.printers) == 50 and ref.clients[0].count == 2000
    assert ref.clients[0].arrival.mean_interval == 600.0 and ref.simulation.drain == 7200.0
    assert ref.clients[0].pages.mean == 5.0 and ref.devices[0].profile.endswith("30ppm.toml")


def test_the_readme_example_is_a_valid_scenario() -> None:
    readme = (SCENARIOS / "README.md").read_text()
    blocks = re.findall(r"```toml\n(.*?)```", readme, flags=re.S)
    assert blocks, "the README has no toml example"
    s = parse_scenario(blocks[0], str(SCENARIOS / "example.toml"))
    assert s.printers and s.timeline and s.expect


def test_the_package_exports_its_names_once() -> None:
    exported = spoolsim.scenario.__all__
    assert len(exported) == len(set(exported))
    assert all(hasattr(spoolsim.scenario, name) for name in exported)
    assert {"load_scenario", "parse_scenario", "ScenarioError", "Scenario"} <= set(exported)


# -- whatever the file says ----------------------------------------------------------------------


def _toml(value: object) -> str:
    """A value as inline TOML (enough for the shapes the fuzz test makes)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    assert isinstance(value, dict)
    return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    """Every key path inside ``value``."""
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return [prefix]
    found = [prefix] if prefix else []
    for key, item in items:
        found.extend(_paths(item, (*prefix, key)))
    return found


FUZZ_BASE = tomllib.loads(
    BASE + '[[timeline]]\nat = "09:00"\naction = "set"\ntarget = "Laser-1"\nkey = "priority"\n'
    "value = 3\n"
    '[[expect]]\nmetric = "wait_p95"\nbelow = "2m"\nprinter = "Laser-2"\n'
    '[[fleets]]\nprefix = "f"\ncount = 2\nprofile = "hp-lj-m611"\n'
)
FUZZ_PATHS = _paths(FUZZ_BASE)
VALUES = st.one_of(
    st.integers(-2, 10**6),
    st.floats(-1e3, 1e3),
    st.booleans(),
    st.sampled_from(["", "x", "10:00", "+1h", "*", "lj-1", "Laser-1", "FILE:", "office", "1h"]),
    st.builds(list),  # a fresh object each time: a shared one could end up inside itself
    st.builds(dict),
    st.lists(st.sampled_from(["Laser-1", 1, "IP_lj-1"]), max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(FUZZ_PATHS), VALUES), min_size=1, max_size=3))
def test_any_damage_is_reported_as_problems_with_lines(changes: list) -> None:
    data = copy.deepcopy(FUZZ_BASE)
    for path, value in changes:
        target = data
        try:
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    text = "\n".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in data.items())
    try:
        scenario = parse_scenario(text, "fuzz.toml")
    except ScenarioError as error:
        assert error.problems
        assert all(p.line is not None and p.message for p in error.problems)
    else:
        assert isinstance(scenario, Scenario)
