"""Building the estate a scenario describes: servers, drivers, ports, printers and devices.

Random streams are seeded by name (``stream(seed, "device", host)``), so adding a device or a
client group never changes another one's draws.
"""

from __future__ import annotations

import datetime as dt
import random

import attrs

from devices.faults import Fault
from devices.profile import load_profile
from spoolsim.model import Driver, Printer, PrintServer
from spoolsim.model.constants import LOCAL_MONITOR, TCPIP_MONITOR, PrinterAttributes
from spoolsim.model.driverfiles import driver_directory
from spoolsim.model.files import FileRecord
from spoolsim.model.pointprint import environment_of
from spoolsim.model.ports import LPR, RAW, Port, TcpConfig
from spoolsim.model.server import DEFAULT_EPOCH
from spoolsim.runtime import VirtualNetwork
from spoolsim.scenario.schema import (
    LOCAL_PORTS,
    DriverSpec,
    PrinterSpec,
    Scenario,
    parse_time_of_day,
)


def stream(seed: int, *names: object) -> random.Random:
    """A random stream of its own for ``names`` (string seeds hash the same in every process)."""
    return random.Random(":".join(str(n) for n in (seed, *names)))


def build_estate(
    scenario: Scenario, seed: int, *, keep_log: bool
) -> tuple[list[PrintServer], VirtualNetwork]:
    """The servers (printers, ports, drivers, settings) and the devices a scenario describes."""
    epoch = DEFAULT_EPOCH.replace(hour=0, minute=0) + dt.timedelta(
        seconds=scenario.simulation.start
    )
    servers = []
    for spec in scenario.servers:
        server = PrintServer(name=spec.name, epoch=epoch)
        server.log.enabled = keep_log
        server.settings.update(spec.settings)
        servers.append(server)
    by_name = {s.name.lower(): s for s in servers}

    network = VirtualNetwork()
    jams = _scripted_faults(scenario)
    for dev in scenario.devices:
        profile = load_profile(dev.profile)  # a name, or a path the loader made absolute
        if dev.overrides:
            profile = attrs.evolve(profile, **dev.overrides)
        faults = (*dev.faults, *jams.get(dev.name.lower(), ()))
        device_seed = (
            dev.seed if dev.seed is not None else _seed_of(stream(seed, "device", dev.name))
        )
        network.add_printer(dev.name, profile, seed=device_seed, faults=faults)

    default = servers[0]
    for port in scenario.ports:
        server = by_name[port.server.lower()] if port.server else default
        if port.monitor == "local":
            if port.name.upper() not in LOCAL_PORTS:
                server.add_port(Port(port.name, LOCAL_MONITOR, "Local Port"), 0.0)
            continue
        protocol = LPR if port.protocol.lower() == "lpr" else RAW
        tcp = TcpConfig(
            port.host or "",
            port_number=port.port_number,
            protocol=protocol,
            queue=port.queue,
            byte_count=port.byte_count,
            bidi=port.bidi,
        )
        server.add_port(Port(port.name, TCPIP_MONITOR, tcp=tcp), 0.0)
    for driver in scenario.drivers:
        for server in [by_name[driver.server.lower()]] if driver.server else servers:
            install_driver(server, driver)
    for spec in scenario.printers:
        add_printer(by_name.get((spec.server or "").lower(), default), spec, 0.0)
    return servers, network


def install_driver(server: PrintServer, spec: DriverSpec) -> None:
    """Put ``spec``'s files in the server's driver directories and install it, per architecture."""
    for arch in spec.architectures:
        env = environment_of(arch)
        directory = driver_directory(env, 3)
        for name, size in spec.files.items():
            record = FileRecord(size=size, version=spec.version, date=spec.date)
            server.files.put(f"{directory}\\{name}", record)
        roles = {spec.driver_file, spec.config_file, spec.data_file}
        inf_path = ""
        if spec.inf_name is not None and spec.inf_text is not None:
            inf_path = f"{directory}\\{spec.inf_name}"
            size = len(spec.inf_text.encode("utf-16-le"))
            server.files.put(inf_path, FileRecord(size=size, text=spec.inf_text))
        server.drivers.add(
            Driver(
                name=spec.name,
                environment=env,
                version=3,
                driver_path=spec.driver_file,
                data_file=spec.data_file,
                config_file=spec.config_file,
                dependent_files=tuple(n for n in spec.files if n not in roles),
                driver_version=spec.version,
                driver_date=spec.date,
                inf_path=inf_path,
            )
        )


def add_printer(server: PrintServer, spec: PrinterSpec, now: float) -> Printer:
    """Install ``spec`` on ``server`` (with a driver of its name if the server has none)."""
    if not server.drivers.named(spec.driver):
        server.drivers.add(
            Driver(spec.driver, server.environment, 3, "unidrv.dll", "generic.gpd", "unidrvui.dll")
        )
    attributes = PrinterAttributes.QUEUED | PrinterAttributes.LOCAL
    if spec.shared:
        attributes |= PrinterAttributes.SHARED
    if spec.keep_printed_jobs:
        attributes |= PrinterAttributes.KEEPPRINTEDJOBS
    printer = Printer(
        spec.name,
        list(spec.ports),
        spec.driver,
        share_name=spec.name if spec.shared else "",
        comment=spec.comment,
        location=spec.location,
        datatype=spec.datatype,
        attributes=attributes,
        priority=spec.priority,
        start_time=minutes(spec.start_time),
        until_time=minutes(spec.until_time),
    )
    return server.add_printer(printer, now)


def _scripted_faults(scenario: Scenario) -> dict[str, list[Fault]]:
    """Timeline ``jam`` actions as timed faults, by device (lower-case host)."""
    faults: dict[str, list[Fault]] = {}
    for action in scenario.timeline:
        if action.action == "jam":
            kind = str(action.params.get("kind", "jam"))
            faults.setdefault((action.target or "").lower(), []).append(
                Fault(kind, at_time=action.at)
            )
    return faults


def _seed_of(rng: random.Random) -> int:
    return rng.getrandbits(32)


def minutes(value: str | None) -> int:
    """Minutes after midnight of a checked ``"HH:MM"`` (None: 0, no window)."""
    return 0 if not value else int(parse_time_of_day(value)) // 60
