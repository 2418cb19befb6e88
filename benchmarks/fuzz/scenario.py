"""Scenario files: the loader (``spoolsim.scenario.loader.parse_scenario``), in process.

Golden inputs are the shipped ``scenarios/*.toml`` and the fuzz target's own estate. Half the
inputs are edited as TOML (a value replaced by one of another type or at an edge: 0, -1, 2**63,
1e308, nan, inf, "", a long string, an array, an inline table, a date; a line deleted, doubled
or moved; a key renamed; a table header doubled), the other half mutated as bytes, which mostly
breaks the TOML syntax. ``parse_scenario`` must return a scenario or raise ``ScenarioError``
(with every problem listed); anything else, or a parse that takes longer than
:data:`TIME_LIMIT`, is a crash. A scenario is a file its author runs, not a network input, so
there is no server part.
"""

from __future__ import annotations

import pathlib
import random
import re
import signal
import time

from benchmarks.fuzz import common
from benchmarks.fuzz.mutate import PRINTABLE, Mutator, words
from benchmarks.fuzz.target import SCENARIO
from spoolsim.scenario import ScenarioError, parse_scenario

NAME = "scenario"
TIME_LIMIT = 5.0
"""Seconds one parse may take before it counts as a hang."""
ROOT = pathlib.Path(__file__).resolve().parents[2]
_VALUE = re.compile(r"^(\s*[A-Za-z0-9_.\"-]+\s*=\s*)(.+?)\s*$")
_EDGES = (
    "0", "-1", "1", "9223372036854775807", "-9223372036854775808", "18446744073709551616",
    "1e308", "-1e308", "nan", "inf", "0.0", "-0.0", '""', '"x"', "true", "false", "[]", "{}",
    "[1, 2, 3]", '["a", "b"]', '{ kind = "x" }', "1979-05-27T07:32:00Z", "07:32:00",
    '"+99999h"', '"25:61"', '"-5m"', '"1d"', '"0s"', '"99999999999d"',
)  # fmt: skip
_TOKENS = (b"=", b"[", b"]", b"[[", b"]]", b'"', b"\n", b"#", b"{", b"}", b",", b".", b"\x00")


def goldens() -> list[tuple[str, str]]:
    """(path, text) of the scenarios the fuzzer starts from."""
    files = sorted((ROOT / "scenarios").glob("*.toml"))
    found = [(str(p), p.read_text()) for p in files if p.name != "large-estate.toml"]
    return [*found, (str(ROOT / "scenarios" / "fuzz-target.toml"), SCENARIO)]


class Inputs:
    """Scenario texts from one seeded stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.goldens = goldens()
        self.mutator = Mutator(rng, _TOKENS, max_size=1 << 16)

    def _value(self) -> str:
        rng = self.rng
        if rng.random() < 0.8:
            return rng.choice(_EDGES)
        return (
            '"' + words(rng, PRINTABLE + "é\\\\", 0, rng.choice((10, 300))).replace('"', "") + '"'
        )

    def _edit(self, text: str) -> str:
        rng = self.rng
        lines = text.split("\n")
        for _ in range(rng.choice((1, 1, 2, 3, 6))):
            if not lines:
                break
            i = rng.randrange(len(lines))
            roll = rng.random()
            match = _VALUE.match(lines[i])
            if roll < 0.6 and match:
                lines[i] = match[1] + self._value()
            elif roll < 0.7:
                del lines[i]
            elif roll < 0.8:
                lines.insert(rng.randrange(len(lines) + 1), lines[i])
            elif roll < 0.9 and match:
                key = words(rng, "abcdefghijklmnopqrstuvwxyz_", 1, 12)
                lines[i] = f"{key} = {match[2]}"
            else:
                headers = [line for line in lines if line.startswith("[")]
                if headers:
                    lines.insert(rng.randrange(len(lines) + 1), rng.choice(headers))
        return "\n".join(lines)

    def __call__(self) -> tuple[str, str]:
        rng = self.rng
        path, text = rng.choice(self.goldens)
        if rng.random() < 0.5:
            return path, self._edit(text)
        raw = self.mutator.mutate(text.encode())
        return path, raw.decode("utf-8", errors="replace")


class _TooSlow(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _TooSlow


def codec(n: int, seed: int) -> common.Figures:
    """``n`` scenario texts through the loader, in process."""
    figures = common.Figures(NAME, "codec")
    rng = random.Random(seed)
    inputs = Inputs(rng)
    previous = signal.signal(signal.SIGALRM, _alarm)
    started = time.perf_counter()
    try:
        for i in range(n):
            figures.inputs += 1
            path, text = inputs()
            signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
            try:
                parse_scenario(text, path)
            except ScenarioError as error:
                figures.refused += 1
                if not error.problems or not all(str(p) for p in error.problems):
                    figures.crash(f"seed {seed} input {i}: ScenarioError without problems")
            except _TooSlow:
                figures.crash(f"seed {seed} input {i}: over {TIME_LIMIT:g} s: {text[:300]!r}")
            except Exception as exc:  # anything but ScenarioError is a loader crash
                figures.crash(f"seed {seed} input {i}: {exc!r} on {path}: {text[:300]!r}")
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
    finally:
        signal.signal(signal.SIGALRM, previous)
    figures.wall = time.perf_counter() - started
    return figures
