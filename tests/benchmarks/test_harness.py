"""The benchmark harness and its reference model are right; nothing here times anything."""

from __future__ import annotations

import json
import math
import pathlib
import subprocess
import sys
import types

import attrs
import pytest

import benchmarks.__main__ as harness
from benchmarks import codecs, reference_simpy
from benchmarks.reference_simpy import REFERENCE, ReferenceParams, analytic_mean_wait
from spoolsim.wire import pjl

ROOT = pathlib.Path(__file__).resolve().parents[2]


# -- the SimPy reference model --------------------------------------------------------------
def test_analytic_mean_wait_is_pollaczek_khinchine() -> None:
    assert analytic_mean_wait(REFERENCE) == pytest.approx(18.0)
    # Half the clients: rho = 1/3, lambda = 1/30, E[S^2] = 180: 6 / (4/3) = 4.5 s.
    assert analytic_mean_wait(ReferenceParams(clients=1000)) == pytest.approx(4.5)
    with pytest.raises(ValueError, match="utilisation"):
        analytic_mean_wait(ReferenceParams(clients=3000))


def _run(seed: int, hours: float, params: ReferenceParams) -> reference_simpy.Tally:
    pytest.importorskip("simpy")
    env, tally = reference_simpy.build_model(seed, hours, params)
    env.run()
    return tally


def test_simpy_mean_wait_near_the_analytic_value() -> None:
    pytest.importorskip("simpy")
    result = reference_simpy.run_simpy(seed=1, hours=2.0)
    assert set(result) == {
        "jobs",
        "wall_s",
        "jobs_per_s",
        "mean_wait_s",
        "p95_wait_s",
        "analytic_mean_wait_s",
    }
    assert result["analytic_mean_wait_s"] == pytest.approx(18.0)
    assert 10.0 < result["mean_wait_s"] < 30.0
    assert result["mean_wait_s"] < result["p95_wait_s"] < 200.0
    assert result["wall_s"] > 0 and result["jobs_per_s"] > 0


def test_simpy_prints_every_job_it_was_given() -> None:
    tally = _run(seed=3, hours=2.0, params=REFERENCE)
    expected = 2 * 3600 * REFERENCE.clients / REFERENCE.mean_interval  # 24,000
    assert tally.submitted == tally.completed == len(tally.waits)
    assert abs(tally.submitted - expected) < 0.05 * expected  # ~8 standard deviations
    assert min(tally.waits) == 0.0 and all(w >= 0 for w in tally.waits)
    # Every printer warms up for its first job; after that a 5-minute idle gap is rare.
    assert REFERENCE.printers <= tally.warmups < REFERENCE.printers + 10


def test_simpy_warm_up_rule() -> None:
    small = ReferenceParams(printers=3, clients=20)
    never_cold = _run(seed=2, hours=1.0, params=attrs.evolve(small, idle_before_warmup=math.inf))
    assert never_cold.warmups == small.printers  # only each printer's first job
    always_cold = _run(seed=2, hours=1.0, params=attrs.evolve(small, idle_before_warmup=0.0))
    assert always_cold.warmups == always_cold.completed > 0
    # Warming up before every job lengthens the queues.
    assert sum(always_cold.waits) > sum(never_cold.waits)


def test_simpy_is_deterministic_for_a_seed() -> None:
    one, again, other = (_run(seed, 1.0, REFERENCE) for seed in (7, 7, 8))
    assert one.waits == again.waits and one.submitted == again.submitted
    assert one.waits != other.waits


# -- codecs ---------------------------------------------------------------------------------
def test_codecs_report_positive_rates_for_both_protocols() -> None:
    rows = codecs.run_codecs(mb=1)
    assert {row["codec"] for row in rows} == {"PJL", "LPR"}
    assert len(rows) == len({(row["codec"], row["direction"]) for row in rows}) == 10
    for row in rows:
        assert set(row) == {"codec", "direction", "mb_per_s", "bytes"}
        assert row["mb_per_s"] > 0 and row["bytes"] > 0
    large = [row for row in rows if "large" in row["direction"]]
    assert all(row["bytes"] >= 1_000_000 for row in large)


# Print data with ESC and UEL fragments, cut so that reads split them anywhere.
AWKWARD = [b"\x1bE\x1b%-1234", b"5Y" + bytes(range(256)), b"@PJL not a command\r\n", b"\x1b"]


@pytest.mark.parametrize("read", [1, 7, 64 * 1024])
def test_pjl_job_round_trip(read: int) -> None:
    stream = b"".join(codecs.pjl_job_stream(AWKWARD))
    events, data = codecs.pjl_parse_job(stream, read)
    assert b"".join(data) == b"".join(AWKWARD)
    assert [type(e).__name__ for e in events] == [
        "Uel",
        "Command",
        "Command",
        "Uel",
        "Command",
        "Uel",
        "EndOfStream",
    ]
    assert events[2] == pjl.Command.of("ENTER", LANGUAGE="PCL")


@pytest.mark.parametrize("read", [1, 5, 64 * 1024])
def test_pjl_status_round_trip(read: int) -> None:
    replies = list(codecs._status_replies(12))
    events = codecs.pjl_parse_status(b"".join(codecs.pjl_status_stream(replies)), read)
    assert events == [*replies, pjl.EndOfStream()]


@pytest.mark.parametrize("read", [1, 3, 64 * 1024])
def test_lpr_round_trip(read: int) -> None:
    data = [b"\0\n\x01" * 50, b"\x03 7 dfA001x\n", b"tail"]
    events, files, acks = codecs.lpr_parse(b"".join(codecs.lpr_job_stream(data)), read)
    assert [b"".join(pieces) for pieces in files] == [codecs._CONTROL, b"".join(data)]
    assert acks == b"\0" * 5  # receive job, both headers, both trailers
    assert type(events[-1]).__name__ == "EndOfStream"


def test_codecs_refuse_to_report_a_lossy_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    real = codecs.pjl_parse_job

    def lossy(stream: bytes, read: int = codecs.CHUNK) -> tuple[list[object], list[bytes]]:
        events, data = real(stream, read)
        return events, [*data[:-1], data[-1][:-1]]  # one byte short

    monkeypatch.setattr(codecs, "pjl_parse_job", lossy)
    with pytest.raises(RuntimeError, match="PJL print data"):
        codecs.run_codecs(mb=1)


# -- the harness ----------------------------------------------------------------------------
def test_quick_codecs_run_exits_0_and_writes_json(tmp_path: pathlib.Path) -> None:
    command = ["-m", "benchmarks", "--quick", "--only", "codecs", "--results-dir", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "host parses USTATUS" in done.stdout
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 2 and "latest.json" in files
    latest = json.loads((tmp_path / "latest.json").read_text())
    assert (tmp_path / files[0]).read_text() == (tmp_path / "latest.json").read_text()
    assert latest["quick"] is True and list(latest["benchmarks"]) == ["codecs"]
    entry = latest["benchmarks"]["codecs"]
    assert entry["status"] == "ok" and len(entry["rows"]) == 10


def _simpy_figures(seed: int = 1, hours: float = 8.0) -> dict:
    return {
        "jobs": 1000,
        "wall_s": 0.01,
        "jobs_per_s": 100_000.0,
        "mean_wait_s": 18.1,
        "p95_wait_s": 70.0,
        "analytic_mean_wait_s": 18.0,
    }


def _spoolsim_figures(transport: str, seed: int = 1, hours: float = 8.0) -> dict:
    rate = {"direct": 60_000.0, "wire": 20_000.0}[transport]
    return {**_simpy_figures(), "jobs_per_s": rate, "wall_s": 1000 / rate, "events": 9000}


def _harness(tmp_path: pathlib.Path, *args: str) -> tuple[int, dict]:
    code = harness.main(["--quick", "--results-dir", str(tmp_path), *args])
    return code, json.loads((tmp_path / "latest.json").read_text())


def test_reference_ratios_and_targets(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(reference_simpy, "run_simpy", _simpy_figures)
    fake = types.ModuleType("benchmarks.reference")
    fake.run_spoolsim = _spoolsim_figures
    monkeypatch.setitem(sys.modules, "benchmarks.reference", fake)
    code, results = _harness(tmp_path, "--only", "reference", "--repeat", "2")
    entry = results["benchmarks"]["reference"]
    assert code == 0 and entry["status"] == "ok" and entry["spoolsim"] == "ok"
    assert entry["direct"]["ratio"] == pytest.approx(0.6) and entry["direct"]["target_met"]
    assert entry["wire"]["ratio"] == pytest.approx(0.2) and not entry["wire"]["target_met"]
    assert entry["simpy"]["runs"] == entry["direct"]["runs"] == 2
    out = capsys.readouterr().out
    assert ">= 0.5x met" in out and ">= 0.25x NOT MET" in out


def test_reference_without_the_spoolsim_runner(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(reference_simpy, "run_simpy", _simpy_figures)
    monkeypatch.setitem(sys.modules, "benchmarks.reference", None)  # import fails: not found
    code, results = _harness(tmp_path, "--only", "reference")
    entry = results["benchmarks"]["reference"]
    assert code == 0 and entry["status"] == "ok"
    assert "not available" in entry["spoolsim"] and "direct" not in entry
    assert "reference: spoolsim runner not available" in capsys.readouterr().out


def test_a_failing_benchmark_fails_the_run_but_not_the_others(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(quick: bool, repeat: int) -> dict:
        raise ValueError("boom")

    def fine(quick: bool, repeat: int) -> dict:
        return {"rows": []}

    monkeypatch.setitem(harness.BENCHMARKS, "runtime", broken)
    monkeypatch.setitem(harness.BENCHMARKS, "codecs", fine)
    code, results = _harness(tmp_path, "--only", "runtime", "codecs")
    assert code == 1
    assert list(results["benchmarks"]) == ["codecs", "runtime"]  # the harness's order
    assert results["benchmarks"]["runtime"]["status"] == "error"
    assert "boom" in results["benchmarks"]["runtime"]["error"]
    assert results["benchmarks"]["codecs"]["status"] == "ok"


def test_last_json_reads_a_child_that_also_printed_text() -> None:
    assert harness._last_json('{"wall_s": 1.5}') == {"wall_s": 1.5}
    assert harness._last_json('progress...\n{"wall_s": 2}\n') == {"wall_s": 2}
    with pytest.raises(RuntimeError, match="no JSON"):
        harness._last_json("nothing here\n")
