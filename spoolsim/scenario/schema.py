"""The scenario schema: frozen values the loader builds and the runner consumes.

Every time in a scenario value is float seconds: durations as they are, times of day as seconds
after midnight (``Simulation.start``), and moments on the timeline as seconds after the start of
the simulation. The file format (``scenarios/README.md``) writes them as text; the helpers at the
bottom of this module read and write that text:

- a duration is ``"8h"``, ``"90m"``, ``"45s"``, ``"1h30m"``, ``"1d"``, ``"1.5h"`` or a plain number
  of seconds;
- a time of day is ``"HH:MM"`` or ``"HH:MM:SS"`` (24-hour clock);
- a moment (``at``) is a time of day on the first simulated day, or an offset ``"+2h"`` (or a plain
  number of seconds) after the start.

The classes do no checking of their own: ``spoolsim.scenario.loader`` checks a file completely
before it builds any of them, so values built by hand are trusted as given.
"""

from __future__ import annotations

import math
import re
from typing import Any

import attrs

from devices.faults import Fault
from spoolsim.net.settings import RpcSettings, WebSettings

DEFAULT_SERVER = "PRINTSRV"
DEFAULT_DRIVER = "HP Universal Printing PCL 6"
DATATYPES = ("RAW", "TEXT", "NT EMF 1.008")
LOCAL_PORTS = ("LPT1:", "LPT2:", "COM1:", "FILE:", "NUL:")
ARCHITECTURES = ("x64", "x86", "arm64")
TRANSPORTS = ("direct", "wire")
MONITORS = ("tcpip", "local")
PROTOCOLS = ("raw", "lpr")
DEFAULT_PORT_NUMBERS = {"raw": 9100, "lpr": 515}
PROCESSES = ("poisson", "curve", "burst")
DISTRIBUTIONS = ("fixed", "uniform", "geometric")
CHOICES = ("fixed", "weighted", "random")
ACTIONS = (
    "pause_printer",
    "resume_printer",
    "jam",
    "fix",
    "server_down",
    "server_up",
    "add_printer",
    "set",
    "burst",
    "browse",
    "update_driver",
)
JAM_KINDS = ("jam", "door_open", "offline", "paper_out", "toner_out")
PRINTER_SETTINGS = ("priority", "start_time", "until_time", "comment", "location", "datatype")
METRICS = (
    "wait_p50",
    "wait_p95",
    "wait_p99",
    "wait_max",
    "turnaround_p50",
    "turnaround_p95",
    "turnaround_p99",
    "turnaround_max",
    "lost_jobs",
    "recovered_jobs",
    "restarted_jobs",
    "failed_jobs",
    "rejected_jobs",
    "completed_jobs",
    "pending_jobs",
    "pages_per_hour",
    "jobs_per_hour",
    "utilisation",
    "device_faults",
    "browse_convergence",
    "browse_staleness",
    "browse_list_size",
    "announcement_bytes",
    "pnp_connections",
    "pnp_failed",
    "pnp_bytes",
    "pnp_all_ready",
    "pnp_peak_link",
    "web_connections",
    "web_failed",
    "web_refused",
    "web_bytes",
    "web_ipp_jobs",
)
HOST_OS = ("server", "workstation")
MAINTAIN_SERVER_LIST = ("auto", "yes", "no")
# The file's comparison words and the operator each stands for.
OPERATORS = {"below": "<", "at_most": "<=", "above": ">", "at_least": ">=", "equals": "=="}


@attrs.frozen
class Simulation:
    """How long to run and from which clock time.

    ``drain`` is extra simulated time after ``duration`` for queues to empty: arrivals stop at
    ``duration``. ``render_cost`` maps a datatype to simulated seconds of rendering per page
    (``None``: the runner's default). ``refill_after``: an operator loads paper or replaces the
    cartridge this long after a device stops for want of it (``None``: nobody does).
    """

    duration: float
    seed: int = 0
    start: float = 8 * 3600.0
    drain: float = 3600.0
    transport: str = "direct"
    render_cost: dict[str, float] | None = None
    page_events: bool = True
    refill_after: float | None = None


@attrs.frozen
class ServerSpec:
    """One print server; ``settings`` override keys of ``default_settings()``.

    The rest matters to print browsing: the host's ``os`` (a server or workstation SKU), whether
    it is the domain's ``pdc``, its ``maintain_server_list`` (``no``: never a browser),
    ``preferred_master`` (IsDomainMaster), and when it ``boot``s (seconds after the start).
    """

    name: str
    settings: dict[str, int | str] = attrs.field(factory=dict)
    os: str = "server"
    pdc: bool = False
    maintain_server_list: str = "auto"
    preferred_master: bool = False
    boot: float = 0.0


@attrs.frozen
class Browsing:
    """Print browsing is on: the machine group's name and when server threads first announce."""

    group: str = "SPOOLSIM"
    first_round: float = 60.0


@attrs.frozen
class DeviceSpec:
    """One emulated printer. ``name`` is its network host name.

    ``profile`` is a shipped profile's name or the absolute path of a profile file (the loader
    resolves paths written relative to the scenario file).
    """

    name: str
    profile: str
    overrides: dict[str, float | int | bool | str] = attrs.field(factory=dict)
    faults: tuple[Fault, ...] = ()
    seed: int | None = None


@attrs.frozen
class PortSpec:
    """A port on a server: a Standard TCP/IP port to a device, or a local port."""

    name: str
    monitor: str = "tcpip"
    host: str | None = None
    protocol: str = "raw"
    port_number: int = 9100
    queue: str = "lp"
    bidi: bool = True
    byte_count: bool = True
    server: str | None = None


@attrs.frozen
class PrinterSpec:
    """A print queue; more than one port makes it a printer pool."""

    name: str
    ports: tuple[str, ...]
    server: str | None = None
    driver: str = DEFAULT_DRIVER
    datatype: str = "RAW"
    priority: int = 1
    start_time: str | None = None
    until_time: str | None = None
    shared: bool = True
    location: str = ""
    comment: str = ""
    keep_printed_jobs: bool = False


@attrs.frozen
class Burst:
    """``jobs`` extra jobs spread evenly over ``over`` seconds from ``at`` (after the start)."""

    at: float
    jobs: int
    over: float


@attrs.frozen
class Arrival:
    """When one client of a group submits jobs.

    ``poisson``: exponential gaps of mean ``mean_interval``. ``curve``: the same rate scaled by
    ``per_hour[h]`` during clock hour ``h``. ``burst``: only the bursts. ``bursts`` add to any.
    """

    process: str
    mean_interval: float | None = None
    per_hour: tuple[float, ...] | None = None
    bursts: tuple[Burst, ...] = ()


@attrs.frozen
class PageDist:
    """Pages per job: ``fixed`` (``value``), ``uniform`` (``low``..``high``) or ``geometric``."""

    distribution: str
    value: int | None = None
    low: int | None = None
    high: int | None = None
    mean: float | None = None


@attrs.frozen
class PrinterChoice:
    """Which printer a job goes to.

    ``fixed``: client ``i`` of a group always uses ``printers[i % len(printers)]``. ``weighted``:
    each job draws a printer with ``weights``. ``random``: each job draws one uniformly. The
    loader expands patterns and an empty ``random`` list into printer names.
    """

    kind: str
    printers: tuple[str, ...]
    weights: tuple[float, ...] = ()


@attrs.frozen
class ClientGroup:
    """``count`` client machines that behave alike."""

    name: str
    count: int
    arrival: Arrival
    pages: PageDist
    choice: PrinterChoice
    os: str = "Windows 11"
    architecture: str = "x64"
    bytes_per_page: int = 20000
    datatype: str = "RAW"
    copies: int = 1
    browse_every: float | None = None
    open_seen: bool = False
    connect_within: float | None = None
    admin: bool = False
    inbox: tuple[str, ...] = ()
    restrict_driver_installation: bool = True
    trusted_servers: tuple[str, ...] | None = None
    web_connect_within: float | None = None
    zone: str = "intranet"
    protected_mode: bool = True


@attrs.frozen
class NetworkSpec:
    """Each server's network link: its bandwidth and the round-trip time to its clients."""

    bandwidth_mbps: float = 1000.0
    latency_ms: float = 1.0


@attrs.frozen
class DriverSpec:
    """A printer driver installed on a server for some environments, with its files' sizes.

    ``version`` is packed a.b.c.d (16 bits each) and ``date`` a FILETIME, as DRIVER_INFO_6
    carries them. ``files`` maps every file name to its size in bytes; ``driver_file``,
    ``config_file`` and ``data_file`` name three of them and the rest are dependent files.
    ``inf_name``/``inf_text`` are the INF the scenario gives it (``inf``), kept beside its files.
    """

    name: str
    architectures: tuple[str, ...]
    version: int
    date: int
    driver_file: str
    config_file: str
    data_file: str
    files: dict[str, int]
    server: str | None = None
    inf_name: str | None = None  # the INF it was installed from (web packages for pre-Vista)
    inf_text: str | None = None


@attrs.frozen
class Action:
    """One scripted step of the timeline, ``at`` seconds after the start.

    ``params`` by action: ``jam`` {"kind"?}, ``fix`` {"action"?}, ``add_printer`` {"printer":
    PrinterSpec} (``target`` is its name), ``set`` {"key", "value"}, ``burst`` {"jobs", "over",
    "printer"?}, ``server_down`` {"clean"?}, ``update_driver`` {"version", "date", "files",
    "reconnect_within"} (``target`` is the driver); the others have none. ``line`` is where the
    action is written.
    """

    at: float
    action: str
    target: str | None = None
    params: dict[str, Any] = attrs.field(factory=dict)
    line: int | None = None


@attrs.frozen
class Expectation:
    """A check made on the report at the end: ``metric op value`` (on one printer, or all)."""

    metric: str
    op: str
    value: float
    printer: str | None = None
    text: str = ""
    line: int | None = None


@attrs.frozen
class Fleet:
    """``count`` identical printers written as one table (kept for reports).

    The loader has already expanded each into a device ``{prefix}-{i:04d}``, a port
    ``IP_{prefix}-{i:04d}`` and a printer ``{prefix}-{i:04d}`` for ``i`` in 1..count.
    """

    prefix: str
    count: int
    profile: str
    protocol: str = "raw"
    bidi: bool = True
    server: str | None = None


@attrs.frozen
class Scenario:
    """A whole scenario file, checked; ``path`` is the file it came from, if any."""

    name: str
    description: str
    simulation: Simulation
    servers: tuple[ServerSpec, ...]
    devices: tuple[DeviceSpec, ...]
    ports: tuple[PortSpec, ...]
    printers: tuple[PrinterSpec, ...]
    clients: tuple[ClientGroup, ...]
    timeline: tuple[Action, ...]
    expect: tuple[Expectation, ...]
    path: str | None = None
    fleets: tuple[Fleet, ...] = ()
    browsing: Browsing | None = None
    network: NetworkSpec = NetworkSpec()
    drivers: tuple[DriverSpec, ...] = ()
    web: WebSettings = attrs.field(factory=WebSettings)
    rpc: RpcSettings = attrs.field(factory=RpcSettings)


# -- time text -------------------------------------------------------------------------------------

_NUMBER = r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
_DURATION = re.compile(
    rf"(?:(?P<d>{_NUMBER})d)?(?:(?P<h>{_NUMBER})h)?(?:(?P<m>{_NUMBER})m)?(?:(?P<s>{_NUMBER})s)?"
)
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_TIME_OF_DAY = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def _plain_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_duration(value: object) -> float:
    """Read a duration: ``"1h30m"``, ``"45s"``, ``"1.5h"``, ``"2d"`` or a number of seconds.

    Units come in the order d, h, m, s, each at most once, with no spaces between them.

    Returns:
        Seconds, as a float (never negative).

    Raises:
        ValueError: anything else, including negative and non-finite numbers.
    """
    if _plain_number(value):
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except OverflowError:  # an integer beyond any float
            seconds = math.inf
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"a duration must be finite and >= 0 (got {value!r})")
        return seconds
    if not isinstance(value, str):
        raise ValueError(f"a duration is text like '1h30m' or a number of seconds (got {value!r})")
    match = _DURATION.fullmatch(value.strip())
    if not value.strip() or match is None:
        raise ValueError(f"not a duration like '8h', '90m', '45s' or '1h30m' (got {value!r})")
    total = sum(float(part) * _UNITS[unit] for unit, part in match.groupdict().items() if part)
    if not math.isfinite(total):
        raise ValueError(f"duration too large (got {value!r})")
    return total


def format_duration(seconds: float) -> str:
    """Write seconds as a duration ``parse_duration`` reads back exactly (``5400`` -> ``"1h30m"``).

    Raises:
        ValueError: negative or non-finite.
    """
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"cannot write {seconds!r} as a duration")
    if seconds != int(seconds):
        return f"{float(seconds)!r}s"
    rest = int(seconds)
    parts = []
    for unit, size in _UNITS.items():
        count, rest = divmod(rest, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def parse_time_of_day(value: object) -> float:
    """Read a clock time ``"HH:MM"`` or ``"HH:MM:SS"`` (00:00 to 23:59:59).

    Returns:
        Seconds after midnight.

    Raises:
        ValueError: not such a time.
    """
    match = _TIME_OF_DAY.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"not a time of day like '08:00' or '13:30:15' (got {value!r})")
    hours, minutes, secs = int(match[1]), int(match[2]), int(match[3] or 0)
    if hours > 23 or minutes > 59 or secs > 59:
        raise ValueError(f"no such time of day (got {value!r})")
    return float(hours * 3600 + minutes * 60 + secs)


def format_time_of_day(seconds: float) -> str:
    """Write seconds after midnight as ``"HH:MM"`` (or ``"HH:MM:SS"`` when seconds are not 0).

    Raises:
        ValueError: not a whole number of seconds in [0, 86400).
    """
    if not (0 <= seconds < 86400) or seconds != int(seconds):
        raise ValueError(f"not a whole second of a day: {seconds!r}")
    minutes, secs = divmod(int(seconds), 60)
    text = f"{minutes // 60:02d}:{minutes % 60:02d}"
    return f"{text}:{secs:02d}" if secs else text


def parse_moment(value: object, start: float) -> float:
    """Read a timeline moment: a time of day on the first simulated day, ``"+<duration>"``, or a
    number of seconds after the start.

    Args:
        value: the text or number as written.
        start: the simulation's start, seconds after midnight.

    Returns:
        Seconds after the start of the simulation (a time of day before ``start`` is the next
        day's).

    Raises:
        ValueError: none of those forms.
    """
    if _plain_number(value):
        return parse_duration(value)
    if isinstance(value, str) and value.strip().startswith("+"):
        return parse_duration(value.strip()[1:])
    if isinstance(value, str) and ":" in value:
        return (parse_time_of_day(value) - start) % 86400.0
    raise ValueError(
        f"a moment is a time of day ('10:30'), an offset ('+2h') or seconds (got {value!r})"
    )
