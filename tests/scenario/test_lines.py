"""The line locator: key paths of a TOML document to the lines they are written on."""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.scenario.lines import LineMap, format_path, parse_path

DOC = """\
# a comment with [[brackets]] and key = "value"
name = "x"                      # line 2
[simulation]                    # line 3
duration = "8h"                 # line 4
render_cost."NT EMF 1.008" = 2  # line 5

[[printers]]                    # line 7
name = "A"
ports = ["p1", "p2"]            # line 9

[[printers]]                    # line 11
name = "B"                      # line 12
ports = [                       # line 13
  "p3",                         # line 14
  # a comment between elements
  "p4",                         # line 16
]
note = \"\"\"
[[printers]]
name = "not a table"
\"\"\"                            # lines 18-21: one string
[printers.arrival]              # line 22: belongs to printers[1]
process = "curve"               # line 23
bursts = [{ at = "09:00", jobs = 3 }, { at = "10:00", jobs = 4 }]   # line 24

[[printers.faults]]             # line 26: printers[1].faults[0]
kind = 'jam # not a comment'    # line 27
[[printers.faults]]             # line 28: printers[1].faults[1]
per_page = 0.5                  # line 29

[[clients]]                     # line 31
name = "c"
arrival = { process = "poisson", mean_interval = 0 }   # line 33
pages.distribution = "fixed"    # line 34: a dotted key
"quoted key" = 1                # line 35
"""


@pytest.fixture(scope="module")
def lines() -> LineMap:
    tomllib.loads(DOC)  # the scanner runs only on valid TOML
    return LineMap(DOC)


@pytest.mark.parametrize(
    ("path", "line"),
    [
        ("name", 2),
        ("simulation", 3),
        ("simulation.duration", 4),
        ('simulation.render_cost."NT EMF 1.008"', 5),
        ("simulation.render_cost", 5),
        ("printers", 7),
        ("printers[0]", 7),
        ("printers[0].ports", 9),
        ("printers[0].ports[1]", 9),
        ("printers[1]", 11),
        ("printers[1].name", 12),
        ("printers[1].ports", 13),
        ("printers[1].ports[0]", 14),
        ("printers[1].ports[1]", 16),
        ("printers[1].note", 18),
        ("printers[1].arrival", 22),
        ("printers[1].arrival.process", 23),
        ("printers[1].arrival.bursts[1].jobs", 24),
        ("printers[1].faults[0]", 26),
        ("printers[1].faults[0].kind", 27),
        ("printers[1].faults[1].per_page", 29),
        ("clients[0]", 31),
        ("clients[0].arrival.mean_interval", 33),
        ("clients[0].pages", 34),
        ("clients[0].pages.distribution", 34),
        ('clients[0]."quoted key"', 35),
    ],
)
def test_each_key_is_found_on_its_line(lines: LineMap, path: str, line: int) -> None:
    assert lines.exact(path) == line
    assert lines.line(path) == line


def test_a_string_that_looks_like_a_table_is_not_one(lines: LineMap) -> None:
    assert lines.exact("printers[2]") is None
    assert lines.exact("printers[1].faults[2]") is None


def test_a_missing_key_is_placed_at_its_nearest_written_ancestor(lines: LineMap) -> None:
    assert lines.exact("printers[1].driver") is None
    assert lines.line("printers[1].driver") == 11
    assert lines.line(("printers", 1, "arrival", "per_hour", 3)) == 22
    assert lines.line("clients[0].arrival.bursts") == 33
    assert lines.line("expect[0].metric") is None


def test_carriage_returns_and_an_empty_document() -> None:
    text = "a = 1\r\n[t]\r\nb = [\r\n 1,\r\n 2]\r\n"
    assert tomllib.loads(text)
    found = LineMap(text)
    assert (found.exact("t.b[1]"), found.exact("t.b[0]"), found.exact("a")) == (5, 4, 1)
    assert len(LineMap("")) == 0


def test_nested_arrays_and_inline_tables_spanning_lines() -> None:
    text = 'grid = [[1, 2], [\n3,\n4]]\nt = { a = { b = [\n"x"] } }\n'
    assert tomllib.loads(text)
    found = LineMap(text)
    assert found.exact("grid[1][1]") == 3
    assert found.exact("grid[0][1]") == 1
    assert found.exact("t.a.b[0]") == 5


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("printers[3].ports[0]", ("printers", 3, "ports", 0)),
        ("simulation", ("simulation",)),
        ('render_cost."NT EMF 1.008"', ("render_cost", "NT EMF 1.008")),
        ('a."say \\"hi\\""', ("a", 'say "hi"')),
        ("grid[0][1]", ("grid", 0, 1)),
    ],
)
def test_path_text_both_ways(text: str, path: tuple) -> None:
    assert parse_path(text) == path
    assert format_path(path) == text


@pytest.mark.parametrize("text", [".a", "a..b", "[0]", "a.[0]", "a b", "a[x]"])
def test_bad_path_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a key path"):
        parse_path(text)


_keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)


@given(
    st.tuples(_keys, st.lists(st.one_of(_keys, st.integers(0, 10**6)), max_size=6)).map(
        lambda parts: (parts[0], *parts[1])
    )
)
def test_any_path_survives_its_text_form(path: tuple) -> None:
    assert parse_path(format_path(path)) == path


@given(st.lists(st.integers(0, 3), min_size=1, max_size=8))
def test_array_of_tables_elements_are_counted(blank_lines: list[int]) -> None:
    """Element i of [[x]] is on the line of its i-th header, whatever lies between."""
    text, expected = "", []
    for index, blanks in enumerate(blank_lines):
        text += "\n" * blanks
        expected.append(text.count("\n") + 1)
        text += f'[[x]]\nname = "n{index}"\n'
    assert len(tomllib.loads(text)["x"]) == len(blank_lines)
    found = LineMap(text)
    for index, line in enumerate(expected):
        assert found.exact(("x", index)) == line
        assert found.exact(("x", index, "name")) == line + 1
