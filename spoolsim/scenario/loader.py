"""Loading a scenario file: TOML in, a checked ``Scenario`` out, or every problem at once.

The file format is described in ``scenarios/README.md``. Loading runs in three steps:

1. ``tomllib`` parses the text; a syntax error is the one problem reported (with its line).
2. Every table is read on its own (``tables.EstateReader`` for the estate, this module for the
   simulation, clients, timeline and expectations): unknown keys, wrong types, bad ranges and
   duplicate names become problems, and reading carries on.
3. References are followed (printer -> port -> device, everything -> server, client choices,
   timeline targets and expectations -> printers, devices, servers, groups): a dangling one is a
   problem, a good one is replaced by the spelling of the name it refers to.

Only a file with no problems becomes a ``Scenario``; otherwise ``ScenarioError`` lists them all,
sorted by line, each with its key path (``lines.LineMap`` finds the line).
"""

from __future__ import annotations

import fnmatch
import os
import pathlib
import re
import tomllib
from collections.abc import Mapping
from typing import Any

import attrs

from spoolsim.scenario import reader as r
from spoolsim.scenario.drivertables import CLIENT_PNP_KEYS
from spoolsim.scenario.lines import LineMap, Path
from spoolsim.scenario.reader import Problem, ScenarioError
from spoolsim.scenario.schema import (
    ARCHITECTURES,
    CHOICES,
    DATATYPES,
    DISTRIBUTIONS,
    PROCESSES,
    TRANSPORTS,
    Arrival,
    Browsing,
    Burst,
    ClientGroup,
    PageDist,
    PrinterChoice,
    Scenario,
    Simulation,
)
from spoolsim.scenario.timeline import TimelineReader, hours, is_pattern
from spoolsim.scenario.webtables import CLIENT_WEB_KEYS, WebReader

__all__ = ["Problem", "ScenarioError", "load_scenario", "parse_scenario"]

TOP_KEYS = (
    "name",
    "description",
    "simulation",
    "servers",
    "devices",
    "ports",
    "printers",
    "fleets",
    "browsing",
    "network",
    "drivers",
    "clients",
    "timeline",
    "expect",
    "web",
    "rpc",
)
SIMULATION_KEYS = (
    "duration",
    "seed",
    "start",
    "drain",
    "transport",
    "render_cost",
    "page_events",
    "refill_after",
)
CLIENT_KEYS = (
    "name",
    "count",
    "os",
    "architecture",
    "arrival",
    "pages",
    "bytes_per_page",
    "datatype",
    "copies",
    "choice",
    "browse_every",
    "open_seen",
    *CLIENT_PNP_KEYS,
    *CLIENT_WEB_KEYS,
)
_SYNTAX = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


def parse_scenario(text: str, path: str = "<string>") -> Scenario:
    """Check a scenario's text and build it.

    Args:
        text: the TOML document.
        path: the file it came from, for messages; profile paths are relative to its directory
            (to the working directory for ``"<string>"``).

    Returns:
        The scenario, every name resolved and every time in seconds.

    Raises:
        ScenarioError: listing every problem found.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _SYNTAX.search(message)
        line = int(match[1]) if match else text.count("\n") + 1
        if match:
            message = f"{message[: match.start()]} (column {match[2]})"
        raise ScenarioError([Problem("", line, f"not valid TOML: {message}", path)]) from None
    except RecursionError:  # tomllib recurses into nested arrays and inline tables
        problem = Problem("", None, "not valid TOML: arrays or tables nested too deeply", path)
        raise ScenarioError([problem]) from None
    return _Loader(data, LineMap(text), path).build()


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read and check a scenario file (see ``parse_scenario``).

    Raises:
        ScenarioError: the file cannot be read, or has problems (all of them listed).
    """
    name = os.fspath(path)
    try:
        text = pathlib.Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        problem = Problem("", None, f"cannot read: {exc.strerror or exc}", name)
        raise ScenarioError([problem]) from None
    except UnicodeDecodeError as exc:
        problem = Problem("", None, f"not UTF-8 text: {exc.reason} at byte {exc.start}", name)
        raise ScenarioError([problem]) from None
    return parse_scenario(text, name)


def _pages(value: Any) -> Any:
    """``pages = 3`` is short for a fixed distribution."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {"distribution": "fixed", "value": value}
    return value


class _Loader(TimelineReader, WebReader):
    def __init__(self, data: dict, lines: LineMap, file: str) -> None:
        self.is_file = not (file.startswith("<") and file.endswith(">"))
        base = pathlib.Path(file).parent if self.is_file else pathlib.Path.cwd()
        super().__init__(lines, file, base)
        self.data = data
        self.name = pathlib.Path(file).stem if self.is_file else "scenario"

    def build(self) -> Scenario:
        data = self.data
        self.table(data, (), TOP_KEYS)
        name = self.field(data, (), "name", r.text(), self.name)
        description = self.field(data, (), "description", r.text(empty=True), "")
        simulation = self._simulation()
        browsing = self._browsing()
        network = self.network(data)
        web_path, web = self.web(data)
        rpc_path, rpc = self.rpc(data)
        self.read_estate(data)
        drivers = self.drivers(data)
        clients = [(p, self._client(t, p)) for p, t in self.tables(data, "clients")]
        timeline = [(p, self.action(t, p)) for p, t in self.tables(data, "timeline")]
        expect = [(p, self.expectation(t, p)) for p, t in self.tables(data, "expect")]
        self.resolve_estate()
        driver_specs = self.resolve_drivers(drivers)
        web = self.resolve_server(web_path, web)
        rpc = self.resolve_server(rpc_path, rpc)
        clients = [(p, self._resolve_choice(c, p)) for p, c in clients]
        actions = self.resolve_timeline(timeline)
        expect = [self.resolve_expectation(e, p) for p, e in expect]
        if self.problems:
            raise ScenarioError(self.problems)
        return Scenario(
            name=name,
            description=description,
            simulation=simulation,
            servers=tuple(self.servers),
            devices=tuple(self.devices),
            ports=tuple(spec for _, spec in self.ports),
            printers=tuple(spec for _, spec in self.printers),
            clients=tuple(spec for _, spec in clients),
            timeline=tuple(actions),
            expect=tuple(expect),
            path=self.file if self.is_file else None,
            fleets=tuple(self.fleets),
            browsing=browsing,
            network=network,
            drivers=tuple(driver_specs),
            web=web,
            rpc=rpc,
        )

    # -- sections ----------------------------------------------------------------------------------

    def _simulation(self) -> Simulation:
        path: Path = ("simulation",)
        if "simulation" not in self.data:
            self.problem(path, "missing: a [simulation] table with at least a duration")
        table = self.table(self.data.get("simulation", {}), path, SIMULATION_KEYS)
        required = r.REQUIRED if isinstance(self.data.get("simulation"), Mapping) else None
        self.duration = self.field(table, path, "duration", r.duration(positive=True), required)
        start = self.field(table, path, "start", r.time_of_day, 8 * 3600.0)
        drain = self.field(table, path, "drain", r.duration(positive=False), 3600.0)
        self.start = start if start is not None else self.start
        if self.duration is not None and drain is not None:
            self.end = self.duration + drain
        render_cost = None
        if "render_cost" in table:
            render_cost = self._render_cost(table["render_cost"], (*path, "render_cost"))
        return Simulation(
            duration=self.duration,  # type: ignore[arg-type]
            seed=self.field(table, path, "seed", r.integer(low=0), 0),
            start=self.start,
            drain=drain,  # type: ignore[arg-type]
            transport=self.field(table, path, "transport", r.one_of(TRANSPORTS), "direct"),
            render_cost=render_cost,
            page_events=self.field(table, path, "page_events", r.boolean, True),
            refill_after=self.field(table, path, "refill_after", r.duration(positive=False), None),
        )

    def _browsing(self) -> Browsing | None:
        if "browsing" not in self.data:
            return None
        path: Path = ("browsing",)
        table = self.table(self.data["browsing"], path, ("group", "first_round"))
        return Browsing(
            group=self.field(table, path, "group", r.text(forbid="\\/ \t,"), "SPOOLSIM"),
            first_round=self.field(table, path, "first_round", r.duration(positive=False), 60.0),
        )

    def _render_cost(self, value: Any, path: Path) -> dict[str, float]:
        """Seconds of rendering per page, by datatype (any spelling of the datatype's case)."""
        if not isinstance(value, Mapping):
            self.problem(path, f"must be a table of datatype = seconds per page {r.got(value)}")
            return {}
        costs = {}
        for key in value:
            try:
                kind = r.one_of(DATATYPES)(key)
            except ValueError as exc:
                self.problem((*path, key), f"unknown datatype: {exc}")
                continue
            cost = self.field(value, path, key, r.number(low=0))
            if cost is not None:
                costs[kind] = cost
        return costs

    def _client(self, table: dict, path: Path) -> ClientGroup:
        self.table(table, path, CLIENT_KEYS)
        name = self.field(table, path, "name", r.text())
        self.groups.add(name, (*path, "name"))
        return ClientGroup(
            name=name,
            count=self.field(table, path, "count", r.integer(low=1)),
            arrival=self._arrival(table.get("arrival"), (*path, "arrival")),
            pages=self._page_dist(_pages(table.get("pages")), (*path, "pages")),
            choice=self._choice(table.get("choice", {"kind": "random"}), (*path, "choice")),
            os=self.field(table, path, "os", r.text(), "Windows 11"),
            architecture=self.field(table, path, "architecture", r.one_of(ARCHITECTURES), "x64"),
            bytes_per_page=self.field(table, path, "bytes_per_page", r.integer(low=1), 20000),
            datatype=self.field(table, path, "datatype", r.one_of(DATATYPES), "RAW"),
            copies=self.field(table, path, "copies", r.integer(low=1, high=9999), 1),
            browse_every=self.field(table, path, "browse_every", r.duration(positive=True), None),
            open_seen=self.field(table, path, "open_seen", r.boolean, False),
            **self.client_pnp_fields(table, path),
            **self.client_web_fields(table, path),
        )

    def _arrival(self, value: Any, path: Path) -> Arrival:
        if value is None:
            self.problem(path, "missing (required): a table with at least process")
            return Arrival("poisson")
        table = self.table(value, path, ("process", "mean_interval", "per_hour", "bursts"))
        if not isinstance(value, Mapping):
            return Arrival("poisson")
        process = self.field(table, path, "process", r.one_of(PROCESSES))
        mean = per_hour = None
        if process == "burst":
            for key in ("mean_interval", "per_hour"):
                if key in table:
                    self.problem((*path, key), "a burst process has only bursts")
        elif process is not None:
            mean = self.field(table, path, "mean_interval", r.duration(positive=True))
        if process == "curve":
            per_hour = self.field(table, path, "per_hour", _per_hour)
        elif process == "poisson" and "per_hour" in table:
            self.problem((*path, "per_hour"), "only a curve process has per_hour")
        bursts = []
        for where, burst in self.tables(table, "bursts", path):
            bursts.append(self._burst(burst, where))
        if process == "burst" and not bursts:
            self.problem(path, "a burst process needs at least one [[...bursts]] table")
        return Arrival(process, mean, per_hour, tuple(bursts))  # type: ignore[arg-type]

    def _burst(self, table: dict, path: Path) -> Burst:
        self.table(table, path, ("at", "jobs", "over"))
        at = self.field(table, path, "at", r.moment(self.start))
        over = self.field(table, path, "over", r.duration(positive=False), 0.0)
        if None not in (at, over, self.duration) and at + over > self.duration:
            self.problem(
                (*path, "at"),
                f"ends at +{hours(at + over)}, after arrivals stop at +{hours(self.duration)}",
            )
        return Burst(at, self.field(table, path, "jobs", r.integer(low=1)), over)

    def _page_dist(self, value: Any, path: Path) -> PageDist:
        if value is None:
            self.problem(path, "missing (required): a number of pages or a distribution table")
            return PageDist("fixed", 1)
        keys = ("distribution", "value", "low", "high", "mean")
        table = self.table(value, path, keys, "a whole number of pages or a table")
        if not isinstance(value, Mapping):
            return PageDist("fixed", 1)
        kind = self.field(table, path, "distribution", r.one_of(DISTRIBUTIONS))
        wanted = {"fixed": ("value",), "uniform": ("low", "high"), "geometric": ("mean",)}
        fields: dict[str, Any] = {}
        if kind is not None:
            for key in keys[1:]:
                if key in table and key not in wanted[kind]:
                    self.problem((*path, key), f"not used by a {kind} distribution")
            for key in wanted[kind]:
                check = r.number(low=1) if key == "mean" else r.integer(low=1)
                fields[key] = self.field(table, path, key, check)
        low, high = fields.get("low"), fields.get("high")
        if low is not None and high is not None and low > high:
            self.problem((*path, "high"), f"must be >= low ({low}) (got {high})")
        return PageDist(kind, **fields)  # type: ignore[arg-type]

    def _choice(self, value: Any, path: Path) -> PrinterChoice:
        table = self.table(value, path, ("kind", "printers", "weights"))
        if not isinstance(value, Mapping):
            return PrinterChoice("random", ())
        kind = self.field(table, path, "kind", r.one_of(CHOICES))
        printers = self.field(table, path, "printers", r.strings, ())
        weights = ()
        if kind == "weighted":
            weights = self.field(table, path, "weights", _weights) or ()
            if printers is not None and weights and len(weights) != len(printers):
                self.problem(
                    (*path, "weights"),
                    f"needs one weight per printer ({len(printers)}) (got {len(weights)})",
                )
        elif "weights" in table:
            self.problem((*path, "weights"), "only a weighted choice has weights")
        if kind in ("fixed", "weighted") and printers == ():
            self.problem((*path, "printers"), f"a {kind} choice needs at least one printer")
        return PrinterChoice(kind, printers or (), weights)  # type: ignore[arg-type]

    # -- references --------------------------------------------------------------------------------

    def _resolve_choice(self, group: ClientGroup, path: Path) -> ClientGroup:
        choice = group.choice
        where = (*path, "choice", "printers")
        start = [name for _, spec in self.printers if (name := spec.name) is not None]
        names: list[str] = []
        for index, name in enumerate(choice.printers):
            if is_pattern(name):
                if choice.kind == "weighted":
                    self.problem((*where, index), "a weighted choice names each printer")
                    continue
                matched = [p for p in start if fnmatch.fnmatchcase(p.casefold(), name.casefold())]
                if not matched:
                    self.problem((*where, index), f"pattern {name!r} matches no printer")
                names.extend(matched)
            else:
                found = self.printer_at(name, 0.0, (*where, index))
                if found is not None:
                    names.append(found)
        if choice.kind == "random" and not choice.printers:
            names = start
        return attrs.evolve(group, choice=attrs.evolve(choice, printers=tuple(names)))


def _per_hour(value: Any) -> tuple[float, ...]:
    if not isinstance(value, list) or len(value) != 24:
        raise ValueError(f"must be an array of 24 multipliers, one per clock hour {r.got(value)}")
    numbers = tuple(r.number(low=0)(item) for item in value)
    if not any(numbers):
        raise ValueError("must not be all zero: no job would ever arrive")
    return numbers


def _weights(value: Any) -> tuple[float, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"must be an array of numbers > 0 {r.got(value)}")
    return tuple(r.number(above=0)(item) for item in value)
