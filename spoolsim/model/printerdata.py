"""Printer data: a small registry of keys holding typed values, per printer and per server.

Keys are paths separated by backslashes (``PrinterDriverData``, ``DsSpooler``,
``CopyFiles\\ICM``); names compare case-insensitively and keep the case they were created with.
Setting a value creates its key and every parent. Values keep insertion order, which is the order
EnumPrinterData(Ex) reports them in. Missing keys and values are ERROR_FILE_NOT_FOUND, the code the
Windows registry-backed spooler returns.
"""

from __future__ import annotations

import attrs

from spoolsim.model.constants import Win32
from spoolsim.model.errors import SpoolerError

MAX_KEY_PATH = 255
MAX_VALUE_NAME = 16383  # the registry's limit on value names


@attrs.frozen
class Value:
    name: str
    type: int
    data: bytes


@attrs.define
class _Key:
    name: str
    values: dict[str, Value] = attrs.Factory(dict)


def _norm(path: str) -> str:
    parts = [p for p in path.split("\\") if p]
    return "\\".join(parts)


@attrs.define
class DataStore:
    """Keys (by lower-cased path) and their values."""

    _keys: dict[str, _Key] = attrs.Factory(dict)

    def _key(self, path: str) -> _Key:
        key = self._keys.get(_norm(path).lower())
        if key is None:
            raise SpoolerError(Win32.ERROR_FILE_NOT_FOUND, f"no key {path!r}")
        return key

    def has_key(self, path: str) -> bool:
        return _norm(path).lower() in self._keys

    def set(self, path: str, name: str, type_: int, data: bytes) -> None:
        norm = _norm(path)
        if not norm or len(norm) > MAX_KEY_PATH:
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"key {path!r}")
        if name is None or len(name) > MAX_VALUE_NAME:
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "value name")
        parts = norm.split("\\")
        for i in range(1, len(parts) + 1):
            sub = "\\".join(parts[:i])
            self._keys.setdefault(sub.lower(), _Key(sub))
        values = self._keys[norm.lower()].values
        old = values.get(name.lower())
        # Like the registry, a value keeps the case of the name it was created with.
        values[name.lower()] = Value(old.name if old else name, int(type_), bytes(data))

    def get(self, path: str, name: str) -> Value:
        value = self._key(path).values.get((name or "").lower())
        if value is None:
            raise SpoolerError(Win32.ERROR_FILE_NOT_FOUND, f"no value {name!r} in {path!r}")
        return value

    def values(self, path: str) -> list[Value]:
        return list(self._key(path).values.values())

    def subkeys(self, path: str) -> list[str]:
        """Names of the immediate subkeys of ``path`` (``""`` is the root)."""
        norm = _norm(path)
        if norm:
            self._key(norm)
        prefix = norm.lower() + "\\" if norm else ""
        depth = norm.count("\\") + 1 if norm else 0
        return [
            k.name.split("\\")[-1]
            for low, k in self._keys.items()
            if low.startswith(prefix) and low.count("\\") == depth
        ]

    def delete_value(self, path: str, name: str) -> None:
        key = self._key(path)
        if key.values.pop((name or "").lower(), None) is None:
            raise SpoolerError(Win32.ERROR_FILE_NOT_FOUND, f"no value {name!r} in {path!r}")

    def delete_key(self, path: str) -> None:
        """Delete a key with all its subkeys and values."""
        norm = _norm(path)
        self._key(norm)
        low = norm.lower()
        for k in [k for k in self._keys if k == low or k.startswith(low + "\\")]:
            del self._keys[k]
