"""Scripted faults for a print engine: what goes wrong, when, and how it is put right.

A fault has a kind, exactly one trigger and an optional automatic clear:

- kind: ``jam``, ``door_open``, ``offline`` (mechanical: they stop the engine at once, with their
  own status code) or ``paper_out``, ``toner_out`` (supply: they empty a tray or the cartridge,
  and the engine stops when the next page needs what is missing).
- trigger: ``at_time`` (simulated seconds), ``at_page`` (the lifetime page number that fails) or
  ``per_page`` (probability that any one page attempt fails; drawn from the engine's own seeded
  random stream).
- clear: ``clear_after`` seconds after it hit, or the operator action ``clear_by``. Without
  ``clear_by`` the kind's natural action clears it (see ``NATURAL_CLEAR``); that action always
  works, with or without ``clear_after``.

``parse_faults`` turns scenario data (a list of tables) into ``Fault`` values and reports every
problem at once, each named by its key path (``faults[2].per_page``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

KINDS = ("jam", "paper_out", "door_open", "offline", "toner_out")
ACTIONS = ("clear_jam", "load_paper", "close_door", "online", "replace_toner")
NATURAL_CLEAR = {
    "jam": "clear_jam",
    "paper_out": "load_paper",
    "door_open": "close_door",
    "offline": "online",
    "toner_out": "replace_toner",
}
SUPPLY_KINDS = ("paper_out", "toner_out")
SUPPLY_ACTIONS = ("load_paper", "replace_toner")
TRIGGERS = ("at_time", "at_page", "per_page")
KEYS = ("kind", *TRIGGERS, "clear_after", "clear_by", "tray")


class FaultError(ValueError):
    """Fault data that cannot be used; ``problems`` lists every one, each with its key path."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("bad fault data:\n  " + "\n  ".join(self.problems))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check(values: Mapping[str, Any], where: str) -> list[str]:
    """Everything wrong with one fault's fields, as ``where.key: message`` lines."""
    problems = []

    def bad(key: str, message: str) -> None:
        problems.append(f"{where}.{key}: {message} (got {values.get(key)!r})")

    kind = values.get("kind")
    if kind not in KINDS:
        bad("kind", f"must be one of {', '.join(KINDS)}")
    given = [key for key in TRIGGERS if values.get(key) is not None]
    if len(given) != 1:
        problems.append(
            f"{where}: needs exactly one trigger of {', '.join(TRIGGERS)} "
            f"(got {', '.join(given) or 'none'})"
        )
    at_time, at_page, per_page = (values.get(key) for key in TRIGGERS)
    if at_time is not None and not (_is_number(at_time) and at_time >= 0):
        bad("at_time", "must be a number of seconds >= 0")
    if at_page is not None and not (
        isinstance(at_page, int) and not isinstance(at_page, bool) and at_page >= 1
    ):
        bad("at_page", "must be a whole page number >= 1")
    if per_page is not None and not (_is_number(per_page) and 0 < per_page <= 1):
        bad("per_page", "must be a probability in (0, 1]")
    clear_after = values.get("clear_after")
    if clear_after is not None and not (_is_number(clear_after) and clear_after > 0):
        bad("clear_after", "must be a number of seconds > 0")
    clear_by = values.get("clear_by")
    if clear_by is not None:
        if clear_by not in ACTIONS:
            bad("clear_by", f"must be one of {', '.join(ACTIONS)}")
        elif kind in SUPPLY_KINDS and clear_by != NATURAL_CLEAR[kind]:
            bad("clear_by", f"a {kind} fault is put right only by {NATURAL_CLEAR[kind]}")
        elif kind in KINDS and kind not in SUPPLY_KINDS and clear_by in SUPPLY_ACTIONS:
            bad("clear_by", f"a {kind} fault cannot be cleared by {clear_by}")
    tray = values.get("tray")
    if tray is not None:
        if not (isinstance(tray, str) and tray.strip()):
            bad("tray", "must be a tray name")
        elif kind != "paper_out":
            bad("tray", "only a paper_out fault names a tray")
    return problems


@attrs.frozen
class Fault:
    """One scripted fault (see the module docstring for the fields' meaning)."""

    kind: str
    at_time: float | None = None
    at_page: int | None = None
    per_page: float | None = None
    clear_after: float | None = None
    clear_by: str | None = None
    tray: str | None = None

    def __attrs_post_init__(self) -> None:
        problems = _check(attrs.asdict(self), "fault")
        if problems:
            raise FaultError(problems)

    @property
    def clear_action(self) -> str:
        """The operator action that clears this fault."""
        return self.clear_by or NATURAL_CLEAR[self.kind]


def parse_faults(data: object, *, where: str = "faults") -> tuple[Fault, ...]:
    """Build faults from scenario data: a list of tables with the ``Fault`` field names.

    Args:
        data: the list, e.g. from a TOML ``[[faults]]`` array.
        where: the key path of the list in its file, used in error messages.

    Returns:
        The faults, in the order given.

    Raises:
        FaultError: listing every problem found, each named by index and key.
    """
    if not isinstance(data, list):
        raise FaultError([f"{where}: must be a list of tables (got {type(data).__name__})"])
    problems: list[str] = []
    for index, item in enumerate(data):
        place = f"{where}[{index}]"
        if not isinstance(item, Mapping):
            problems.append(f"{place}: must be a table (got {type(item).__name__})")
            continue
        for key in item:
            if key not in KEYS:
                problems.append(f"{place}.{key}: unknown key (known: {', '.join(KEYS)})")
        problems.extend(_check(item, place))
    if problems:
        raise FaultError(problems)
    faults = []
    for item in data:
        fields = {key: item.get(key) for key in KEYS}
        for key in ("at_time", "per_page", "clear_after"):
            if fields[key] is not None:
                fields[key] = float(fields[key])
        faults.append(Fault(**fields))
    return tuple(faults)
