"""Reading drivers, the network and Point and Print settings from a scenario file.

``[network]`` gives every server's link (``bandwidth_mbps``, ``latency_ms``: the round trip).
``[[drivers]]`` installs a driver on a server for some client architectures, with its files'
sizes; a printer naming it uses it. A client group's Point and Print keys (``connect_within``,
``admin``, ``inbox``, ``restrict_driver_installation``, ``trusted_servers``) and the timeline's
``update_driver`` action are read here too. Sizes are bytes, or text with a unit
(``"2.5MB"``, ``"800KB"``, ``"1GB"``; powers of 1,000); versions are ``"a.b.c.d"``; dates
``"YYYY-MM-DD"``.
"""

from __future__ import annotations

import datetime as dt
import math
import pathlib
import re
from collections.abc import Mapping
from typing import Any

from spoolsim.scenario import reader as r
from spoolsim.scenario.lines import Path
from spoolsim.scenario.schema import ARCHITECTURES, DriverSpec, NetworkSpec

NETWORK_KEYS = ("bandwidth_mbps", "latency_ms")
DRIVER_KEYS = (
    "name",
    "server",
    "architectures",
    "version",
    "date",
    "driver_file",
    "config_file",
    "data_file",
    "files",
    "inf",
)
CLIENT_PNP_KEYS = (
    "connect_within",
    "admin",
    "inbox",
    "restrict_driver_installation",
    "trusted_servers",
)
UPDATE_KEYS = ("version", "date", "files", "reconnect_within")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMG]?B)", re.IGNORECASE)
_UNITS = {"B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3}
_FILETIME_EPOCH = dt.datetime(1601, 1, 1)


def byte_size(value: Any) -> int:
    """A size in bytes: a whole number, or text such as ``"2.5MB"``."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and (match := _SIZE.fullmatch(value.strip())):
        size = float(match[1]) * _UNITS[match[2].upper()]
        if math.isfinite(size):  # "1e999MB" has digits enough to be infinite
            return round(size)
    raise ValueError(f'must be a size in bytes, or text like "2.5MB" {r.got(value)}')


def driver_version(value: Any) -> int:
    """``"a.b.c.d"`` packed 16 bits a part, high first (DRIVER_INFO_6.dwlDriverVersion)."""
    parts = value.split(".") if isinstance(value, str) else []
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 0x10000 for p in parts):
        raise ValueError(f'must be a version "a.b.c.d", each part 0-65535 {r.got(value)}')
    packed = 0
    for part in parts:
        packed = packed << 16 | int(part)
    return packed


def driver_date(value: Any) -> int:
    """``"YYYY-MM-DD"`` (a TOML date too) as a FILETIME: 100 ns ticks since 1601."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            day = None
    if day is None:
        raise ValueError(f'must be a date "YYYY-MM-DD" {r.got(value)}')
    delta = dt.datetime(day.year, day.month, day.day) - _FILETIME_EPOCH
    return (delta.days * 86400 + delta.seconds) * 10_000_000


class DriverReader(r.Reader):
    """Mixed into the loader: the tables above."""

    driver_names: r.Names
    server_names: r.Names
    base: pathlib.Path

    def network(self, data: Mapping[str, Any]) -> NetworkSpec:
        if "network" not in data:
            return NetworkSpec()
        path: Path = ("network",)
        table = self.table(data["network"], path, NETWORK_KEYS)
        return NetworkSpec(
            bandwidth_mbps=self.field(table, path, "bandwidth_mbps", r.number(above=0), 1000.0),
            latency_ms=self.field(table, path, "latency_ms", r.number(low=0), 1.0),
        )

    def drivers(self, data: Mapping[str, Any]) -> list[tuple[Path, DriverSpec]]:
        out = []
        placed: set[tuple[str, str | None]] = set()
        for path, table in self.tables(data, "drivers"):
            self.table(table, path, DRIVER_KEYS)
            name = self.field(table, path, "name", r.text())
            server = table.get("server")
            # One driver name per server: servers may each install their own build of it.
            where = (str(name).casefold(), str(server).casefold() if server else None)
            if name in self.driver_names and (
                where in placed
                or where[1] is None
                or None in {s for n, s in placed if n == where[0]}
            ):
                self.problem(
                    (*path, "name"),
                    f"duplicate driver name {name!r} on the same server"
                    f" ({self.driver_names.where(name)}); give each its own server",
                )
            self.driver_names.add(name, (*path, "name"), report=False)
            placed.add(where)
            files = self._files(table.get("files"), (*path, "files"), required=True)
            roles = {}
            for role in ("driver_file", "config_file", "data_file"):
                roles[role] = self.field(table, path, role, r.text())
                if roles[role] is not None and files and roles[role] not in files:
                    self.problem((*path, role), f"{roles[role]!r} is not one of the files")
            archs = self.field(table, path, "architectures", r.strings, ("x64",))
            for arch in archs or ():
                if arch not in ARCHITECTURES:
                    self.problem(
                        (*path, "architectures"),
                        f"unknown architecture {arch!r}" + r.suggest(arch, ARCHITECTURES),
                    )
            inf_name, inf_text = self._inf(table, path)
            spec = DriverSpec(
                name=name,
                inf_name=inf_name,
                inf_text=inf_text,
                architectures=tuple(archs or ()),
                version=self.field(table, path, "version", driver_version),
                date=self.field(table, path, "date", driver_date),
                files=files,
                server=self.field(table, path, "server", r.text(), None),
                **roles,
            )
            out.append((path, spec))
        return out

    def _inf(self, table: Mapping[str, Any], path: Path) -> tuple[str | None, str | None]:
        """``inf``: an INF file (relative to the scenario's directory), read as text."""
        value = self.field(table, path, "inf", r.text(), None)
        if value is None:
            return None, None
        file = pathlib.Path(value)
        file = file if file.is_absolute() else self.base / file
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            self.problem((*path, "inf"), f"cannot read {value}: {exc}")
            return None, None
        return file.name, text

    def resolve_drivers(self, drivers: list[tuple[Path, DriverSpec]]) -> list[DriverSpec]:
        for path, spec in drivers:
            if spec.server is not None:
                self.server_names.resolve(spec.server, (*path, "server"))
        return [spec for _, spec in drivers]

    def _files(self, value: Any, path: Path, *, required: bool) -> dict[str, int]:
        if value is None:
            if required:
                self.problem(path, 'missing (required): a table of file name = size ("2MB")')
            return {}
        if not isinstance(value, Mapping) or (required and not value):
            self.problem(path, f"must be a table of file name = size {r.got(value)}")
            return {}
        files = {}
        for name in value:
            size = self.field(value, path, name, byte_size)
            if size is not None:
                files[name] = size
        return files

    def client_pnp_fields(self, table: Mapping[str, Any], path: Path) -> dict[str, Any]:
        trusted = self.field(table, path, "trusted_servers", _names_or_empty, None)
        return {
            "connect_within": self.field(
                table, path, "connect_within", r.duration(positive=False), None
            ),
            "admin": self.field(table, path, "admin", r.boolean, False),
            "inbox": self.field(table, path, "inbox", _names_or_empty, ()),
            "restrict_driver_installation": self.field(
                table, path, "restrict_driver_installation", r.boolean, True
            ),
            "trusted_servers": trusted,
        }

    def update_params(self, table: Mapping[str, Any], path: Path) -> dict[str, Any]:
        """``update_driver``: the new version and date, the files that changed (with their new
        sizes), and how long the clients take to notice and reconnect."""
        return {
            "version": self.field(table, path, "version", driver_version),
            "date": self.field(table, path, "date", driver_date),
            "files": self._files(table.get("files"), (*path, "files"), required=False),
            "reconnect_within": self.field(
                table, path, "reconnect_within", r.duration(positive=False), 0.0
            ),
        }


def _names_or_empty(value: Any) -> tuple[str, ...]:
    if value == []:
        return ()
    return r.strings(value)
