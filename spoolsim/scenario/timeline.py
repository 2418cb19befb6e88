"""Reading a scenario's timeline and expectations, and the references they make.

A ``[[timeline]]`` entry is one action at one moment, or several: ``every = "1h"`` repeats it
until ``until`` (by default the end of the run, duration + drain), and a ``target`` written as a
pattern (``"lj-*"``, ``"*"``; shell-style, without regard to case) applies it to every printer,
device, server or group that matches. The loader writes each repetition and each match out as an
``Action`` of its own, so the runner only ever sees single actions. Printers that the timeline
adds exist from their ``add_printer`` on: naming one earlier is a problem.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

import attrs

from devices.faults import ACTIONS as CLEAR_ACTIONS
from spoolsim.model.printbrowse import BROWSE_VALUES, BrowseSettings
from spoolsim.model.server import default_settings
from spoolsim.scenario import reader as r
from spoolsim.scenario.drivertables import UPDATE_KEYS, DriverReader
from spoolsim.scenario.lines import Path
from spoolsim.scenario.schema import (
    ACTIONS,
    DATATYPES,
    JAM_KINDS,
    METRICS,
    OPERATORS,
    PRINTER_SETTINGS,
    Action,
    Expectation,
    format_duration,
)
from spoolsim.scenario.tables import PRINTER_KEYS, EstateReader, clock

# Keys of a [[timeline]] entry besides at, every, until, action and target, by action.
ACTION_KEYS: dict[str, tuple[str, ...]] = {
    "jam": ("kind",),
    "fix": ("clear_by",),
    "add_printer": ("printer",),
    "set": ("key", "value"),
    "burst": ("jobs", "over", "printer"),
    "server_down": ("clean",),
    "update_driver": UPDATE_KEYS,
}
# What an action's target names.
TARGETS = {
    "pause_printer": "printer",
    "resume_printer": "printer",
    "jam": "device",
    "fix": "device",
    "server_down": "server",
    "server_up": "server",
    "set": "printer or server",
    "burst": "group",
    "browse": "group",
    "update_driver": "driver",
}
PRINTER_TABLE = ("name", "ports", *PRINTER_KEYS)
MAX_ACTIONS = 100_000  # after repetitions and patterns are written out


def hours(seconds: float) -> str:
    """Seconds as a short duration for messages."""
    return format_duration(round(seconds, 3))


def is_pattern(name: str) -> bool:
    return any(char in name for char in "*?[")


class TimelineReader(EstateReader, DriverReader):
    """Reads ``[[timeline]]`` and ``[[expect]]`` tables on top of the estate."""

    def __init__(self, lines: Any, file: str, base: Any) -> None:
        super().__init__(lines, file, base)
        self.duration: float | None = None
        self.end: float | None = None  # duration + drain
        self.groups = r.Names("client group", self)
        self.driver_names = r.Names("driver", self)
        self.added: dict[str, float] = {}  # printers the timeline adds (folded) -> when
        self._repeats: dict[Path, tuple[float, float]] = {}  # entry -> (every, until)

    # -- first pass --------------------------------------------------------------------------------

    def action(self, table: dict, path: Path) -> Action:
        """One ``[[timeline]]`` entry, its repetition noted aside."""
        action = self.field(table, path, "action", r.one_of(ACTIONS))
        if action is not None:  # an unknown action's other keys cannot be judged
            keys = ("at", "every", "until", "action", "target", *ACTION_KEYS.get(action, ()))
            self.table(table, path, keys)
        at = self.field(table, path, "at", r.moment(self.start))
        self._within_run(at, (*path, "at"))
        self._repeat(table, path, at, action)
        target = self.field(table, path, "target", r.text(), None)
        if action in TARGETS and not action.startswith("server_") and target is None:
            self.problem((*path, "target"), f"missing (required): the {TARGETS[action]}")
        params: dict[str, Any] = {}
        if action == "jam" and "kind" in table:
            params["kind"] = self.field(table, path, "kind", r.one_of(JAM_KINDS))
        elif action == "fix" and "clear_by" in table:
            params["action"] = self.field(table, path, "clear_by", r.one_of(CLEAR_ACTIONS))
        elif action == "add_printer":
            if "target" in table:
                self.problem((*path, "target"), "add_printer takes its name from printer.name")
            where = (*path, "printer")
            if "printer" not in table:
                self.problem(where, "missing (required): the printer table")
            else:
                printer = self.table(table["printer"], where, PRINTER_TABLE)
                if isinstance(table["printer"], Mapping):
                    params["printer"] = self.printer(printer, where)
                    target = params["printer"].name
        elif action == "set":
            params = self._setting(table, path)
        elif action == "update_driver":
            params = self.update_params(table, path)
        elif action == "server_down" and "clean" in table:
            params["clean"] = self.field(table, path, "clean", r.boolean)
        elif action == "burst":
            params["jobs"] = self.field(table, path, "jobs", r.integer(low=1))
            params["over"] = self.field(table, path, "over", r.duration(positive=False), 0.0)
            if "printer" in table:
                params["printer"] = self.field(table, path, "printer", r.text())
        line = self.lines.line(path) if self.lines is not None else None
        return Action(at, action, target, params, line)  # type: ignore[arg-type]

    def _within_run(self, at: float | None, path: Path) -> None:
        if at is not None and self.end is not None and at > self.end:
            self.problem(
                path,
                f"+{hours(at)} is after the end of the run (+{hours(self.end)}: duration + drain)",
            )

    def _repeat(self, table: dict, path: Path, at: float | None, action: str | None) -> None:
        every = self.field(table, path, "every", r.duration(positive=True), None)
        until = self.field(table, path, "until", r.moment(self.start), None)
        if "until" in table and "every" not in table:
            self.problem((*path, "until"), "only a repeated action (with every) has until")
        if every is None or at is None:
            return
        if action == "add_printer":
            self.problem((*path, "every"), "a printer is added once")
            return
        self._within_run(until, (*path, "until"))
        last = until if until is not None else self.end
        if last is None:
            return
        if last < at:
            self.problem((*path, "until"), f"+{hours(last)} is before at (+{hours(at)})")
        elif (last - at) / every >= MAX_ACTIONS:
            self.problem((*path, "every"), f"repeats more than {MAX_ACTIONS} times")
        else:
            self._repeats[path] = (every, last)

    def _setting(self, table: dict, path: Path) -> dict[str, Any]:
        settings = default_settings()
        known = {key.casefold(): key for key in (*PRINTER_SETTINGS, *settings)}
        key = self.field(table, path, "key", r.text())
        if key is not None and key.casefold() not in known:
            self.problem(
                (*path, "key"), f"no such setting {key!r}" + r.suggest(key, known.values())
            )
        key = known.get(key.casefold()) if key is not None else None
        checks: dict[str, r.Convert] = {
            "priority": r.integer(low=1, high=99),
            "start_time": clock,
            "until_time": clock,
            "comment": r.text(empty=True),
            "location": r.text(empty=True),
            "datatype": r.one_of(DATATYPES),
        }
        if key in settings:
            checks[key] = r.integer() if isinstance(settings[key], int) else r.text(empty=True)
        value = self.field(table, path, "value", checks[key]) if key else None
        if key in BROWSE_VALUES and isinstance(value, int):
            for problem in BrowseSettings.of({key: value}).problems():
                self.problem((*path, "value"), problem)
        return {"key": key, "value": value}

    def expectation(self, table: dict, path: Path) -> Expectation:
        """One ``[[expect]]`` entry: a metric and exactly one comparison."""
        ops = [key for key in OPERATORS if key in table]
        self.table(table, path, ("metric", "printer", *OPERATORS))
        metric = self.field(table, path, "metric", r.one_of(METRICS))
        printer = self.field(table, path, "printer", r.text(), None)
        op, value, written = "==", None, None
        if len(ops) != 1:
            self.problem(path, f"needs exactly one of {', '.join(OPERATORS)} (got {len(ops)})")
        else:
            written = table[ops[0]]
            timed = metric is not None and metric.startswith(("wait_", "turnaround_"))
            check = r.duration(positive=False) if timed else r.number()
            op, value = OPERATORS[ops[0]], self.field(table, path, ops[0], check)
            if metric == "utilisation" and value is not None and not 0 <= value <= 1:
                self.problem((*path, ops[0]), f"utilisation is from 0 to 1 (got {value:g})")
        text = f"{metric} {ops[0] if ops else '?'} {written}"
        if printer is not None:
            text += f" on {printer}"
        line = self.lines.line(path) if self.lines is not None else None
        return Expectation(metric, op, value, printer, text, line)  # type: ignore[arg-type]

    # -- second pass: references -------------------------------------------------------------------

    def printer_at(self, name: Any, at: float | None, path: Path) -> str | None:
        """A printer that exists at ``at`` (from the start, or added by the timeline by then)."""
        found = self.printer_names.get(name)
        added = self.added.get(found.casefold()) if found is not None else None
        if found is None:
            self.printer_names.resolve(name, path)
        elif added is not None and at is not None and at < added:
            self.problem(path, f"printer {found!r} is added only at +{hours(added)}")
        return found

    def resolve_timeline(self, timeline: list[tuple[Path, Action]]) -> list[Action]:
        """Every action of the timeline, repetitions and pattern matches written out, sorted by
        time (actions at the same time keep their order in the file)."""
        for path, action in timeline:
            printer = action.params.get("printer") if action.action == "add_printer" else None
            if printer is None or printer.name is None:
                continue
            if not self.printer_names.add(printer.name, (*path, "printer", "name")):
                continue
            self.added[printer.name.casefold()] = action.at if action.at is not None else 0.0
            action.params["printer"] = self.resolve_printer(printer, (*path, "printer"))
        out = []
        for path, action in timeline:
            times = [action.at]
            if path in self._repeats:
                every, last = self._repeats[path]
                count = int((last - action.at) // every)
                times = [action.at + n * every for n in range(count + 1)]
            for target in self._targets(action, path):
                for at in times:
                    evolved = attrs.evolve(action, at=at, target=target, params=dict(action.params))
                    out.append((evolved, path))
        if len(out) > MAX_ACTIONS:
            self.problem(
                ("timeline",), f"{len(out)} actions once written out (most: {MAX_ACTIONS})"
            )
        out.sort(key=lambda entry: entry[0].at if entry[0].at is not None else 0.0)
        self._check_server_states(out)
        return [action for action, _ in out]

    def _check_server_states(self, timeline: list[tuple[Action, Path]]) -> None:
        """Every server starts up: ``server_down`` needs it up, ``server_up`` needs it down."""
        down: dict[str, float] = {}  # folded server name -> when it went down
        for action, path in timeline:
            if action.action not in ("server_down", "server_up") or action.target is None:
                continue
            key, at = action.target.casefold(), action.at or 0.0
            if action.action == "server_down" and key in down:
                self.problem(
                    (*path, "action"),
                    f"server {action.target!r} is already down at +{hours(at)}"
                    f" (since +{hours(down[key])}); a server_up must come first",
                )
            elif action.action == "server_up" and key not in down:
                self.problem(
                    (*path, "action"),
                    f"server {action.target!r} is not down at +{hours(at)}:"
                    " server_up restarts a server that a server_down stopped",
                )
            elif action.action == "server_down":
                down[key] = at
            else:
                del down[key]

    def _targets(self, action: Action, path: Path) -> list[str | None]:
        """The action's target(s): one name, or every match of a pattern."""
        where, target, kind = (*path, "target"), action.target, TARGETS.get(action.action)
        params = action.params
        if action.action == "burst" and params.get("printer") is not None:
            params["printer"] = self.printer_at(params["printer"], action.at, (*path, "printer"))
        if kind is None or target is None:
            return [self.default_server if kind == "server" else target]
        if kind == "printer or server":
            if params.get("key") is None:
                return [target]  # a bad key, reported: which kind is meant is unknown
            kind = "server" if params["key"] in default_settings() else "printer"
        names = {
            "device": self.device_names,
            "server": self.server_names,
            "group": self.groups,
            "printer": self.printer_names,
            "driver": self.driver_names,
        }[kind]
        if is_pattern(target):
            pool = names.names()
            if kind == "printer":
                pool = [p for p in pool if self.added.get(p.casefold(), 0.0) <= (action.at or 0)]
            matched = [n for n in pool if fnmatch.fnmatchcase(n.casefold(), target.casefold())]
            if not matched:
                self.problem(where, f"pattern {target!r} matches no {kind}")
            return matched
        if kind == "printer":
            return [self.printer_at(target, action.at, where)]
        return [names.resolve(target, where)]

    def resolve_expectation(self, expect: Expectation, path: Path) -> Expectation:
        """An expectation with its printer's defined spelling."""
        if expect.printer is None:
            return expect
        found = self.printer_at(expect.printer, None, (*path, "printer"))
        return attrs.evolve(expect, printer=found)
