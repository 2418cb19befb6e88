"""Reading the estate tables of a scenario: servers, devices, ports, printers and fleets.

Two passes. ``read_estate`` checks each table on its own and registers every name (so that a
duplicate is found wherever it is); ``resolve_estate`` then follows the references between them
(printer -> port, port -> device, port and printer -> server), replaces each name by its defined
spelling (Windows compares names without regard to case) and gives every port and printer its
server. A port used by printers of two servers is a problem: a port lives on one server.
"""

from __future__ import annotations

import pathlib
import re
from collections.abc import Mapping
from typing import Any

import attrs

from devices.faults import KEYS as FAULT_KEYS
from devices.faults import FaultError, parse_faults
from devices.profile import DeviceProfile, ProfileError, list_profiles, load_profile, parse_profile
from spoolsim.model.printbrowse import BROWSE_VALUES, BrowseSettings
from spoolsim.model.printers import printer_name_ok
from spoolsim.model.server import default_settings
from spoolsim.scenario import reader as r
from spoolsim.scenario.lines import Path, format_path, parse_path
from spoolsim.scenario.schema import (
    DATATYPES,
    DEFAULT_DRIVER,
    DEFAULT_PORT_NUMBERS,
    DEFAULT_SERVER,
    HOST_OS,
    LOCAL_PORTS,
    MAINTAIN_SERVER_LIST,
    MONITORS,
    PROTOCOLS,
    DeviceSpec,
    Fleet,
    PortSpec,
    PrinterSpec,
    ServerSpec,
    format_time_of_day,
    parse_time_of_day,
)

# DeviceProfile fields an override may change (the scalar ones; ``name`` identifies the profile).
OVERRIDABLE = (
    "model",
    "pjl_id",
    "ppm",
    "first_page_s",
    "warmup_s",
    "power_save_after_s",
    "duplex",
    "color",
    "toner_pages",
    "toner_low_pct",
    "memory_mb",
)
HOST_KEYS = ("os", "pdc", "maintain_server_list", "preferred_master", "boot")
DEVICE_KEYS = ("profile", "overrides", "faults", "seed")
PORT_KEYS = ("protocol", "port_number", "queue", "bidi", "byte_count")
PRINTER_KEYS = (
    "server",
    "driver",
    "datatype",
    "priority",
    "start_time",
    "until_time",
    "shared",
    "location",
    "comment",
    "keep_printed_jobs",
)
FLEET_KEYS = ("prefix", "count", *DEVICE_KEYS[:-1], *PORT_KEYS, *PRINTER_KEYS)
MAX_FLEET = 100_000
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def _printer_name(value: Any) -> str:
    r.text()(value)
    if not printer_name_ok(value):
        raise ValueError(f"must be at most 220 characters, without ',', '\\' or '!' {r.got(value)}")
    return value


def clock(value: Any) -> str:
    """A time of day, written back in its normal form (``"8:00"`` -> ``"08:00"``)."""
    return format_time_of_day(parse_time_of_day(value))


def _prefix(value: Any) -> str:
    if not isinstance(value, str) or not _PREFIX.fullmatch(value):
        raise ValueError(f"must be letters, digits, '_', '.' or '-' {r.got(value)}")
    return value


class EstateReader(r.Reader):
    """Reads and resolves the estate tables (see the module docstring).

    Args:
        lines: where each key is written.
        file: the file name for messages.
        base: the directory profile paths are relative to.
    """

    def __init__(self, lines: Any, file: str, base: pathlib.Path) -> None:
        super().__init__(lines, file)
        self.base = base
        self.start = 8 * 3600.0  # the simulation's start, for fault times of day
        self.server_names = r.Names("server", self)
        self.device_names = r.Names("device", self)
        self.port_names = r.Names("port", self)
        self.printer_names = r.Names("printer", self)
        for port in LOCAL_PORTS:
            self.port_names.add(port, None)  # type: ignore[arg-type]
        self.servers: list[ServerSpec] = []
        self.devices: list[DeviceSpec] = []
        self.ports: list[tuple[Path, PortSpec]] = []
        self.printers: list[tuple[Path, PrinterSpec]] = []
        self.fleets: list[Fleet] = []
        self._profiles: dict[str, tuple[DeviceProfile | None, list[str]]] = {}
        self._port_owner: dict[str, tuple[str, str]] = {}  # port (folded) -> (server, printer)

    @property
    def default_server(self) -> str:
        return next((s.name for s in self.servers if s.name is not None), DEFAULT_SERVER)

    # -- first pass: each table --------------------------------------------------------------------

    def read_estate(self, data: Mapping[str, Any]) -> None:
        """Read servers, devices, ports, printers and fleets, registering their names."""
        for path, table in self.tables(data, "servers"):
            self._server(table, path)
        if not self.servers and "servers" not in data:
            self.servers.append(ServerSpec(DEFAULT_SERVER))
            self.server_names.add(DEFAULT_SERVER, ("servers",))
        elif not self.servers and isinstance(data.get("servers"), list):
            self.problem(("servers",), "needs at least one server (or no [[servers]] at all)")
        for path, table in self.tables(data, "devices"):
            self.table(table, path, ("name", *DEVICE_KEYS))
            name = self.field(table, path, "name", r.text(forbid=" \t/\\,"))
            self.device_names.add(name, (*path, "name"))
            self.devices.append(DeviceSpec(name, **self.device_fields(table, path)))
        for path, table in self.tables(data, "ports"):
            self._port(table, path)
        for path, table in self.tables(data, "printers"):
            self.table(table, path, ("name", "ports", *PRINTER_KEYS))
            spec = self.printer(table, path)
            self.printer_names.add(spec.name, (*path, "name"))
            self.printers.append((path, spec))
        for path, table in self.tables(data, "fleets"):
            self._fleet(table, path)

    def _server(self, table: dict, path: Path) -> None:
        self.table(table, path, ("name", "settings", *HOST_KEYS))
        name = self.field(table, path, "name", r.text(forbid="\\/ \t,"))
        self.server_names.add(name, (*path, "name"))
        defaults = default_settings()
        where = (*path, "settings")
        settings = self.table(table.get("settings", {}), where, list(defaults))
        for key, value in list(settings.items()):
            if key not in defaults:
                del settings[key]
            elif type(value) is not type(defaults[key]):
                wanted = "a whole number" if isinstance(defaults[key], int) else "a string"
                self.problem((*where, key), f"must be {wanted} {r.got(value)}")
        given = {k: v for k, v in settings.items() if k in BROWSE_VALUES and type(v) is int}
        for problem in BrowseSettings.of(given).problems():
            self.problem((*where, problem.split(" ", 1)[0]), problem)
        host = {
            "os": self.field(table, path, "os", r.one_of(HOST_OS), "server"),
            "pdc": self.field(table, path, "pdc", r.boolean, False),
            "maintain_server_list": self.field(
                table, path, "maintain_server_list", r.one_of(MAINTAIN_SERVER_LIST), "auto"
            ),
            "preferred_master": self.field(table, path, "preferred_master", r.boolean, False),
            "boot": self.field(table, path, "boot", r.duration(positive=False), 0.0),
        }
        self.servers.append(ServerSpec(name, settings, **host))

    def device_fields(self, table: dict, path: Path) -> dict[str, Any]:
        """The profile, overrides, faults and seed of a device (or of each device of a fleet)."""
        profile_text = self.field(table, path, "profile", r.text())
        profile, found = self._profile(profile_text, (*path, "profile"))
        where = (*path, "overrides")
        overrides = self.table(table.get("overrides", {}), where, OVERRIDABLE)
        for key in list(overrides):
            if key not in OVERRIDABLE:
                del overrides[key]
        if found is not None and overrides:
            overrides = self._check_overrides(found, overrides, where)
        return {
            "profile": profile,
            "overrides": overrides,
            "faults": self._faults(table.get("faults", []), (*path, "faults")),
            "seed": self.field(table, path, "seed", r.integer(low=0), None),
        }

    def _profile(self, value: str | None, path: Path) -> tuple[str | None, DeviceProfile | None]:
        """A shipped profile's name, or a file relative to the scenario (made absolute)."""
        if value is None:
            return None, None
        if not (value.endswith(".toml") or "/" in value or "\\" in value):
            known = list_profiles()
            if value not in known:
                self.problem(
                    path,
                    f"no shipped profile named {value!r}{r.suggest(value, known)}"
                    f" (known: {', '.join(known)}; or give a .toml file)",
                )
                return value, None
            key = value
        else:
            file = pathlib.Path(value)
            key = str(file if file.is_absolute() else (self.base / file).absolute())
        if key not in self._profiles:
            try:
                self._profiles[key] = (load_profile(key), [])
            except ProfileError as exc:
                self._profiles[key] = (None, list(exc.problems))
        found, problems = self._profiles[key]
        for problem in problems:
            self.problem(path, f"profile {value}: {problem}")
        return key, found

    def _check_overrides(self, profile: DeviceProfile, overrides: dict, path: Path) -> dict:
        data = attrs.asdict(profile)
        data.update(languages=list(profile.languages), sources=list(profile.sources))
        data["trays"] = [attrs.asdict(tray) for tray in profile.trays]
        data.update(overrides)
        try:
            changed = parse_profile(data, "overrides")
        except ProfileError as exc:
            for problem in exc.problems:
                key, _, message = problem.partition(": ")
                self.problem((*path, key), message)
            return overrides
        return {key: getattr(changed, key) for key in overrides}

    def _faults(self, value: Any, path: Path) -> tuple:
        """Faults as ``devices.faults.parse_faults`` reads them; ``at_time`` may also be a moment
        (``"10:15"``, ``"+2h"``) and ``clear_after`` a duration (``"3m"``)."""
        items = value
        if isinstance(value, list):
            items = []
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    item = self.table(item, (*path, index), FAULT_KEYS)
                    item = {key: value for key, value in item.items() if key in FAULT_KEYS}
                    self._fault_time(item, "at_time", (*path, index), r.moment(self.start))
                    self._fault_time(item, "clear_after", (*path, index), r.duration(positive=True))
                items.append(item)
        try:
            return parse_faults(items, where=format_path(path))
        except FaultError as exc:
            for problem in exc.problems:
                where, _, message = problem.partition(": ")
                try:
                    self.problem(parse_path(where), message)
                except ValueError:
                    self.problem(path, problem)
            return ()

    def _fault_time(self, item: dict, key: str, path: Path, convert: r.Convert) -> None:
        if isinstance(item.get(key), str):
            try:
                item[key] = convert(item[key])
            except ValueError as exc:
                self.problem((*path, key), str(exc))
                item[key] = 1.0  # reported: keep the fault's other checks meaningful

    def port_fields(self, table: dict, path: Path) -> dict[str, Any]:
        """Protocol, port number, LPR queue, bidi and byte counting of a TCP/IP port."""
        protocol = self.field(table, path, "protocol", r.one_of(PROTOCOLS), "raw")
        if "queue" in table and protocol == "raw":
            self.problem((*path, "queue"), "only an lpr port has a queue")
        return {
            "protocol": protocol,
            "port_number": self.field(
                table,
                path,
                "port_number",
                r.integer(low=1, high=65535),
                DEFAULT_PORT_NUMBERS.get(protocol or "raw"),
            ),
            "queue": self.field(table, path, "queue", r.text(forbid=" \t"), "lp"),
            "bidi": self.field(table, path, "bidi", r.boolean, True),
            "byte_count": self.field(table, path, "byte_count", r.boolean, True),
        }

    def _port(self, table: dict, path: Path) -> None:
        self.table(table, path, ("name", "monitor", "host", "server", *PORT_KEYS))
        name = self.field(table, path, "name", r.text(forbid=","))
        self.port_names.add(name, (*path, "name"))
        monitor = self.field(table, path, "monitor", r.one_of(MONITORS), "tcpip")
        server = self.field(table, path, "server", r.text(), None)
        if monitor == "local":
            for key in ("host", *PORT_KEYS):
                if key in table:
                    self.problem((*path, key), "a local port has no network settings")
            spec = PortSpec(name, "local", None, server=server)
        else:
            host = self.field(table, path, "host", r.text())
            spec = PortSpec(name, "tcpip", host, server=server, **self.port_fields(table, path))
        self.ports.append((path, spec))

    def printer(self, table: dict, path: Path) -> PrinterSpec:
        """A printer's fields (the caller checks its keys and registers its name)."""
        start = self.field(table, path, "start_time", clock, None)
        until = self.field(table, path, "until_time", clock, None)
        if ("start_time" in table) != ("until_time" in table):
            given = "start_time" if "start_time" in table else "until_time"
            self.problem((*path, given), "start_time and until_time go together")
        ports = self.field(table, path, "ports", r.strings)
        if ports == ():
            self.problem((*path, "ports"), "needs at least one port")
        return PrinterSpec(
            name=self.field(table, path, "name", _printer_name),
            ports=ports or (),
            start_time=start,
            until_time=until,
            **self.printer_fields(table, path),
        )

    def printer_fields(self, table: dict, path: Path) -> dict[str, Any]:
        """The settings a printer and a fleet's printers share."""
        return {
            "server": self.field(table, path, "server", r.text(), None),
            "driver": self.field(table, path, "driver", r.text(), DEFAULT_DRIVER),
            "datatype": self.field(table, path, "datatype", r.one_of(DATATYPES), "RAW"),
            "priority": self.field(table, path, "priority", r.integer(low=1, high=99), 1),
            "shared": self.field(table, path, "shared", r.boolean, True),
            "location": self.field(table, path, "location", r.text(empty=True), ""),
            "comment": self.field(table, path, "comment", r.text(empty=True), ""),
            "keep_printed_jobs": self.field(table, path, "keep_printed_jobs", r.boolean, False),
        }

    def _fleet(self, table: dict, path: Path) -> None:
        self.table(table, path, FLEET_KEYS)
        prefix = self.field(table, path, "prefix", _prefix)
        count = self.field(table, path, "count", r.integer(low=1, high=MAX_FLEET))
        if "start_time" in table or "until_time" in table:
            key = "start_time" if "start_time" in table else "until_time"
            self.problem((*path, key), "not available for a fleet (use [[printers]])")
        device = self.device_fields(table, path)
        port = self.port_fields(table, path)
        printer = self.printer_fields(table, path)
        if prefix is None or count is None:
            return
        self.fleets.append(
            Fleet(
                prefix, count, device["profile"], port["protocol"], port["bidi"], printer["server"]
            )
        )
        clashes: list[str] = []
        for index in range(1, count + 1):
            name = f"{prefix}-{index:04d}"
            port_name = f"IP_{name}"
            for names, each in (
                (self.device_names, name),
                (self.port_names, port_name),
                (self.printer_names, name),
            ):
                if not names.add(each, path, report=False) and not clashes:
                    clashes.append(f"{names.what} name {each!r} ({names.where(each)})")
            self.devices.append(DeviceSpec(name, **device))
            self.ports.append((path, PortSpec(port_name, "tcpip", name, **port)))
            self.printers.append((path, PrinterSpec(name, (port_name,), **printer)))
        for clash in clashes:
            self.problem((*path, "prefix"), f"makes a duplicate {clash}")

    # -- second pass: references -------------------------------------------------------------------

    def resolve_estate(self) -> None:
        """Follow the estate's references; give every port and printer its server."""
        for index, (path, port) in enumerate(self.ports):
            host = port.host
            if port.monitor == "tcpip" and port.host is not None:
                host = self.device_names.resolve(port.host, self._at(path, "host"))
            server = port.server
            if server is not None:
                server = self.server_names.resolve(server, self._at(path, "server"))
            self.ports[index] = (path, attrs.evolve(port, host=host, server=server))
        for index, (path, printer) in enumerate(self.printers):
            self.printers[index] = (path, self.resolve_printer(printer, path))
        owners = {port: server for port, (server, _) in self._port_owner.items()}
        for index, (path, port) in enumerate(self.ports):
            if port.server is None and port.name is not None:
                server = owners.get(port.name.casefold(), self.default_server)
                self.ports[index] = (path, attrs.evolve(port, server=server))

    def _at(self, path: Path, key: str) -> Path:
        """A key of an explicit table; a fleet's own keys are at the fleet."""
        return (
            (*path, key) if path[0] != "fleets" else (*path, key if key == "server" else "prefix")
        )

    def resolve_printer(self, printer: PrinterSpec, path: Path) -> PrinterSpec:
        """A printer with its ports and server resolved; a port shared across servers is a
        problem."""
        server = self.default_server
        if printer.server is not None:
            server = self.server_names.resolve(printer.server, self._at(path, "server")) or server
        ports = []
        for index, name in enumerate(printer.ports):
            where = (*path, "ports", index) if path[0] != "fleets" else (*path, "prefix")
            found = self.port_names.resolve(name, where)
            if found is None:
                continue
            ports.append(found)
            if found in LOCAL_PORTS:
                continue  # every server has its own built-in local ports
            declared = self._declared_server(found)
            owner = self._port_owner.setdefault(found.casefold(), (server, printer.name))
            if declared is not None and declared.casefold() != server.casefold():
                self.problem(where, f"port {found!r} is on server {declared!r}, not {server!r}")
            elif owner[0].casefold() != server.casefold():
                self.problem(
                    where,
                    f"port {found!r} is already used by printer {owner[1]!r} on server "
                    f"{owner[0]!r}; a port belongs to one server",
                )
        if len({p.casefold() for p in ports}) != len(ports):
            self.problem((*path, "ports"), "names the same port twice")
        return attrs.evolve(printer, server=server, ports=tuple(ports))

    def _declared_server(self, port_name: str) -> str | None:
        for _, port in self.ports:
            if port.name is not None and port.name.casefold() == port_name.casefold():
                return port.server
        return None
