"""``python -m devices``: list the printer profiles, or run a virtual printer on real TCP.

    python -m devices profiles
    python -m devices serve --profile hp-lj-pro-m404 --raw-port 9100 --lpd-port 515

``serve`` prints where it listens, then one line per job received, per job finished, per status
change and per problem with a connection, and stops on Ctrl-C (or SIGTERM). ``--rate R`` runs the
printer's clock R times faster than real time. Exit codes: 0 done, 2 bad input (unknown profile,
bad fault file, address not available).
"""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import tomllib
from collections.abc import Callable
from typing import Any

import trio
import trio.testing

from devices.engine import EngineEvent, PrintEngine
from devices.faults import Fault, FaultError, parse_faults
from devices.printer import DeviceLimits, ErrorLog, VirtualPrinter
from devices.profile import DeviceProfile, ProfileError, list_profiles, load_profile
from devices.serve import open_virtual_printer
from spoolsim.wire.pjl import status_text


class BadInput(Exception):
    """Something the user gave cannot be used; the message says what."""


class _Errors(ErrorLog):
    """``printer.errors`` that also announces each entry."""

    def __init__(self, announce: Callable[[str], None]) -> None:
        super().__init__()
        self._announce = announce

    def append(self, item: str) -> None:
        super().append(item)
        self._announce(f"problem: {item}")


class AnnouncingPrinter(VirtualPrinter):
    """A virtual printer that tells ``say`` what happens to it, one line at a time."""

    def __init__(
        self,
        profile: DeviceProfile,
        *,
        seed: int,
        faults: tuple[Fault, ...],
        say: Callable[[str], None],
    ) -> None:
        super().__init__(profile, seed=seed, faults=faults, now=trio.current_time())
        self._say = say
        self._start = trio.current_time()
        self.errors = _Errors(self._line)
        self.listeners.append(self._on_events)

    def _line(self, text: str, when: float | None = None) -> None:
        when = trio.current_time() if when is None else when
        self._say(f"[{when - self._start:10.1f} s] {text}")

    def submit(self, name: str, pages: int, origin: Any = None) -> int:
        job = super().submit(name, pages, origin)
        self._line(f"job {job} received: {name or '(no name)'!r}, {pages} page(s)")
        return job

    def _on_events(self, events: list[EngineEvent]) -> None:
        for event in events:
            if event.kind == "status" and event.code is not None:
                self._line(f"status {event.code} {status_text(event.code)}", event.time)
            elif event.kind in ("alert", "alert_clear") and event.code is not None:
                what = "alert" if event.kind == "alert" else "alert cleared"
                self._line(f"{what} {event.code} {status_text(event.code)}", event.time)
            elif event.kind == "job_end":
                self._line(f"job {event.job} done: {event.pages} page(s) printed", event.time)


def _load_faults(path: str | None, profile: DeviceProfile) -> tuple[Fault, ...]:
    if path is None:
        return ()
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
        faults = parse_faults(data.get("faults", []), where=f"{path}: faults")
        PrintEngine(profile, faults=faults)  # checks the trays the faults name
    except OSError as exc:
        raise BadInput(f"cannot read fault file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"fault file {path} is not valid TOML: {exc}") from exc
    except (FaultError, ValueError) as exc:
        raise BadInput(f"fault file {path}: {exc}") from exc
    return faults


async def _serve(
    args: argparse.Namespace, profile: DeviceProfile, faults: tuple[Fault, ...]
) -> None:
    def say(text: str) -> None:
        print(text, flush=True)

    printer = AnnouncingPrinter(profile, seed=args.seed, faults=faults, say=say)
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        try:
            running = open_virtual_printer(
                printer,
                host=args.host,
                raw_port=args.raw_port,
                lpd_port=args.lpd_port,
                limits=DeviceLimits().scaled(args.rate),  # real seconds whatever the rate
            )
            async with running as where:
                say(
                    f"virtual printer {profile.name} ({profile.model}), seed {args.seed}, "
                    f"{len(faults)} fault(s), clock rate {args.rate:g}"
                )
                say(f"AppSocket/PJL listening on {where.host}:{where.raw_port}")
                say(f"LPD listening on {where.host}:{where.lpd_port}")
                say("Ctrl-C stops it")
                async for signum in signals:
                    printed = printer.engine.status().page_count
                    say(
                        f"stopping ({signal.Signals(signum).name}): {printer.jobs_received} "
                        f"job(s) received, {printed} page(s) printed"
                    )
                    return
        except OSError as exc:
            hint = " (ports below 1024 need root)" if exc.errno == errno.EACCES else ""
            raise BadInput(f"cannot listen on {args.host}: {exc.strerror or exc}{hint}") from exc


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devices", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("profiles", help="list the shipped printer profiles")
    serve = commands.add_parser("serve", help="run a virtual printer on TCP")
    serve.add_argument("--profile", required=True, help="a shipped profile's name or a .toml path")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--raw-port", type=int, default=9100, help="AppSocket/PJL port (0: any)")
    serve.add_argument("--lpd-port", type=int, default=515, help="LPD port (0: any)")
    serve.add_argument("--seed", type=int, default=0, help="seed of the engine's random faults")
    serve.add_argument("--faults", metavar="FILE.toml", help="a TOML file with [[faults]] tables")
    serve.add_argument("--rate", type=float, default=1.0, help="clock speed (2 = twice as fast)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "profiles":
        for name in list_profiles():
            p = load_profile(name)
            print(f"{p.name:<18} {p.model:<34} {p.ppm:g} ppm")
        return 0
    if not args.rate > 0:
        parser.error(f"--rate must be above 0, not {args.rate:g}")
    try:
        profile = load_profile(args.profile)
        faults = _load_faults(args.faults, profile)
        clock = None if args.rate == 1 else trio.testing.MockClock(rate=args.rate)
        trio.run(_serve, args, profile, faults, clock=clock)
    except ProfileError as exc:
        print(f"python -m devices: bad profile {exc}", file=sys.stderr)
        return 2
    except BadInput as exc:
        print(f"python -m devices: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
