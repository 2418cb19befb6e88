"""INF files: a pure parser, SetupAPI's decorated-section lookup, and what a printer INF installs.

Theory of operation
-------------------
**Syntax.** A line is blank, a comment (``;`` outside quotes), a header ``[name]`` (the rest of the
line is ignored) or an entry ``key = field, ...``; only an ``=`` before any ``,`` makes a key.
Spaces around fields are dropped, quotes keep them, ``""`` inside quotes is one quote, and an
unclosed quote closes at the end of the line. A ``\\`` followed only by spaces or a comment joins
the next line, dropping the spaces on both sides; any other ``\\`` is text. Same-named sections
merge. An entry before any header, an unclosed ``[`` or a name over 255 characters is a syntax
error naming the line.

**Strings.** ``%token%`` in keys and fields comes from ``[Strings.<langid>]``, else
``[Strings.<langid & 0x3FF>]``, else ``[Strings]``, token by token (our reading: the SetupAPI page
orders the sections, a locale section may then override only some strings). ``%%`` is ``%``; an
unknown token or an unclosed ``%`` stays as written (Wine); directory ids are not expanded.

**Decorated lookups** for the architecture of the machine parsing the INF:

- install sections (DDInstall): ``<name>.NT<arch>``, ``<name>.NT``, ``<name>``;
- ``SourceDisksFiles`` / ``SourceDisksNames``: ``<name>.<arch>`` then ``<name>``, line by line as
  Wine's SetupGetSourceFileLocation / SetupGetSourceInfo do. A missing section is a missing line
  (SetupFindFirstLine fails with ERROR_LINE_NOT_FOUND either way), so an INF with only
  ``[SourceDisksNames.x86]`` fails on amd64 with ERROR_LINE_NOT_FOUND;
- ``[Manufacturer]`` models: a listed TargetOSVersion ``NT[arch][.major[.minor[.type[.suite
  [.build]]]]]`` applies when it names no architecture or the machine's, and no newer version; the
  newest applicable wins, an architecture-specific one on a tie. The undecorated models section is
  used only when no decoration is listed, and only on x86 (non-x86 targets must be decorated since
  Windows Server 2003 SP1). ProductType and SuiteMask are ignored; the build is compared only when
  ``os_version`` has one.

Sources (facts only): Microsoft Learn "Creating INF files for multiple platforms and operating
systems", "Combining platform extensions with operating system versions", "INF Manufacturer
section", "Sample INF Models sections for only one target operating system", "INF SourceDisksNames
section", "INF SourceDisksFiles section", "SetupDiGetActualSectionToInstallEx function",
"Printer INF file entries", "Printer INF file data sections", "Package-aware print drivers that
do not share files", "Package-aware print drivers that share files", "Using core drivers"; MSDN
(1998) SetupAPI "Strings" section; Wine dlls/setupapi/parser.c, query.c, devinst.c and
include/setupapi.h.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

from spoolsim.model.constants import ERROR_LINE_NOT_FOUND, Win32
from spoolsim.model.errors import SpoolerError

# SetupAPI codes: APPLICATION_ERROR_MASK (0x20000000) | ERROR_SEVERITY_ERROR (0xC0000000) | n, as
# setupapi.h defines them (Windows SDK copies and Wine's include/setupapi.h agree).
ERROR_EXPECTED_SECTION_NAME = 0xE0000000
ERROR_BAD_SECTION_NAME_LINE = 0xE0000001
ERROR_SECTION_NAME_TOO_LONG = 0xE0000002
ERROR_SECTION_NOT_FOUND = 0xE0000101
# Also SetupAPI's answer when an INF of another setup class is used to install a printer.
ERROR_CLASS_MISMATCH = 0xE0000201

ARCHITECTURES = ("x86", "amd64", "ia64", "arm", "arm64")
ARCH_OF_ENVIRONMENT: dict[str, str] = {
    "Windows NT x86": "x86",
    "Windows x64": "amd64",
    "Windows IA64": "ia64",
    "Windows ARM": "arm",
    "Windows ARM64": "arm64",
}
PRINTER_CLASS_GUID = "{4D36E979-E325-11CE-BFC1-08002BE10318}"
MAX_SECTION_NAME = 255
DEFAULT_LANG_ID = 0x0409
_STRINGS = re.compile(r"strings(\.[0-9a-f]{4})?")
_NUMBER = re.compile(r"[0-9]+")


@attrs.frozen
class InfLine:
    """One entry: key (None when keyless), fields after substitution, its first line number."""

    key: str | None
    fields: tuple[str, ...]
    line: int


@attrs.frozen
class InfSection:
    """A section (all same-named headers merged), named as first spelled."""

    name: str
    lines: tuple[InfLine, ...]

    def get(self, key: str) -> InfLine | None:
        """The first line whose key matches, case-insensitively.

        As in SetupAPI, a keyless line with a single field is found by that field too.
        """
        wanted = key.casefold()
        for line in self.lines:
            own = line.key if line.key is not None else _lone_field(line)
            if own is not None and own.casefold() == wanted:
                return line
        return None

    def values(self, key: str) -> tuple[str, ...]:
        line = self.get(key)
        return line.fields if line is not None else ()

    def all_values(self, key: str) -> tuple[str, ...]:
        """The fields of every line with that key, in order (``CopyFiles=`` may repeat)."""
        return tuple(
            f for ln in self.lines if (ln.key or "").casefold() == key.casefold() for f in ln.fields
        )


def _lone_field(line: InfLine) -> str | None:
    return line.fields[0] if len(line.fields) == 1 else None


@attrs.frozen
class Inf:
    """A parsed INF: ``name`` for messages, ``sections`` keyed by lower-case name."""

    name: str
    sections: Mapping[str, InfSection] = attrs.field(converter=lambda d: MappingProxyType(dict(d)))

    def section(self, name: str) -> InfSection | None:
        return self.sections.get(name.lower())

    def decorated(self, base: str, arch: str, *, nt: bool = True) -> InfSection:
        """The section SetupAPI uses for ``base`` on ``arch`` (see the module docstring).

        Raises:
            SpoolerError: ERROR_SECTION_NOT_FOUND naming every name tried; ERROR_INVALID_ENVIRONMENT
                for an unknown architecture.
        """
        names = _candidates(base, arch, nt=nt)
        for name in names:
            found = self.section(name)
            if found is not None:
                return found
        tried = ", ".join(f"[{n}]" for n in names)
        raise SpoolerError(ERROR_SECTION_NOT_FOUND, f"{self.label}: none of {tried} exists")

    def source_of(self, filename: str, arch: str) -> str:
        """The package subdirectory ``filename`` comes from on ``arch`` ("" for the root).

        SourceDisksNames field 4 (path) joined with SourceDisksFiles field 2 (subdir), as a relative
        Windows path like those of ``spoolsim.model.files``: backslashes, no leading or trailing
        separator, no ``.`` parts (``\\amd64\\`` and ``common`` give ``amd64\\common``).

        Raises:
            SpoolerError: ERROR_LINE_NOT_FOUND when the file's line, or its disk's line, is missing.
        """
        file_line = self._find_line("SourceDisksFiles", arch, filename)
        disk = file_line.fields[0] if file_line.fields else ""
        disk_key = str(int(disk)) if _NUMBER.fullmatch(disk.strip()) else disk
        disk_line = self._find_line("SourceDisksNames", arch, disk_key)
        path = disk_line.fields[3] if len(disk_line.fields) > 3 else ""
        subdir = file_line.fields[1] if len(file_line.fields) > 1 else ""
        parts = re.split(r"[\\/]+", f"{path}\\{subdir}")
        return "\\".join(p for p in parts if p not in ("", "."))

    def _find_line(self, base: str, arch: str, key: str) -> InfLine:
        names = _candidates(base, arch, nt=False)
        for name in names:
            section = self.section(name)
            line = section.get(key) if section is not None else None
            if line is not None:
                return line
        tried = " or ".join(f"[{n}]" for n in names)
        raise SpoolerError(
            ERROR_LINE_NOT_FOUND, f"{self.label}: no line for {key!r} in {tried} (for {arch})"
        )

    @property
    def label(self) -> str:
        """The INF's name for messages."""
        return self.name or "the INF"


def _check_arch(arch: str) -> None:
    if arch not in ARCHITECTURES:
        raise SpoolerError(Win32.ERROR_INVALID_ENVIRONMENT, f"unknown architecture {arch!r}")


def _candidates(base: str, arch: str, *, nt: bool) -> tuple[str, ...]:
    _check_arch(arch)
    return (f"{base}.NT{arch}", f"{base}.NT", base) if nt else (f"{base}.{arch}", base)


# --------------------------------------------------------------------------------------------------
# Parsing


def parse_inf(text: str, *, name: str = "", lang_id: int = DEFAULT_LANG_ID) -> Inf:
    """Parse INF text; ``lang_id`` picks the ``[Strings.xxxx]`` section (default 0x0409).

    Raises:
        SpoolerError: ERROR_EXPECTED_SECTION_NAME, ERROR_BAD_SECTION_NAME_LINE or
            ERROR_SECTION_NAME_TOO_LONG, with a detail naming the INF and the line number.
    """
    label = name or "the INF"
    text = text.lstrip("\ufeff").split("\x1a", 1)[0]
    physical = [line.rstrip("\r") for line in text.split("\n")]
    names: dict[str, str] = {}
    raw: dict[str, list[InfLine]] = {}
    current: str | None = None
    i = 0
    while i < len(physical):
        number = i + 1
        stripped = physical[i].strip()
        if stripped.startswith("["):
            close = stripped.find("]")
            if close < 0:
                raise SpoolerError(
                    ERROR_BAD_SECTION_NAME_LINE, f"{label} line {number}: section name has no ']'"
                )
            section_name = stripped[1:close].strip()
            if len(section_name) > MAX_SECTION_NAME:
                raise SpoolerError(
                    ERROR_SECTION_NAME_TOO_LONG,
                    f"{label} line {number}: section name longer than {MAX_SECTION_NAME}",
                )
            current = section_name.lower()
            names.setdefault(current, section_name)
            raw.setdefault(current, [])
            i += 1
            continue
        entry, i = _scan_entry(physical, i)
        if entry is None:
            continue
        if current is None:
            raise SpoolerError(
                ERROR_EXPECTED_SECTION_NAME, f"{label} line {number}: entry before any [section]"
            )
        raw[current].append(InfLine(entry[0], entry[1], number))
    strings = _string_table(raw, lang_id)
    sections = {}
    for key, lines in raw.items():
        if not _STRINGS.fullmatch(key):
            lines = [_substituted(ln, strings) for ln in lines]
        sections[key] = InfSection(names[key], tuple(lines))
    return Inf(name, sections)


def _scan_entry(lines: list[str], i: int) -> tuple[tuple[str | None, tuple[str, ...]] | None, int]:
    """Read one entry starting at physical line ``i``; return it (or None) and the next line."""
    key: str | None = None
    fields: list[str] = []
    token: list[str] = []
    kept = 0  # length of ``token`` without trailing unquoted spaces
    content = False
    while True:
        text, pos, quoted, joined = lines[i], 0, False, False
        i += 1
        while pos < len(text):
            c = text[pos]
            pos += 1
            if quoted:
                if c == '"' and text[pos : pos + 1] == '"':
                    pos += 1
                elif c == '"':
                    quoted = False
                    kept = len(token)
                    continue
                token.append(c)
                kept = len(token)
            elif c == ";":
                break
            elif c == '"':
                quoted = content = True
            elif c == "=" and key is None and not fields:
                key, token, kept, content = "".join(token[:kept]), [], 0, True
            elif c == ",":
                fields.append("".join(token[:kept]))
                token, kept, content = [], 0, True
            elif c == "\\" and _continues(text[pos:]):
                del token[kept:]
                joined = i < len(lines)
                break
            elif c.isspace():
                if token:
                    token.append(c)
            else:
                token.append(c)
                kept = len(token)
                content = True
        if not joined:
            break
        lines[i] = lines[i].lstrip()
    if not content and not token:
        return None, i
    fields.append("".join(token[:kept]))
    return (key, tuple(fields)), i


def _continues(rest: str) -> bool:
    return all(c.isspace() or c == "\\" for c in rest.split(";", 1)[0])


def _string_table(raw: Mapping[str, list[InfLine]], lang_id: int) -> list[dict[str, str]]:
    chain = (f"strings.{lang_id:04x}", f"strings.{lang_id & 0x3FF:04x}", "strings")
    tables = []
    for section in dict.fromkeys(chain):
        lines = raw.get(section, [])
        tables.append(
            {
                ln.key.casefold(): (ln.fields[0] if ln.fields else "")
                for ln in reversed(lines)
                if ln.key is not None
            }
        )
    return tables


def _substitute(text: str, strings: list[dict[str, str]]) -> str:
    if "%" not in text:
        return text
    out: list[str] = []
    pos = 0
    while True:
        start = text.find("%", pos)
        end = text.find("%", start + 1) if start >= 0 else -1
        if end < 0:
            out.append(text[pos:])
            return "".join(out)
        out.append(text[pos:start])
        token = text[start + 1 : end]
        value = "%" if not token else _lookup(token, strings)
        out.append(value if value is not None else text[start : end + 1])
        pos = end + 1


def _lookup(token: str, strings: list[dict[str, str]]) -> str | None:
    for table in strings:
        if token.casefold() in table:
            return table[token.casefold()]
    return None


def _substituted(line: InfLine, strings: list[dict[str, str]]) -> InfLine:
    key = _substitute(line.key, strings) if line.key is not None else None
    return InfLine(key, tuple(_substitute(f, strings) for f in line.fields), line.line)


# --------------------------------------------------------------------------------------------------
# Printer INFs


@attrs.frozen
class InfDriverFile:
    """A copied file and the package subdirectory it comes from ("" for the root)."""

    name: str
    source: str


@attrs.frozen
class InfDriver:
    """One printer model as the INF installs it on one architecture (DRIVER_INFO_8 material)."""

    model: str
    manufacturer: str
    provider: str
    driver_date: tuple[int, int, int] | None
    driver_version: int
    driver_file: str
    data_file: str
    config_file: str
    help_file: str
    dependent_files: tuple[str, ...]
    files: tuple[InfDriverFile, ...]
    hardware_id: str
    class_guid: str
    package_aware: bool
    core_dependencies: tuple[str, ...]
    include: tuple[str, ...]
    needs: tuple[str, ...]


def printer_models(inf: Inf, arch: str, os_version: tuple[int, ...] = (10, 0)) -> tuple[str, ...]:
    """Every model name the INF offers on ``arch`` / ``os_version``, in file order."""
    names = (line.key or "" for _, line in _model_lines(inf, arch, os_version))
    return tuple(dict.fromkeys(n for n in names if n))


def driver_install(
    inf: Inf, model: str, arch: str, os_version: tuple[int, ...] = (10, 0)
) -> InfDriver:
    """The driver ``model`` as this INF installs it on ``arch``.

    Manufacturer, models section, model line, install section (NT order), its entries (defaults
    from "Printer INF file entries": DriverFile and DataFile the install section's name, ConfigFile
    the DriverFile; DataSection= sections of this INF fill gaps), CopyFiles, then each copied
    file's source. Include= / Needs= are recorded, not followed (the INFs they name are not here).

    Raises:
        SpoolerError: ERROR_CLASS_MISMATCH (0xE0000201) unless [Version] Class is Printer (or
            ClassGUID the printer class); ERROR_UNKNOWN_PRINTER_DRIVER for a model not offered on
            this platform; ERROR_SECTION_NOT_FOUND for a missing install section;
            ERROR_LINE_NOT_FOUND for a missing CopyFiles section or source-disk line.
    """
    version = inf.section("Version") or _NONE
    klass, guid = _first(version, "Class"), _first(version, "ClassGUID")
    if klass.casefold() != "printer" and guid.upper() != PRINTER_CLASS_GUID:
        raise SpoolerError(
            ERROR_CLASS_MISMATCH, f"{inf.label}: class {klass or guid or 'none'!r} is not Printer"
        )
    offered = [
        (maker, ln)
        for maker, ln in _model_lines(inf, arch, os_version)
        if (ln.key or "").casefold() == model.casefold() and ln.fields
    ]
    if not offered:
        raise SpoolerError(
            Win32.ERROR_UNKNOWN_PRINTER_DRIVER, f"{inf.label} offers no {model!r} for {arch}"
        )
    manufacturer, line = offered[0]
    base = line.fields[0]
    install = inf.decorated(base, arch, nt=True)
    entries: dict[str, str] = {}
    for data in install.all_values("DataSection"):
        entries |= _entries(inf.section(data) or _NONE)
    entries |= _entries(install)
    driver_file = entries.get("driverfile") or base
    data_file = entries.get("datafile") or base
    config_file = entries.get("configfile") or driver_file
    help_file = entries.get("helpfile", "")
    files = tuple(
        InfDriverFile(dest, inf.source_of(src, arch)) for dest, src in _copied_files(inf, install)
    )
    main = {f.casefold() for f in (driver_file, data_file, config_file, help_file)}
    package = inf.section(f"PrinterPackageInstallation.{arch}") or _NONE
    date, packed = driver_ver(version.values("DriverVer"))
    return InfDriver(
        model=line.key or model,
        manufacturer=manufacturer,
        provider=_first(version, "Provider"),
        driver_date=date,
        driver_version=packed,
        driver_file=driver_file,
        data_file=data_file,
        config_file=config_file,
        help_file=help_file,
        dependent_files=tuple(f.name for f in files if f.name.casefold() not in main),
        files=files,
        hardware_id=line.fields[1] if len(line.fields) > 1 else "",
        class_guid=guid,
        package_aware=_first(package, "PackageAware").upper() == "TRUE",
        core_dependencies=package.all_values("CoreDriverDependencies"),
        include=install.all_values("Include"),
        needs=install.all_values("Needs"),
    )


_NONE = InfSection("", ())


def _first(section: InfSection, key: str) -> str:
    return (section.values(key) or ("",))[0]


def _entries(section: InfSection) -> dict[str, str]:
    """First value of each keyed line, the first line of a key winning."""
    found: dict[str, str] = {}
    for line in section.lines:
        if line.key is not None and line.fields:
            found.setdefault(line.key.casefold(), line.fields[0])
    return found


def _model_lines(inf: Inf, arch: str, os_version: tuple[int, ...]) -> Iterable[tuple[str, InfLine]]:
    """(manufacturer, models line) pairs from the models section chosen for each manufacturer."""
    _check_arch(arch)
    for entry in (inf.section("Manufacturer") or _NONE).lines:
        if entry.fields and entry.fields[0]:
            chosen = _models_section(entry.fields[0], entry.fields[1:], arch, os_version)
            section = inf.section(chosen) if chosen is not None else None
            for line in section.lines if section is not None else ():
                yield (entry.key if entry.key is not None else entry.fields[0]), line


def _models_section(
    models: str, decorations: tuple[str, ...], arch: str, os_version: tuple[int, ...]
) -> str | None:
    if not any(d.strip() for d in decorations):
        return models if arch == "x86" else None
    machine = tuple(os_version[:3]) if len(os_version) >= 3 else (*os_version, 0, 0)[:2]
    best: tuple[tuple[int, ...], bool] | None = None
    chosen = None
    for decoration in (d.strip() for d in decorations):
        parts = decoration.split(".")
        platform = parts[0].lower()
        if not platform.startswith("nt") or platform[2:] not in ("", arch):
            continue
        numbers = [*parts[1:3], "", ""][:2]
        numbers.append(parts[5] if len(parts) > 5 else "")
        if not all(_NUMBER.fullmatch(n) for n in numbers if n):
            continue
        target = tuple(int(n or 0) for n in numbers)[: len(machine)]
        rank = (target, platform != "nt")
        if target <= machine and (best is None or rank > best):
            best, chosen = rank, f"{models}.{decoration}"
    return chosen


def _copied_files(inf: Inf, install: InfSection) -> Iterable[tuple[str, str]]:
    """(installed name, source name) of every file the install section copies, once each."""
    seen: set[str] = set()
    for item in install.all_values("CopyFiles"):
        if item.startswith("@"):
            pairs = [(item[1:], item[1:])]
        elif (listing := inf.section(item)) is None:
            raise SpoolerError(
                ERROR_LINE_NOT_FOUND, f"{inf.label}: CopyFiles section [{item}] does not exist"
            )
        else:  # destination-file-name[, source-file-name[, unused[, flags]]]
            pairs = [
                (ln.fields[0], (ln.fields[1:2] or ln.fields)[0] or ln.fields[0])
                for ln in listing.lines
                if ln.key is None and ln.fields[0]
            ]
        for dest, src in pairs:
            if dest.casefold() not in seen:
                seen.add(dest.casefold())
                yield dest, src


def driver_ver(fields: tuple[str, ...]) -> tuple[tuple[int, int, int] | None, int]:
    """[Version] DriverVer = mm/dd/yyyy[, a.b.c.d]; a malformed part reads as absent."""
    found = (
        re.fullmatch(r"\s*([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\s*", fields[0]) if fields else None
    )
    date = (int(found[3]), int(found[1]), int(found[2])) if found else None
    packed = 0
    if len(fields) > 1 and re.fullmatch(r"[0-9]+(\.[0-9]+){0,3}", fields[1].strip()):
        parts = [int(p) & 0xFFFF for p in fields[1].strip().split(".")] + [0, 0, 0]
        for part in parts[:4]:
            packed = (packed << 16) | part
    return date, packed
