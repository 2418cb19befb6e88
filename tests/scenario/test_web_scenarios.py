"""Internet Printing in scenarios: web Connect flows as whole timelines (the documented
E0000102 failure and its fix), the web-printing scenario's mix of clients, IPP jobs that reach
the devices, bad web keys refused by name, and runs that repeat."""

from __future__ import annotations

import base64
import pathlib
import urllib.request

import pytest
import trio

from spoolsim.model.constants import Win32
from spoolsim.scenario import ScenarioError, load_scenario, parse_scenario
from tests.scenario.test_runner import run
from tests.scenario.test_serve import _finish, _serve

SCENARIOS = pathlib.Path(__file__).parents[2] / "scenarios"
BROKEN = SCENARIOS / "drivers" / "contoso-x86only.inf"
FIXED = SCENARIOS / "drivers" / "contoso.inf"
E0000102 = 0xE0000102

ONE_XP_CLIENT = """
[simulation]
duration = "10m"
seed = 1
[network]
bandwidth_mbps = 8      # 1 MB/s
latency_ms = 10
[[drivers]]
name = "Contoso LaserWriter 5000"
architectures = ["x64", "x86"]
version = "5.1.2600.1"
date = "2009-06-01"
driver_file = "cnlw5k.dll"
config_file = "cnlw5kui.dll"
data_file = "cnlw5k.gpd"
files = { "cnlw5k.dll" = "1MB", "cnlw5kui.dll" = "500KB", "cnlw5k.gpd" = "250KB", \
"cnlw5kres.dll" = "250KB" }
inf = "INF"
[[devices]]
name = "lw"
profile = "hp-lj-pro-m404"
[[ports]]
name = "IP_lw"
host = "lw"
[[printers]]
name = "Sales"
ports = ["IP_lw"]
driver = "Contoso LaserWriter 5000"
[[clients]]
name = "xp"
count = 1
os = "Windows XP"
architecture = "x86"
web_connect_within = "0s"
arrival = { process = "poisson", mean_interval = "1h", \
bursts = [{ at = "+1m", jobs = 1, over = "1s" }] }
pages = 1
choice = { kind = "fixed", printers = ["Sales"] }
"""


def every(result, kind: str) -> list:
    """The events of ``kind`` in every server's log."""
    return [e for server in result.servers.values() for e in server.log.of_kind(kind)]


def timeline(result) -> list[tuple]:
    out = []
    for e in result.log:
        if e.kind.startswith("web.") or e.kind in ("job.submitted", "job.completed"):
            facts = {k: v for k, v in e.data if k in ("n", "status", "source", "package", "port")}
            out.append((round(e.time, 4), e.kind, *sorted(facts.items())))
        elif e.kind == "client.rejected":
            out.append((round(e.time, 4), e.kind, ("status", e.get("status"))))
    return out


def test_an_xp_client_of_an_x64_server_fails_with_e0000102_after_five_attempts() -> None:
    """The server reads the INF for amd64: no [SourceDisksNames.amd64] and no undecorated
    [SourceDisksNames]. Each attempt is one round trip (10 ms); nothing is downloaded, and the
    client, never connected, cannot print."""
    result = run(parse_scenario(ONE_XP_CLIENT.replace("INF", str(BROKEN))), keep_log=True)
    status = ("status", E0000102)
    attempts = [
        (round(0.01 * (n + 1), 4), "web.package_attempt", ("n", n), ("package", "inf"), status)
        for n in range(1, 6)
    ]
    assert timeline(result) == [
        (0.0, "web.connect"),
        (0.01, "web.printer"),
        *attempts,
        (0.06, "web.failed", ("status", E0000102)),
        (60.682, "client.rejected", ("status", E0000102)),
        (508.096, "client.rejected", ("status", E0000102)),
    ]
    failed = result.log.of_kind("web.failed")[0]
    assert failed.get("message") == "Printer Installation Failed, Error Code = E0000102"
    assert result.report.web.failures == {failed.get("message"): 1}
    assert result.report.web.bytes == 0


def test_renaming_the_section_to_sourcedisksnames_lets_the_same_client_connect_and_print() -> None:
    """One attempt builds the package (the INF, 2 of its files and 2 more: 2,001,750 bytes), it
    crosses the 1 MB/s link in about 2 s, the port is named by the printer's URL, and both jobs
    go over IPP into the queue and print."""
    result = run(parse_scenario(ONE_XP_CLIENT.replace("INF", str(FIXED))), keep_log=True)
    port = ("port", "http://PRINTSRV/printers/Sales/.printer")
    assert timeline(result) == [
        (0.0, "web.connect"),
        (0.01, "web.printer"),
        (0.02, "web.package_built", ("package", "inf")),
        (2.0317, "web.driver", ("package", "inf"), ("source", "download")),
        (2.0317, "web.port_created", port),
        (2.0317, "web.connected", ("package", "inf"), port, ("source", "download")),
        (60.682, "job.submitted"),
        (74.982, "job.completed"),
        (508.096, "job.submitted"),
        (522.396, "job.completed"),
    ]
    web = result.report.web
    assert (web.connections, web.failed, web.bytes) == (1, 0, 2_001_750)
    assert (web.ipp_jobs, web.ipp_failed) == (2, 0)
    assert result.report.completed == 2


def test_the_web_printing_scenario_mixes_every_kind_of_client() -> None:
    sc = load_scenario(SCENARIOS / "web-printing.toml")
    result = run(sc, keep_log=True)
    web = result.report.web
    groups = {g.name: g.count for g in sc.clients}
    # XP on PRINTSRV fails; XP on PRINTSRV2, Windows 7 (cab per architecture) and Windows 10
    # (in-box) connect; the Internet-zone group is refused before anything is fetched.
    assert web.failures == {
        "Printer Installation Failed, Error Code = E0000102": groups["xp-sales"],
        "PRINTSRV is in the Internet zone and Protected Mode is on: connecting a printer is"
        " blocked": groups["home"],
    }
    assert web.refused == groups["home"]
    assert web.sources == {
        "download": groups["xp-office"] + groups["win7-x86"] + groups["win7-x64"],
        "inbox": groups["win10"],
    }
    assert web.packages == {
        "cab": groups["win7-x86"] + groups["win7-x64"],
        "inf": groups["xp-office"],
    }
    # Each failed XP connection made five build attempts; a package is built once per server,
    # environment and kind, then served from the cache.
    attempts = every(result, "web.package_attempt")
    assert len(attempts) == 5 * groups["xp-sales"]
    built = {(e.get("environment"), e.get("package")) for e in every(result, "web.package_built")}
    assert len(every(result, "web.package_built")) == 5  # x86 inf; x86, x64 cabs per server
    assert built == {("Windows NT x86", "inf"), ("Windows NT x86", "cab"), ("Windows x64", "cab")}
    for e in every(result, "web.connected"):
        assert e.get("port").endswith(f"/printers/{e.get('printer')}/.printer")
    # Every job of a connected client went over IPP and printed; the others were refused.
    report = result.report
    assert web.ipp_jobs - web.ipp_failed == report.completed > 100
    assert report.submitted == report.completed + report.rejected and report.rejected > 0
    assert all(
        e.get("status") in (E0000102, Win32.ERROR_ACCESS_DENIED, Win32.ERROR_NOT_READY)
        for e in every(result, "client.rejected")
    )
    assert all(outcome.passed for outcome in report.outcomes)


def test_the_same_seed_gives_the_same_event_log() -> None:
    sc = load_scenario(SCENARIOS / "web-printing.toml")
    first = run(sc, keep_log=True).events_jsonl()
    assert first == run(sc, keep_log=True).events_jsonl()
    assert first != run(sc, keep_log=True, seed=8).events_jsonl()


@pytest.mark.parametrize(
    ("change", "where", "says"),
    [
        (
            'web_connect_within = "0s"',
            'zone = "moon"\nweb_connect_within = "0s"',
            "clients[0].zone",
        ),
        (
            'web_connect_within = "0s"',
            'web_connect_within = "-5m"',
            "clients[0].web_connect_within",
        ),
        ('inf = "INF"', 'inf = "no/such.inf"', "drivers[0].inf: cannot read no/such.inf"),
    ],
)
def test_bad_web_keys_are_refused_by_name(change, where, says) -> None:
    text = ONE_XP_CLIENT.replace("INF", str(FIXED)).replace(
        change.replace("INF", str(FIXED)), where
    )
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text)
    assert says in str(caught.value)


def _post(port: int, path: str, form: str, user: str) -> tuple[int, str]:
    token = base64.b64encode(user.encode()).decode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=form.encode(),
        headers={"Authorization": f"Basic {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


async def test_the_served_printer_page_connects_each_kind_of_client(tmp_path) -> None:
    """``spoolsim serve``'s Connect button runs the flow for a client of the chosen group, as the
    logged-in user, and shows its outcome and timeline."""
    text = (SCENARIOS / "web-printing.toml").read_text()
    text = text.replace('inf = "drivers/', f'inf = "{SCENARIOS}/drivers/')
    with trio.fail_after(60):
        proc, port = await _serve(tmp_path, "--rate", "60", scenario=text)
        try:
            pages = {}
            for group in ("xp-sales", "win7-x64", "home"):
                form = f"action=connect&client={group}"
                pages[group] = await trio.to_thread.run_sync(
                    _post, port, "/printers/Sales/", form, "admin:admin"
                )
        finally:
            code, out = await _finish(proc)
    for status, _ in pages.values():
        assert status == 200
    xp, win7, home = (html for _, html in pages.values())
    assert "Printer Installation Failed, Error Code = E0000102" in xp
    assert xp.count("web.package_attempt") == 5
    assert '<section id="connect-result" class="ok">' in win7
    assert "port=http://PRINTSRV/printers/Sales/.printer" in win7
    assert "Internet zone and Protected Mode is on" in home and "web.printer" not in home
    # Stopped after a few simulated minutes, the run has not met its expectations yet: exit 1.
    assert code == 1 and "web printing:" in out, out
