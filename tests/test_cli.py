"""The ``spoolsim`` command as users run it: exit codes, outputs, messages."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

from spoolsim import cli
from tests.scenario.test_runner import burst, estate

ROOT = pathlib.Path(__file__).resolve().parent.parent
SMALL = '[simulation]\nduration = "1h"\nseed = 4\n' + estate("P1", "P2") + burst("c", "P1", 3)


def spoolsim(*args: str, cwd: pathlib.Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "spoolsim.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture
def small(tmp_path: pathlib.Path) -> pathlib.Path:
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    return path


def test_validate_accepts_every_shipped_scenario() -> None:
    files = sorted(str(p) for p in (ROOT / "scenarios").glob("*.toml"))
    done = spoolsim("validate", *files)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": ok (") == len(files) >= 6


def test_validate_lists_a_typo_a_dangling_reference_and_a_wrong_type_at_once(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    text = (
        SMALL.replace('duration = "1h"', 'duraton = "1h"')  # a typo
        .replace('ports = ["IP_p1"]', 'ports = ["IP_nowhere"]')  # a port that does not exist
        .replace("count = 1", 'count = "many"')  # a string for a number
    )
    bad.write_text(text)
    done = spoolsim("validate", str(bad))
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    text = bad.read_text().splitlines()

    def line_of(fragment: str) -> int:
        return next(i for i, line in enumerate(text, 1) if fragment in line)

    assert any(f"bad.toml:{line_of('duraton')}:" in x and "duration" in x for x in lines), lines
    assert any(f"bad.toml:{line_of('IP_nowhere')}:" in x and "IP_nowhere" in x for x in lines)
    assert any(f"bad.toml:{line_of('many')}:" in x and "count" in x for x in lines), lines


def test_run_prints_the_summary_and_writes_every_output(small, tmp_path) -> None:
    out = {k: tmp_path / f"out.{k}" for k in ("json", "jsonl", "prom")}
    done = spoolsim(
        "run", str(small), "--json", str(out["json"]), "--events", str(out["jsonl"]),
        "--metrics-out", str(out["prom"]),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "jobs: 3 submitted, 3 completed" in done.stdout
    assert "speed-up" in done.stdout and "P1" in done.stdout
    report = json.loads(out["json"].read_text())
    assert report["completed"] == 3 and report["printers"][0]["wait"]["max"] == 14.0
    events = [json.loads(line) for line in out["jsonl"].read_text().splitlines()]
    assert [e["subject"] for e in events if e["kind"] == "job.printed"] == ["P1/1", "P1/2", "P1/3"]
    prom = out["prom"].read_text()
    assert 'windows_printer_job_count{printer="P1"} 3.0' in prom
    assert 'spoolsim_jobs_completed_total{printer="P1",server="PRINTSRV"} 3.0' in prom


def test_a_failed_expectation_exits_1_and_says_which(small) -> None:
    small.write_text(SMALL + '[[expect]]\nmetric = "wait_max"\nbelow = 5\n')
    done = spoolsim("run", str(small), "--quiet")
    assert done.returncode == 1
    assert "FAIL  wait_max below 5" in done.stdout


def test_seed_and_transport_options(small, tmp_path) -> None:
    small.write_text(
        SMALL.replace(burst("c", "P1", 3), "")
        + '[[clients]]\nname = "c"\ncount = 9\npages = 2\nchoice = { kind = "random" }\n'
        'arrival = { process = "poisson", mean_interval = "10m" }\n'
    )
    logs = {}
    for name, args in {
        "a": ("--seed", "9"),
        "b": ("--seed", "9", "--transport", "wire"),
        "c": ("--seed", "10"),
    }.items():
        events = tmp_path / f"{name}.jsonl"
        done = spoolsim("run", str(small), "--events", str(events), *args)
        assert done.returncode == 0, done.stderr
        logs[name] = events.read_text()
    assert logs["a"] == logs["b"] != logs["c"]


def test_bad_input_exits_2_before_running(small, tmp_path) -> None:
    missing = spoolsim("run", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    suffix = spoolsim("run", str(small), "--plot", str(tmp_path / "plot.gif"))
    assert suffix.returncode == 2 and ".png or .svg" in suffix.stderr
    assert suffix.stdout == ""  # nothing ran
    rate = spoolsim("serve", str(small), "--rate", "0")
    assert rate.returncode == 2 and "--rate" in rate.stderr
    rpc = spoolsim("serve", str(small), "--rpc", "127.0.0.1")
    assert rpc.returncode == 2 and "--rpc 127.0.0.1: expected HOST:PORT" in rpc.stderr
    epm = spoolsim("serve", str(small), "--epm", "135")
    assert epm.returncode == 2 and "--epm: the endpoint mapper points at" in epm.stderr
    epm = spoolsim("serve", str(small), "--rpc", ":0", "--epm", "70000")
    assert epm.returncode == 2 and "--epm 70000: expected a port" in epm.stderr


def test_plot_writes_a_png(small, tmp_path) -> None:
    pytest.importorskip("matplotlib")
    image = tmp_path / "run.png"
    done = spoolsim("run", str(small), "--plot", str(image))
    assert done.returncode == 0, done.stderr
    assert image.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_says_how_to_get_it(small, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    code = cli.main(["run", str(small), "--plot", str(tmp_path / "x.svg")])
    assert code == 2
    assert "pip install 'spoolsim[plot]'" in capsys.readouterr().err


def test_the_progress_bar_shows_only_on_a_terminal_after_two_seconds() -> None:
    import io

    from spoolsim.scenario import Progress

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = cli._Bar(stream, enabled=stream.isatty())
    bar(Progress(now=600.0, end=3600.0, submitted=10, completed=8, wall=1.0))
    assert stream.getvalue() == ""  # under two seconds: silent
    bar(Progress(now=1800.0, end=3600.0, submitted=20, completed=18, wall=2.5))
    assert "0.50/1.00 h simulated" in stream.getvalue() and "18/20 jobs" in stream.getvalue()
    bar.close()
    assert stream.getvalue().endswith("\r")


def test_a_reader_that_goes_away_ends_the_output_quietly() -> None:
    """``spoolsim methods | head -1``: no traceback when the pipe closes early."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line is written
    try:
        done = subprocess.run(
            [sys.executable, "-m", "spoolsim.cli", "methods"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (0, "")
