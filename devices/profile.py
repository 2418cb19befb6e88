"""Printer profiles: the data-sheet numbers a virtual print engine runs on.

A profile is a TOML file in ``devices/profiles/`` (``list_profiles()`` names them) or anywhere
else (``load_profile(path)``). Every key is required::

    name = "hp-lj-pro-m404"            # lower-case letters, digits and dashes
    model = "HP LaserJet Pro M404dn"   # marketing name
    pjl_id = "HP LaserJet Pro M404dn"  # what @PJL INFO ID answers
    ppm = 38.0                         # rated speed, pages (or labels) per minute
    first_page_s = 6.3                 # first page out from ready
    warmup_s = 8.0                     # power save -> ready
    power_save_after_s = 300.0         # idle time before power save
    duplex = true
    color = false
    toner_pages = 3000                 # pages per cartridge (5 % coverage, ISO yield)
    toner_low_pct = 10                 # toner-low alert at or below this percentage
    memory_mb = 256
    languages = ["PCL 6", "PostScript 3"]
    sources = ["document title or address", ...]
    [[trays]]                          # in the order the engine draws from them
    name = "Tray 1"
    capacity = 100                     # sheets (or labels)
    media = "letter"                   # a key of MEDIA_CODES

A file with problems raises ``ProfileError`` naming the file and every problem, each with its key
path (``trays[1].capacity``).
"""

from __future__ import annotations

import math
import os
import pathlib
import re
import tomllib
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

PROFILE_DIR = pathlib.Path(__file__).resolve().parent / "profiles"

# Media names and their PJL media-size codes (the "yy" of the 41xyy paper-load status). Codes 11
# to 26 were read from the HP PJL Technical Reference Manual, appendix D, "PJL Status Codes", page
# D-20 (media table of the paper-mount messages); codes 00 to 10 are the start of the same table,
# on the page before, which the stored copies did not include: they follow the order that table
# is known by (unknown paper, unknown envelope, letter, legal, A4, executive, ledger, A3, COM-10,
# Monarch, C5) -- check them against the manual before relying on them.
MEDIA_CODES: dict[str, int] = {
    "unknown": 0,
    "envelope": 1,
    "letter": 2,
    "legal": 3,
    "a4": 4,
    "executive": 5,
    "ledger": 6,
    "a3": 7,
    "com10": 8,
    "monarch": 9,
    "c5": 10,
    "dl": 11,
    "jis-b4": 12,
    "jis-b5": 13,
    "b5-envelope": 14,
    "custom": 15,  # "Custom Media Paper": also used for label stock
    "a6": 24,
    "foolscap": 25,
    "jis-b6": 26,
}

_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class ProfileError(Exception):
    """A profile that cannot be loaded; ``problems`` lists each problem with its key path."""

    def __init__(self, path: object, problems: Sequence[str]) -> None:
        self.path = str(path)
        self.problems = tuple(problems)
        super().__init__(f"{self.path}:\n  " + "\n  ".join(self.problems))


@attrs.frozen
class Tray:
    """A paper source: its name on the control panel, sheets it holds, and its media."""

    name: str
    capacity: int
    media: str


@attrs.frozen
class DeviceProfile:
    """One printer model's numbers (see the module docstring for units)."""

    name: str
    model: str
    pjl_id: str
    ppm: float
    first_page_s: float
    warmup_s: float
    power_save_after_s: float
    duplex: bool
    trays: tuple[Tray, ...]
    toner_pages: int
    toner_low_pct: int
    memory_mb: int
    languages: tuple[str, ...]
    color: bool
    sources: tuple[str, ...]

    @property
    def page_interval_s(self) -> float:
        """Seconds between pages at full speed."""
        return 60.0 / self.ppm


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _texts(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(_text(item) for item in value)


# key -> (test, what a good value is)
_FIELDS: dict[str, tuple[Any, str]] = {
    "name": (lambda v: isinstance(v, str) and _NAME.fullmatch(v), "lower-case words and dashes"),
    "model": (_text, "a non-empty string"),
    "pjl_id": (_text, "a non-empty string"),
    "ppm": (lambda v: _number(v) and v > 0, "a number > 0"),
    "first_page_s": (lambda v: _number(v) and v >= 0, "a number of seconds >= 0"),
    "warmup_s": (lambda v: _number(v) and v >= 0, "a number of seconds >= 0"),
    "power_save_after_s": (lambda v: _number(v) and v > 0, "a number of seconds > 0"),
    "duplex": (lambda v: isinstance(v, bool), "true or false"),
    "color": (lambda v: isinstance(v, bool), "true or false"),
    "toner_pages": (lambda v: _whole(v) and v > 0, "a whole number > 0"),
    "toner_low_pct": (lambda v: _whole(v) and 0 <= v <= 100, "a whole number from 0 to 100"),
    "memory_mb": (lambda v: _whole(v) and v > 0, "a whole number > 0"),
    "languages": (_texts, "a non-empty list of strings"),
    "sources": (_texts, "a non-empty list of strings (data-sheet citations)"),
}
_TRAY_FIELDS: dict[str, tuple[Any, str]] = {
    "name": (_text, "a non-empty string"),
    "capacity": (lambda v: _whole(v) and v > 0, "a whole number > 0"),
    "media": (lambda v: v in MEDIA_CODES, "one of " + ", ".join(MEDIA_CODES)),
}


def _check_table(
    table: Mapping[str, Any], fields: Mapping[str, tuple[Any, str]], prefix: str
) -> list[str]:
    problems = []
    for key, (test, wanted) in fields.items():
        if key not in table:
            problems.append(f"{prefix}{key}: missing (must be {wanted})")
        elif not test(table[key]):
            problems.append(f"{prefix}{key}: must be {wanted} (got {table[key]!r})")
    problems.extend(
        f"{prefix}{key}: unknown key" for key in table if key not in fields and key != "trays"
    )
    return problems


def parse_profile(data: Mapping[str, Any], source: object = "<profile>") -> DeviceProfile:
    """Build a profile from a parsed TOML table, checking every key.

    Raises:
        ProfileError: naming ``source`` and every problem found.
    """
    problems = _check_table(data, _FIELDS, "")
    trays = data.get("trays")
    if trays is None:
        problems.append("trays: missing (must be an array of [[trays]] tables)")
    elif not isinstance(trays, list) or not trays:
        problems.append(f"trays: must be a non-empty array of tables (got {trays!r})")
    else:
        names = set()
        for index, tray in enumerate(trays):
            prefix = f"trays[{index}]."
            if not isinstance(tray, Mapping):
                problems.append(f"trays[{index}]: must be a table (got {tray!r})")
                continue
            problems.extend(_check_table(tray, _TRAY_FIELDS, prefix))
            if tray.get("name") in names:
                problems.append(f"{prefix}name: {tray['name']!r} is used by an earlier tray")
            names.add(tray.get("name"))
    if problems:
        raise ProfileError(source, problems)
    fields = {key: data[key] for key in _FIELDS}
    for key in ("ppm", "first_page_s", "warmup_s", "power_save_after_s"):
        fields[key] = float(fields[key])
    fields["languages"] = tuple(fields["languages"])
    fields["sources"] = tuple(fields["sources"])
    fields["trays"] = tuple(Tray(t["name"], t["capacity"], t["media"]) for t in trays)
    return DeviceProfile(**fields)


def list_profiles() -> list[str]:
    """Names of the shipped profiles, sorted."""
    return sorted(path.stem for path in PROFILE_DIR.glob("*.toml"))


def load_profile(name_or_path: str | os.PathLike[str]) -> DeviceProfile:
    """Load a shipped profile by name, or any profile file by path.

    A string with no path separator and no ``.toml`` suffix is a shipped profile's name.

    Raises:
        ProfileError: the file is missing, is not TOML, or has bad values.
    """
    text = os.fspath(name_or_path)
    if isinstance(name_or_path, str) and not text.endswith(".toml") and os.sep not in text:
        path = PROFILE_DIR / f"{text}.toml"
        if not path.exists():
            known = ", ".join(list_profiles())
            raise ProfileError(path, [f"no shipped profile named {text!r} (known: {known})"])
    else:
        path = pathlib.Path(text)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(path, [f"cannot read: {exc.strerror or exc}"]) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(path, [f"not valid TOML: {exc}"]) from exc
    return parse_profile(data, path)
