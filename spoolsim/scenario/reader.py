"""Reading plain TOML data with every problem collected, each with its key path and line.

``Reader`` is the loader's toolbox: it checks one key at a time (``field`` with a converter such
as ``integer(low=1)`` or ``duration(positive=True)``), tables for unknown keys (with a "did you
mean" from ``difflib``), and arrays of tables; it never raises on bad data, it records a
``Problem`` and carries on, so that one pass over a file finds everything wrong with it.
Converters raise ``ValueError`` with the message the user will read.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from spoolsim.scenario import schema
from spoolsim.scenario.lines import LineMap, Path, format_path

REQUIRED: Any = object()  # a field's default when it must be given


@attrs.frozen
class Problem:
    """One thing wrong with a scenario file: where (key path and line) and what."""

    path: str
    line: int | None
    message: str
    file: str = "<string>"

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` lists every problem, sorted by line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(
            sorted(problems, key=lambda p: (p.line is None, p.line or 0))  # stable within a line
        )
        super().__init__("\n".join(str(problem) for problem in self.problems))


def kind_of(value: object) -> str:
    """A value's type in TOML's words, for messages."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    return f"a {type(value).__name__}"


def got(value: object) -> str:
    """``(got <type> <value>)`` for the end of a message."""
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"(got {kind_of(value)}: {shown})"


def suggest(word: object, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when a choice is close to ``word``, else ``""``."""
    if not isinstance(word, str):
        return ""
    options = list(choices)
    folded = {choice.casefold(): choice for choice in options}
    close = difflib.get_close_matches(word.casefold(), list(folded), n=1, cutoff=0.6)
    return f" (did you mean {folded[close[0]]!r}?)" if close else ""


# -- converters: value -> checked value, or ValueError(message) ------------------------------------

Convert = Callable[[Any], Any]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def text(*, empty: bool = False, forbid: str = "") -> Convert:
    """A string (non-blank unless ``empty``), without any character of ``forbid``."""

    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be a string {got(value)}")
        if not empty and not value.strip():
            raise ValueError("must not be empty")
        bad = sorted(set(value) & set(forbid))
        if bad:
            raise ValueError(f"must not contain {' '.join(map(repr, bad))} {got(value)}")
        return value

    return convert


def integer(*, low: int | None = None, high: int | None = None) -> Convert:
    """A whole number within ``low``..``high`` (inclusive)."""

    def convert(value: Any) -> int:
        if not _is_int(value):
            raise ValueError(f"must be a whole number {got(value)}")
        if low is not None and high is not None and not low <= value <= high:
            raise ValueError(f"must be from {low} to {high} {got(value)}")
        if low is not None and value < low:
            raise ValueError(f"must be >= {low} {got(value)}")
        if high is not None and value > high:
            raise ValueError(f"must be <= {high} {got(value)}")
        return value

    return convert


def number(*, low: float | None = None, above: float | None = None) -> Convert:
    """A finite number (as a float), ``>= low`` or ``> above``."""

    def convert(value: Any) -> float:
        if not _is_number(value):
            raise ValueError(f"must be a number {got(value)}")
        if low is not None and value < low:
            raise ValueError(f"must be >= {low:g} {got(value)}")
        if above is not None and value <= above:
            raise ValueError(f"must be > {above:g} {got(value)}")
        return float(value)

    return convert


def boolean(value: Any) -> bool:
    """``true`` or ``false``."""
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false {got(value)}")
    return value


def one_of(options: Sequence[str]) -> Convert:
    """One of ``options``, matched without regard to case, returned as the option is spelled."""
    folded = {option.casefold(): option for option in options}

    def convert(value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"must be one of {', '.join(map(repr, options))} {got(value)}")
        if value.casefold() not in folded:
            raise ValueError(
                f"must be one of {', '.join(map(repr, options))} (got {value!r})"
                + suggest(value, options)
            )
        return folded[value.casefold()]

    return convert


def duration(*, positive: bool) -> Convert:
    """A duration (see ``schema.parse_duration``), > 0 when ``positive``."""

    def convert(value: Any) -> float:
        seconds = schema.parse_duration(value)
        if positive and seconds <= 0:
            raise ValueError(f"must be a duration > 0 (got {value!r})")
        return seconds

    return convert


def time_of_day(value: Any) -> float:
    """A clock time ``HH:MM[:SS]``, as seconds after midnight."""
    return schema.parse_time_of_day(value)


def moment(start: float) -> Convert:
    """A timeline moment (see ``schema.parse_moment``), as seconds after the start."""
    return lambda value: schema.parse_moment(value, start)


def strings(value: Any) -> tuple[str, ...]:
    """One non-empty string or an array of them."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise ValueError(f"must be a string or an array of non-empty strings {got(value)}")
    return tuple(items)


# -- the reader ------------------------------------------------------------------------------------


class Reader:
    """Collects problems while reading data parsed from ``file``; ``lines`` locates key paths."""

    def __init__(self, lines: LineMap | None, file: str) -> None:
        self.lines = lines
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, path: Path, message: str) -> None:
        """Record a problem at ``path`` (the line of the nearest written key on it)."""
        line = self.lines.line(path) if self.lines is not None else None
        self.problems.append(Problem(format_path(path), line, message, self.file))

    def field(self, table: Mapping[str, Any], path: Path, key: str, convert: Convert,
              default: Any = REQUIRED) -> Any:  # fmt: skip
        """``convert(table[key])``, or ``default`` when the key is absent; ``None`` (and a
        problem) when the value is bad or a required key is missing."""
        if key not in table:
            if default is REQUIRED:
                self.problem((*path, key), "missing (required)")
                return None
            return default
        try:
            return convert(table[key])
        except ValueError as exc:
            self.problem((*path, key), str(exc))
            return None

    def table(self, value: Any, path: Path, keys: Sequence[str], what: str = "a table") -> dict:
        """``value`` as a table with only ``keys``; unknown keys are reported (and kept)."""
        if not isinstance(value, Mapping):
            self.problem(path, f"must be {what} {got(value)}")
            return {}
        for key in value:
            if key not in keys:
                self.problem((*path, key), "unknown key" + suggest(key, keys))
        return dict(value)

    def tables(
        self, data: Mapping[str, Any], key: str, prefix: Path = ()
    ) -> list[tuple[Path, dict]]:
        """The elements of the array of tables ``data[key]`` (none if absent), each with its
        path (``prefix`` is the path of ``data``)."""
        value = data.get(key, [])
        if not isinstance(value, list):
            self.problem((*prefix, key), f"must be an array of tables ([[{key}]]) {got(value)}")
            return []
        out = []
        for index, item in enumerate(value):
            if isinstance(item, Mapping):
                out.append(((*prefix, key, index), dict(item)))
            else:
                self.problem((*prefix, key, index), f"must be a table {got(item)}")
        return out


class Names:
    """Names of one kind of object (printers, ports...), compared without regard to case as
    Windows compares them; each remembers where it was defined."""

    def __init__(self, what: str, reader: Reader) -> None:
        self.what = what
        self._reader = reader
        self._names: dict[str, tuple[str, Path | None]] = {}

    def add(self, name: str | None, path: Path, *, report: bool = True) -> bool:
        """Register ``name``; a duplicate is a problem at ``path`` (when ``report``)."""
        if not isinstance(name, str):
            return False
        first = self._names.get(name.casefold())
        if first is not None:
            if report:
                self._reader.problem(
                    path, f"duplicate {self.what} name {name!r} ({self.where(name)})"
                )
            return False
        self._names[name.casefold()] = (name, path)
        return True

    def where(self, name: str) -> str:
        """Where ``name`` was defined, in words."""
        first, first_path = self._names[name.casefold()]
        if first_path is None:
            return f"{first!r} is built in"
        line = self._reader.lines.line(first_path) if self._reader.lines is not None else None
        at = f", line {line}" if line is not None else ""
        return f"first defined at {format_path(first_path)}{at}"

    def get(self, name: object) -> str | None:
        """The defined spelling of ``name``, or ``None``."""
        if not isinstance(name, str):
            return None
        found = self._names.get(name.casefold())
        return found[0] if found else None

    def resolve(self, name: object, path: Path) -> str | None:
        """The defined spelling of ``name``; a dangling reference is a problem at ``path``."""
        found = self.get(name)
        if found is None and isinstance(name, str):
            self._reader.problem(
                path, f"no {self.what} named {name!r}" + suggest(name, self.names())
            )
        return found

    def names(self) -> list[str]:
        """Every name, as defined, in definition order."""
        return [name for name, _ in self._names.values()]

    def __contains__(self, name: object) -> bool:
        return self.get(name) is not None
