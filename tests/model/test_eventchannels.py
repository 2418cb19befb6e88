"""Event channels: bounded per-channel rings of frozen records, with a dropped counter."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.model import PrintServer
from spoolsim.model.eventchannels import (
    ADMIN,
    DEFAULT_MAX_RECORDS,
    OPERATIONAL,
    ChannelRecord,
    ChannelStatistics,
    EventChannels,
    Level,
)


def test_print_service_channels_exist_and_start_empty():
    ch = EventChannels()
    for name in (ADMIN, OPERATIONAL):
        assert ch.records(name) == []
        assert ch.statistics(name) == ChannelStatistics(name, DEFAULT_MAX_RECORDS, 0, 0, 0)
    assert len(ch) == 0 and list(ch) == []


def test_write_returns_the_kept_frozen_record():
    ch = EventChannels()
    rec = ch.write(12.5, OPERATIONAL, 307, Level.INFORMATION, {"JobId": 7, "pDocumentName": "a"})
    assert rec == ChannelRecord(
        12.5, OPERATIONAL, 307, Level.INFORMATION, (("JobId", 7), ("pDocumentName", "a")), 1
    )
    assert rec.get("pDocumentName") == "a" and rec.get("nope", 0) == 0
    assert ch.records(OPERATIONAL) == [rec]
    assert ch.records(ADMIN) == []
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        rec.event_id = 1  # type: ignore[misc]


def test_fields_keep_the_writers_order_and_levels_become_the_enum():
    ch = EventChannels()
    rec = ch.write(0, ADMIN, 372, 2, [("b", 1), ("a", 2)])
    assert rec.fields == (("b", 1), ("a", 2))
    assert rec.level is Level.ERROR
    with pytest.raises(ValueError):
        ch.write(0, ADMIN, 372, 9)


def test_record_ids_count_per_channel():
    ch = EventChannels()
    ids = [ch.write(t, ADMIN if t % 2 else OPERATIONAL, 1, 4).record_id for t in range(5)]
    assert ids == [1, 1, 2, 2, 3]


def test_channel_names_compare_without_case_and_unknown_ones_are_refused():
    ch = EventChannels()
    rec = ch.write(0, OPERATIONAL.upper(), 805, Level.INFORMATION)
    assert rec.channel == OPERATIONAL
    assert ch.records(OPERATIONAL.lower()) == [rec]
    with pytest.raises(ValueError, match="no event channel"):
        ch.write(0, "Application", 1, 4)
    with pytest.raises(ValueError):
        ch.records("System")


def test_a_full_channel_drops_its_oldest_record_and_counts_it():
    ch = EventChannels(max_records=3)
    for t in range(5):
        ch.write(float(t), ADMIN, 372, Level.ERROR, {"n": t})
    kept = ch.records(ADMIN)
    assert [r.get("n") for r in kept] == [2, 3, 4]
    assert [r.record_id for r in kept] == [3, 4, 5]
    assert ch.dropped(ADMIN) == 2
    assert ch.statistics(ADMIN) == ChannelStatistics(ADMIN, 3, 3, 5, 2)
    # The other channel is untouched by the first one's overflow.
    assert ch.statistics(OPERATIONAL) == ChannelStatistics(OPERATIONAL, 3, 0, 0, 0)


def test_per_channel_limits_override_the_default():
    ch = EventChannels(max_records=5, limits={OPERATIONAL.lower(): 1})
    for t in range(3):
        ch.write(t, OPERATIONAL, 307, 4)
        ch.write(t, ADMIN, 372, 2)
    assert len(ch.records(OPERATIONAL)) == 1 and ch.dropped(OPERATIONAL) == 2
    assert len(ch.records(ADMIN)) == 3 and ch.dropped(ADMIN) == 0
    assert len(ch) == 4
    assert [r.channel for r in ch] == [ADMIN] * 3 + [OPERATIONAL]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_records": 0},
        {"limits": {ADMIN: 0}},
        {"limits": {"Application": 5}},
    ],
)
def test_bad_bounds_are_refused(kwargs):
    with pytest.raises(ValueError):
        EventChannels(**kwargs)


def test_query_by_event_id():
    ch = EventChannels()
    ch.write(0, OPERATIONAL, 307, 4)
    ch.write(1, OPERATIONAL, 805, 4)
    ch.write(2, OPERATIONAL, 307, 4)
    assert [r.time for r in ch.records(OPERATIONAL, 307)] == [0, 2]
    assert [r.time for r in ch.records(OPERATIONAL, 824)] == []


def test_the_print_server_holds_its_own_channels():
    a, b = PrintServer(), PrintServer()
    a.channels.write(0, ADMIN, 868, Level.WARNING)
    assert len(a.channels) == 1 and len(b.channels) == 0


@given(
    bound=st.integers(1, 6),
    writes=st.lists(st.sampled_from([ADMIN, OPERATIONAL]), max_size=40),
)
def test_each_channel_keeps_exactly_its_last_bound_records(bound, writes):
    ch = EventChannels(max_records=bound)
    for i, name in enumerate(writes):
        ch.write(float(i), name, 1, Level.VERBOSE, {"i": i})
    for name in (ADMIN, OPERATIONAL):
        mine = [i for i, n in enumerate(writes) if n == name]
        kept = ch.records(name)
        assert [r.get("i") for r in kept] == mine[-bound:]
        assert ch.dropped(name) == max(0, len(mine) - bound)
        assert [r.record_id for r in kept] == list(range(len(mine) - len(kept) + 1, len(mine) + 1))
        stats = ch.statistics(name)
        assert (stats.kept, stats.written, stats.dropped) == (
            len(kept),
            len(mine),
            ch.dropped(name),
        )
