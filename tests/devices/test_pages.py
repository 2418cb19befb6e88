"""Page counting: form feeds end pages, trailing bytes make one more, any chunking agrees."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.pages import PageCounter, count_pages


@pytest.mark.parametrize(
    ("data", "pages"),
    [
        (b"", 0),
        (b"abc", 1),
        (b"abc\x0c", 1),
        (b"\x0c", 1),
        (b"\x0c\x0c", 2),
        (b"a\x0cb", 2),
        (b"page one\x0cpage two\x0c", 2),
        (b"\x1bE\x0c\x1bE", 2),  # bytes after the last form feed count, whatever they are
    ],
)
def test_count_pages(data: bytes, pages: int) -> None:
    assert count_pages(data) == pages


def _model(data: bytes) -> int:
    """An independent statement of the rule: pieces between form feeds, minus an empty last."""
    if not data:
        return 0
    pieces = data.split(b"\x0c")
    return len(pieces) - (pieces[-1] == b"")


# Print data rich in form feeds, so page boundaries fall at chunk edges often.
print_data = st.lists(st.sampled_from([b"\x0c", b"x", b"\x1b", b"\x00", b"ab"]), max_size=40).map(
    b"".join
) | st.binary(max_size=200)


@given(data=print_data, cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12))
def test_any_chunking_gives_the_same_count(data: bytes, cuts: list[int]) -> None:
    edges = sorted({min(cut, len(data)) for cut in cuts} | {0, len(data)})
    counter = PageCounter()
    for start, end in itertools.pairwise(edges):
        counter.feed(data[start:end])
        assert counter.pages == count_pages(data[:end])  # readable at any point
    assert counter.pages == count_pages(data) == _model(data)


def test_empty_chunks_change_nothing() -> None:
    counter = PageCounter()
    counter.feed(b"one\x0ctwo")
    counter.feed(b"")
    assert counter.pages == 2
    counter.feed(b"\x0c")
    assert counter.pages == 2
