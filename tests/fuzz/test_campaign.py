"""The fuzz campaign of ``make fuzz`` (``benchmarks.fuzz``), short: a few hundred inputs per
front end through each codec, with seeds Hypothesis picks (a failure shrinks to one seed and
replays exactly), and over real sockets to one real ``spoolsim serve`` process. Nothing may
crash, no answer may be an internal error, and every front end must still answer a well-formed
request afterwards."""

from __future__ import annotations

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.fuzz import __main__ as campaign
from benchmarks.fuzz import dcerpc, ipp, lpd, pages, pjl, scenario, target

CODECS = [pjl, lpd, ipp, dcerpc, scenario]
SERVERS = [pjl, lpd, ipp, pages, dcerpc]
PER_SEED = 20  # inputs per Hypothesis example: 15 examples make 300 inputs per codec


@pytest.mark.parametrize("module", CODECS, ids=lambda m: m.NAME)
def test_codecs_raise_only_their_own_errors(module) -> None:
    @settings(max_examples=15, database=None)
    @given(seed=st.integers(0, 2**32 - 1))
    def run(seed: int) -> None:
        figures = module.codec(PER_SEED, seed)
        assert figures.inputs == PER_SEED
        assert figures.crashes == 0, figures.examples

    run()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    served = target.start(tmp_path_factory.mktemp("fuzz-target"))
    yield served
    assert served.stop() in (0, 1), served.stderr()


@pytest.mark.parametrize("module", SERVERS, ids=lambda m: m.NAME)
def test_front_ends_survive_hostile_input(server, module) -> None:
    figures = trio.run(module.socket, server, 200, 7, 2)
    assert figures.inputs >= 200
    assert figures.crashes == 0, figures.examples
    assert figures.internal == 0, figures.examples
    assert server.alive()
    assert trio.run(module.probe, server) is None
    peak, _rss = server.memory()
    assert peak is not None and peak < 400 * 1024, f"peak RSS {peak} kB"
    assert "Traceback" not in server.stderr()


def test_the_campaign_prints_its_figures(tmp_path, capsys) -> None:
    """``python -m benchmarks.fuzz`` end to end, tiny: a row per part, the memory line, the
    probes after the campaign, and exit status 0."""
    argv = ["--inputs", "40", "--only", "pjl", "http", "--workdir", str(tmp_path)]
    assert campaign.main(argv) == 0
    out = capsys.readouterr().out
    assert "pjl       codec" in out and "pjl       socket" in out and "http      socket" in out
    assert "well-formed requests: pjl ok, http ok" in out
    assert "server memory:" in out and "0 crash(es), 0 internal error(s)" in out
