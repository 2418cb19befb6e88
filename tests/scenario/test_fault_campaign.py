"""A short fault campaign (benchmarks/fault_campaign.py, 100 kills from the command line):
``spoolsim serve --spool-dir`` killed with SIGKILL at random points while a client prints over
IPP; afterwards every acknowledged job has printed, none twice but those a kill cut off while
they printed (restarted, as Windows restarts a job that was printing: at most one per printer
per kill)."""

from __future__ import annotations

from benchmarks.fault_campaign import campaign


def test_kills_lose_no_acknowledged_job_and_print_none_twice(tmp_path) -> None:
    figures = campaign(kills=6, seed=7, rate=60.0, work=tmp_path)
    assert figures["acknowledged"] > 0
    assert figures["lost"] == 0 and figures["duplicated"] == 0, figures["examples"]
    assert figures["reprinted_after_kill"] <= 2 * figures["kills"]
    assert figures["printed"] + figures["reprinted_after_kill"] == figures["acknowledged"]
