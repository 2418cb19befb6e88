from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.wire import secdesc

SID = st.builds(
    lambda a, subs: "-".join(["S", "1", str(a), *map(str, subs)]),
    st.integers(0, 2**48 - 1),
    st.lists(st.integers(0, 2**32 - 1), max_size=6),
)


def test_golden_everyone_sid():
    assert secdesc.sid_to_bytes("S-1-1-0") == bytes.fromhex("010100000000000100000000")


@given(SID, st.lists(st.tuples(SID, st.integers(0, 2**32 - 1)), max_size=5))
def test_round_trip(owner, aces):
    assert secdesc.decode(secdesc.encode(owner, aces)) == (owner, aces)


@given(st.binary(max_size=80))
def test_garbage_is_refused_cleanly(data):
    try:
        secdesc.decode(data)
    except secdesc.SecurityDescriptorError:
        pass


def test_truncated_descriptor_names_the_problem():
    good = secdesc.encode("S-1-5-18", [("S-1-1-0", 8)])
    with pytest.raises(secdesc.SecurityDescriptorError, match="past the end"):
        secdesc.decode(good[:-3])
