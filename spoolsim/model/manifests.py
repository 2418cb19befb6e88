"""Version-4 driver manifests: what the server reads from one, and when one conforms.

A version-4 driver's package holds its manifest, an INI file named ``…-manifest.ini`` (Microsoft
Learn, "V4 Driver INF", "V4 Driver Manifest"): its ``[DriverConfig]`` section gives ``DataFile``
(required), ``RequiredFiles`` (in-box files), ``DriverFile`` (only a class driver may set it;
unidrv.dll or pscript5.dll), ``RequiredClass = "<class driver name>",{GUID}`` (which makes the
driver *derived* from that class driver; a class driver may not use it) and ``DriverCategory``.
The manifest is read with the INF parser (:mod:`spoolsim.model.inf`).
"""

from __future__ import annotations

import attrs

from spoolsim.model.constants import PrinterDriverAttributes as PDA
from spoolsim.model.constants import Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.inf import parse_inf
from spoolsim.model.packages import is_guid

CLASS_RENDERERS = frozenset({"unidrv.dll", "pscript5.dll"})


@attrs.frozen
class Manifest:
    """The parts of a v4 driver manifest the server acts on."""

    name: str
    data_file: str
    driver_file: str = ""
    required_class: str = ""
    required_class_guid: str = ""
    required_files: tuple[str, ...] = ()
    category: str = ""

    @property
    def is_class(self) -> bool:
        return bool(self.driver_file)

    @property
    def is_derived(self) -> bool:
        return bool(self.required_class)

    @property
    def attributes(self) -> int:
        bits = PDA.PACKAGE_AWARE | PDA.XPS
        bits |= PDA.CLASS if self.is_class else 0
        bits |= PDA.DERIVED if self.is_derived else 0
        bits |= _CATEGORY_BITS.get(self.category.lower(), 0)
        return int(bits)


# DriverCategory values (Microsoft Learn, "V4 Driver Manifest"). Which categories forbid sharing is
# our choice: a file or virtual printer writes on the machine it runs on, so sharing it makes no
# sense (unverified against Windows).
_CATEGORY_BITS: dict[str, int] = {
    "printfax.fax": PDA.CATEGORY_FAX,
    "printfax.printer.file": PDA.CATEGORY_FILE | PDA.NOT_SHAREABLE,
    "printfax.printer.virtual": PDA.CATEGORY_VIRTUAL | PDA.NOT_SHAREABLE,
    "printfax.printer.service": PDA.CATEGORY_SERVICE,
    "printfax.printer.3d": PDA.CATEGORY_3D,
}


def is_manifest_name(name: str) -> bool:
    return name.lower().endswith("manifest.ini")


def parse_manifest(text: str | None, name: str = "") -> Manifest:
    """Read a v4 manifest.

    Raises:
        SpoolerError: ERROR_INVALID_PRINTER_DRIVER_MANIFEST when it cannot be read, has no
            ``[DriverConfig]`` or no ``DataFile``, sets ``DriverFile`` to anything but unidrv.dll or
            pscript5.dll, or sets both ``DriverFile`` and ``RequiredClass``.
    """

    def bad(why: str) -> SpoolerError:
        return SpoolerError(Win32.ERROR_INVALID_PRINTER_DRIVER_MANIFEST, f"{name}: {why}")

    if text is None:
        raise bad("not readable")
    try:
        parsed = parse_inf(text, name=name)
    except SpoolerError as err:
        raise bad(err.detail) from None
    config = parsed.section("DriverConfig")
    if config is None:
        raise bad("no [DriverConfig] section")
    data = (config.values("DataFile") or ("",))[0]
    if not data:
        raise bad("no DataFile")
    driver_file = (config.values("DriverFile") or ("",))[0]
    if driver_file and driver_file.lower() not in CLASS_RENDERERS:
        raise bad(f"DriverFile {driver_file!r} is neither unidrv.dll nor pscript5.dll")
    required = config.values("RequiredClass")
    klass = required[0] if required else ""
    if klass and driver_file:
        raise bad("a class driver (DriverFile) cannot name a RequiredClass")
    guid = required[1].strip() if len(required) > 1 else ""
    if guid and not is_guid(guid):
        raise bad(f"RequiredClass GUID {guid!r}")
    return Manifest(
        name=name,
        data_file=data,
        driver_file=driver_file,
        required_class=klass,
        required_class_guid=guid.upper(),
        required_files=tuple(f for f in config.all_values("RequiredFiles") if f),
        category=(config.values("DriverCategory") or ("",))[0],
    )
