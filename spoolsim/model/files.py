"""A modelled file system: the files a print server holds, by Windows path.

Paths are Windows paths: a drive (``C:\\Windows``) or a UNC root (``\\\\SERVER\\print$``), separated
by backslashes (forward slashes are accepted and turned into backslashes) and compared without
regard to case. A path keeps the spelling it was first stored under, so listings read as written.
Directories are implicit: a directory exists while some file lies under it.

Each file is a :class:`FileRecord`: its size, its file version and its date, and, for the few files
the model reads (INF files, v4 manifests), its text. Every iteration is sorted (case-insensitively),
so two runs that make the same calls see the same listings.
"""

from __future__ import annotations

import attrs

from spoolsim.model.constants import Win32
from spoolsim.model.errors import SpoolerError


@attrs.frozen
class FileRecord:
    """One file.

    Attributes:
        size: bytes.
        version: the file version a.b.c.d packed 16 bits each, highest first (0 = none).
        date: the last-write time as a FILETIME (100 ns units since 1601-01-01 UTC).
        text: the contents, for files the model reads (INF, manifest); ``None`` otherwise.
    """

    size: int
    version: int = 0
    date: int = 0
    text: str | None = None

    def newer_than(self, other: FileRecord) -> bool:
        """Whether this file is newer than ``other``: a higher file version, or the same version
        and a later date (files without a version, such as data files, compare by date)."""
        return (self.version, self.date) > (other.version, other.date)


def normpath(path: str) -> str:
    """``path`` with backslashes, no doubled or trailing separators, ``.`` and ``..`` resolved.

    Raises:
        SpoolerError: ERROR_INVALID_NAME when ``path`` is empty.
    """
    if not path:
        raise SpoolerError(Win32.ERROR_INVALID_NAME, "empty path")
    text = path.replace("/", "\\")
    unc = text.startswith("\\\\")
    parts: list[str] = []
    for part in text.split("\\"):
        if part in ("", "."):
            continue
        if part == "..":
            if len(parts) > (2 if unc else 1):
                parts.pop()
            continue
        parts.append(part)
    joined = "\\".join(parts)
    return "\\\\" + joined if unc else joined


def is_absolute(path: str | None) -> bool:
    """Whether ``path`` is fully qualified: ``X:\\...`` or ``\\\\server\\share...``."""
    if not path:
        return False
    text = path.replace("/", "\\")
    if text.startswith("\\\\"):
        parts = [p for p in text[2:].split("\\") if p]
        return len(parts) >= 2
    return len(text) >= 3 and text[0].isalpha() and text[1] == ":" and text[2] == "\\"


# Characters Windows forbids in a file name (besides control characters).
_BAD_CHARS = frozenset('<>"|?*')


def valid_path(path: str | None) -> bool:
    """Whether ``path`` is a well-formed fully qualified path (MS-RPRN 2.2.4.9's rules, as far as
    a model can hold them): absolute, no forbidden characters, no empty components, at most
    MAX_PATH (260) characters."""
    if not is_absolute(path):
        return False
    assert path is not None
    if len(path) >= 260 or any(c in _BAD_CHARS or ord(c) < 32 for c in path):
        return False
    return ":" not in path.replace("/", "\\")[2:]  # past the drive's colon or the UNC prefix


def join(*parts: str) -> str:
    """Join path parts with backslashes and normalise."""
    return normpath("\\".join(p for p in parts if p))


def basename(path: str) -> str:
    """The last component of ``path`` (the whole string when it has no separator)."""
    return path.replace("/", "\\").rstrip("\\").rsplit("\\", 1)[-1]


def dirname(path: str) -> str:
    """Everything before the last component of ``path``."""
    text = normpath(path)
    return text.rsplit("\\", 1)[0] if "\\" in text.lstrip("\\") else text


def _key(path: str) -> str:
    return normpath(path).lower()


@attrs.define
class FileSystem:
    """Files by path; see the module docstring for the path rules."""

    _files: dict[str, tuple[str, FileRecord]] = attrs.Factory(dict)  # key -> (path, record)

    def put(self, path: str, record: FileRecord) -> None:
        """Create or replace the file at ``path`` (a replaced file keeps its first spelling)."""
        key = _key(path)
        old = self._files.get(key)
        self._files[key] = (old[0] if old else normpath(path), record)

    def get(self, path: str) -> FileRecord | None:
        hit = self._files.get(_key(path)) if path else None
        return hit[1] if hit else None

    def is_file(self, path: str) -> bool:
        return bool(path) and _key(path) in self._files

    def is_dir(self, path: str) -> bool:
        if not path:
            return False
        prefix = _key(path) + "\\"
        return any(k.startswith(prefix) for k in self._files)

    def exists(self, path: str) -> bool:
        """Whether ``path`` names a file or a directory holding files."""
        return self.is_file(path) or self.is_dir(path)

    def remove(self, path: str) -> bool:
        """Delete the file at ``path``; whether there was one."""
        return self._files.pop(_key(path), None) is not None if path else False

    def remove_tree(self, directory: str) -> int:
        """Delete every file under ``directory``; how many."""
        prefix = _key(directory) + "\\"
        doomed = [k for k in self._files if k.startswith(prefix)]
        for k in doomed:
            del self._files[k]
        return len(doomed)

    def listdir(self, directory: str) -> list[str]:
        """The names (files and subdirectories) directly in ``directory``, sorted."""
        prefix = _key(directory) + "\\"
        names: dict[str, str] = {}
        for key, (path, _) in self._files.items():
            if key.startswith(prefix):
                first = path[len(prefix) :].split("\\", 1)[0]
                names.setdefault(first.lower(), first)
        return [names[k] for k in sorted(names)]

    def walk(self, directory: str) -> list[tuple[str, FileRecord]]:
        """Every file under ``directory`` as (path relative to it, record), sorted."""
        prefix = _key(directory) + "\\"
        hits = [
            (key, path[len(prefix) :], rec)
            for key, (path, rec) in self._files.items()
            if key.startswith(prefix)
        ]
        return [(rel, rec) for _, rel, rec in sorted(hits, key=lambda h: h[0])]

    def copy_tree(self, src_dir: str, dst_dir: str) -> int:
        """Copy every file under ``src_dir`` to the same relative place under ``dst_dir``.

        Returns:
            the bytes copied (the sum of the copied files' sizes).
        """
        copied = 0
        for rel, rec in self.walk(src_dir):
            self.put(join(dst_dir, rel), rec)
            copied += rec.size
        return copied

    def total_size(self, directory: str) -> int:
        """The bytes held under ``directory``."""
        return sum(rec.size for _, rec in self.walk(directory))

    def __len__(self) -> int:
        return len(self._files)
