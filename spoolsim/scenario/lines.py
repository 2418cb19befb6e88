"""Where each key of a TOML document is written: key paths to line numbers.

``tomllib`` returns plain data without positions, so the scenario loader reads the text a second
time with this scanner to put a line number on every problem. The scanner runs only on text that
``tomllib`` has already accepted, so it never reports syntax errors; it only follows the
structure:

- ``[a.b]`` opens a table, ``[[a.b]]`` appends an element to an array of tables: the first
  ``[[printers]]`` is ``printers[0]``, the next ``printers[1]``, and a later ``[printers.x]`` or
  ``[[printers.faults]]`` belongs to the last element so far;
- ``a.b = 1`` (a dotted key) records ``a``, ``a.b`` on that line;
- inline tables and arrays record each key and element on the line where it starts, so
  ``ports = ["a", "b"]`` puts ``ports``, ``ports[0]`` and ``ports[1]`` on one line, and a
  multi-line array puts each element on its own;
- multi-line strings are skipped over whole.

A key path is a tuple of keys (``str``) and array indices (``int``); ``format_path`` and
``parse_path`` convert to and from the text form ``printers[3].ports[0]`` (keys that are not bare
are quoted: ``render_cost."NT EMF 1.008"``).
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Sequence

Path = tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_SCALAR = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:\d{2})?"
    r"|[^\s,\]}#]+"
)
_PATH_PART = re.compile(r'\.?(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|\[(\d+)\])')


def format_path(path: Sequence[str | int]) -> str:
    """Write a key path as text: ``("printers", 3, "ports")`` -> ``"printers[3].ports"``."""
    out = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
            continue
        key = (
            part
            if _BARE.fullmatch(part)
            else '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'
        )
        out.append(f".{key}" if out else key)
    return "".join(out)


def parse_path(text: str) -> Path:
    """Read a key path's text form back into a tuple (the inverse of ``format_path``).

    Raises:
        ValueError: text that is not a key path.
    """
    parts: list[str | int] = []
    pos = 0
    while pos < len(text):
        match = _PATH_PART.match(text, pos)
        if match is None:
            raise ValueError(f"not a key path: {text!r} (at {pos})")
        bare, quoted, index = match.groups()
        dotted = match[0].startswith(".")
        if (dotted or not parts) if index is not None else dotted != bool(parts):
            raise ValueError(f"not a key path: {text!r} (at {pos})")
        if index is not None:
            parts.append(int(index))
        elif bare is not None:
            parts.append(bare)
        else:
            parts.append(re.sub(r"\\(.)", r"\1", quoted))
        pos = match.end()
    return tuple(parts)


class LineMap:
    """The line (1-based) of every key, table header and array element of a TOML document.

    Args:
        text: a document ``tomllib`` accepts.
    """

    def __init__(self, text: str) -> None:
        self._text = text
        self._pos = 0
        self._starts = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]
        self._lines: dict[Path, int] = {}
        self._arrays: dict[Path, int] = {}  # array-of-tables path -> elements so far
        self._scan()

    def exact(self, path: Sequence[str | int] | str) -> int | None:
        """The line where exactly this key (or table, or element) is written, if it is."""
        key = parse_path(path) if isinstance(path, str) else tuple(path)
        return self._lines.get(key)

    def line(self, path: Sequence[str | int] | str) -> int | None:
        """The line of ``path``, or of its nearest written ancestor (for a key that is missing,
        the table that lacks it); ``None`` when nothing on the way is written."""
        key = parse_path(path) if isinstance(path, str) else tuple(path)
        while key:
            found = self._lines.get(key)
            if found is not None:
                return found
            key = key[:-1]
        return None

    def __len__(self) -> int:
        return len(self._lines)

    # -- scanning ---------------------------------------------------------------------------------

    def _lineno(self, pos: int) -> int:
        return bisect.bisect_right(self._starts, pos)

    def _record(self, path: Path, pos: int) -> None:
        line = self._lineno(pos)
        for end in range(1, len(path) + 1):
            self._lines.setdefault(path[:end], line)

    def _peek(self, count: int = 1) -> str:
        return self._text[self._pos : self._pos + count]

    def _skip(self, newlines: bool) -> None:
        """Skip blanks and comments (and line ends when ``newlines``)."""
        text = self._text
        while self._pos < len(text):
            char = text[self._pos]
            if char in " \t" or (newlines and char in "\r\n"):
                self._pos += 1
            elif char == "#":
                end = text.find("\n", self._pos)
                self._pos = len(text) if end < 0 else end
            else:
                return

    def _scan(self) -> None:
        table: Path = ()
        text = self._text
        while True:
            self._skip(newlines=True)
            if self._pos >= len(text):
                return
            start = self._pos
            if text.startswith("[[", start):
                self._pos += 2
                keys = self._key()
                parent = self._resolve(keys[:-1])
                base = (*parent, keys[-1])
                index = self._arrays.get(base, 0)
                self._arrays[base] = index + 1
                table = (*base, index)
                self._record(table, start)
                self._pos = text.find("]]", self._pos) + 2
            elif text.startswith("[", start):
                self._pos += 1
                table = self._resolve(self._key())
                self._record(table, start)
                self._pos = text.find("]", self._pos) + 1
            else:
                path = (*table, *self._key())
                self._record(path, start)
                self._skip(newlines=False)
                self._pos += 1  # "="
                self._skip(newlines=False)
                self._value(path)
            if self._pos <= start:  # never loop on text the scanner does not follow
                self._pos = start + 1

    def _resolve(self, keys: Sequence[str]) -> Path:
        """A header's keys with the current element index after each array of tables."""
        out: list[str | int] = []
        for key in keys:
            out.append(key)
            count = self._arrays.get(tuple(out))
            if count:
                out.append(count - 1)
        return tuple(out)

    def _key(self) -> tuple[str, ...]:
        """A key, dotted or not, with quoted parts decoded."""
        keys = []
        text = self._text
        while True:
            self._skip(newlines=False)
            char = self._peek()
            if char == '"':
                end = self._string_end(self._pos, '"')
                keys.append(tomllib.loads("k = " + text[self._pos : end])["k"])
                self._pos = end
            elif char == "'":
                end = text.find("'", self._pos + 1) + 1
                keys.append(text[self._pos + 1 : end - 1])
                self._pos = end
            else:
                match = _BARE.match(text, self._pos)
                keys.append(match[0] if match else "")
                self._pos = match.end() if match else self._pos
            self._skip(newlines=False)
            if self._peek() != ".":
                return tuple(keys)
            self._pos += 1

    def _string_end(self, pos: int, quote: str) -> int:
        """The position just past the one-line string that starts at ``pos``."""
        text = self._text
        pos += 1
        while pos < len(text) and text[pos] != quote:
            pos += 2 if quote == '"' and text[pos] == "\\" else 1
        return pos + 1

    def _multiline_end(self, pos: int, quotes: str) -> int:
        """The position just past the multi-line string that starts at ``pos``."""
        text = self._text
        pos += 3
        while pos < len(text):
            if quotes == '"""' and text[pos] == "\\":
                pos += 2
            elif text.startswith(quotes, pos):
                pos += 3
                extra = 0
                while extra < 2 and text.startswith(quotes[0], pos):  # content ending in quotes
                    pos += 1
                    extra += 1
                return pos
            else:
                pos += 1
        return pos

    def _value(self, path: Path) -> None:
        text = self._text
        pos = self._pos
        if text.startswith('"""', pos) or text.startswith("'''", pos):
            self._pos = self._multiline_end(pos, text[pos : pos + 3])
        elif text.startswith('"', pos) or text.startswith("'", pos):
            self._pos = self._string_end(pos, text[pos])
        elif text.startswith("[", pos):
            self._pos += 1
            index = 0
            while True:
                self._skip(newlines=True)
                if self._pos >= len(text) or self._peek() == "]":
                    self._pos += 1
                    return
                self._record((*path, index), self._pos)
                before = self._pos
                self._value((*path, index))
                index += 1
                self._skip(newlines=True)
                if self._peek() == ",":
                    self._pos += 1
                elif self._pos == before:
                    self._pos += 1
        elif text.startswith("{", pos):
            self._pos += 1
            while True:
                self._skip(newlines=True)
                if self._pos >= len(text) or self._peek() == "}":
                    self._pos += 1
                    return
                before = self._pos
                inner = (*path, *self._key())
                self._record(inner, before)
                self._skip(newlines=False)
                self._pos += 1  # "="
                self._skip(newlines=False)
                self._value(inner)
                self._skip(newlines=True)
                if self._peek() == ",":
                    self._pos += 1
                elif self._pos == before:
                    self._pos += 1
        else:
            match = _SCALAR.match(text, pos)
            self._pos = match.end() if match else pos + 1
