"""INF parsing, SetupAPI's decorated-section lookups, and the printer-driver reading of an INF."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.model.constants import ENVIRONMENTS, ERROR_LINE_NOT_FOUND, Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.inf import (
    ARCH_OF_ENVIRONMENT,
    ARCHITECTURES,
    ERROR_BAD_SECTION_NAME_LINE,
    ERROR_CLASS_MISMATCH,
    ERROR_EXPECTED_SECTION_NAME,
    ERROR_SECTION_NAME_TOO_LONG,
    ERROR_SECTION_NOT_FOUND,
    Inf,
    InfDriverFile,
    InfLine,
    driver_install,
    parse_inf,
    printer_models,
)

# A small v3 Unidrv minidriver INF in the shape vendors ship: x86 and x64 models, the Unidrv core
# pulled in through Include/Needs, per-architecture source media, package awareness on x64 only.
CONTOSO_INF = r"""
; Contoso colour laser -- Unidrv minidriver
[Version]
Signature="$Windows NT$"
Class=Printer
ClassGUID={4D36E979-E325-11CE-BFC1-08002BE10318}
Provider=%Contoso%
DriverVer=06/21/2023,10.2.3.4
CatalogFile=contoso.cat

[Manufacturer]
%Contoso%=Contoso,NTx86,NTamd64

[Contoso.NTx86]
"Contoso Color 500" = CC500.GPD, USBPRINT\ContosoColor_500A1B2, Contoso_Color_500
"Contoso Mono 200"  = CM200.GPD, USBPRINT\ContosoMono_200C3D4

[Contoso.NTamd64]
"Contoso Color 500" = CC500.GPD, USBPRINT\ContosoColor_500A1B2, Contoso_Color_500
"Contoso Mono 200"  = CM200.GPD, USBPRINT\ContosoMono_200C3D4

[CC500.GPD]
CopyFiles=CONTOSO_COMMON,@CC500.GPD
DataFile=CC500.GPD
DriverFile=UNIDRV.DLL
ConfigFile=UNIDRVUI.DLL
HelpFile=UNIDRV.HLP
Include=NTPRINT.INF
Needs=UNIDRV.OEM,TTFSUB.OEM

[CM200.GPD]
CopyFiles=@CM200.GPD
CopyFiles=CONTOSO_COMMON
DataSection=CONTOSO_DATA
Include=NTPRINT.INF
Needs=UNIDRV.OEM

[CONTOSO_DATA]
DriverFile=UNIDRV.DLL
ConfigFile=UNIDRVUI.DLL

[CONTOSO_COMMON]
CCRES.DLL
CCNAMES.GPD
CCSTAT.INI, CCSTAT_SRC.INI   ; installed name, then the name on the medium

[PrinterPackageInstallation.amd64]
PackageAware=TRUE
CoreDriverDependencies={D20EA372-DD35-4950-9ED8-A6335AFE79F0}

[DestinationDirs]
DefaultDestDir=66000

[SourceDisksNames.x86]
1 = %Disk%,,,\i386

[SourceDisksNames.amd64]
1 = %Disk%,,,\amd64

[SourceDisksFiles]
CCRES.DLL     = 1
CCNAMES.GPD   = 1,common
CCSTAT_SRC.INI = 1
CC500.GPD     = 1
CM200.GPD     = 1

[Strings]
Contoso="Contoso Ltd."
Disk="Contoso Printer Driver Disc"
"""


def _contoso() -> Inf:
    return parse_inf(CONTOSO_INF, name="contoso.inf")


def _x86_only(source_disks_names: str = "[SourceDisksNames.x86]") -> Inf:
    """The issue's INF: x86-only packaging, listed for both platforms."""
    text = CONTOSO_INF.replace("[SourceDisksNames.amd64]\n1 = %Disk%,,,\\amd64\n", "")
    return parse_inf(text.replace("[SourceDisksNames.x86]", source_disks_names), name="old.inf")


def _lines(inf: Inf, section: str) -> list[tuple[str | None, tuple[str, ...]]]:
    found = inf.section(section)
    assert found is not None
    return [(line.key, line.fields) for line in found.lines]


# --------------------------------------------------------------------------------------------------
# Syntax


def test_entries_fields_quotes_and_comments() -> None:
    inf = parse_inf(
        "[S]\n"
        'k = a b , "  q ; x " , , \n'
        'q = "say ""hi"""\n'
        "lone\n"
        "x , y = z\n"
        "semi = ; nothing but a comment\n"
        "; a whole-line comment\n"
        'mixed = pre"  in  "post\n'
    )
    assert _lines(inf, "s") == [
        ("k", ("a b", "  q ; x ", "", "")),
        ("q", ('say "hi"',)),
        (None, ("lone",)),
        (None, ("x", "y = z")),
        ("semi", ("",)),
        ("mixed", ("pre  in  post",)),
    ]


def test_line_numbers_count_physical_lines() -> None:
    inf = parse_inf("; header\n\n[A]\nfirst = 1\n\n; gap\nsecond = 2, \\\n   3\nthird = 4\n")
    assert [line.line for line in inf.section("A").lines] == [4, 7, 9]


def test_backslash_continues_only_at_the_end_of_a_line() -> None:
    inf = parse_inf(
        "[A]\n"
        "joined = abc   \\   ; trailing comment\n"
        "     def, \\\n"
        "  ghi\n"
        "path = C:\\dir\\file.dll\n"
        'quoted = "a \\"\n'
    )
    assert _lines(inf, "A") == [
        ("joined", ("abcdef", "ghi")),
        ("path", ("C:\\dir\\file.dll",)),
        ("quoted", ("a \\",)),
    ]


def test_sections_merge_case_insensitively_and_headers_ignore_trailing_text() -> None:
    inf = parse_inf("[Files]  ; first part\na.dll\n[other]\nk=v\n[FILES] junk\nb.dll\r\n")
    files = inf.section("files")
    assert files is not None and files.name == "Files"
    assert [line.fields for line in files.lines] == [("a.dll",), ("b.dll",)]
    assert set(inf.sections) == {"files", "other"}


def test_get_is_case_insensitive_first_match_and_finds_lone_fields() -> None:
    inf = parse_inf("[S]\nKey = 1\nkey = 2\nUNIDRV.DLL\ntwo, fields\n")
    section = inf.section("s")
    assert section.get("KEY").fields == ("1",)
    assert section.values("key") == ("1",)
    assert section.get("unidrv.dll") == InfLine(None, ("UNIDRV.DLL",), 4)
    assert section.get("two") is None
    assert section.values("missing") == ()


def test_bom_crlf_and_control_z_end() -> None:
    inf = parse_inf("\ufeff[A]\r\nk = v\r\n\x1a[B]\r\nignored = 1\r\n")
    assert _lines(inf, "A") == [("k", ("v",))]
    assert inf.section("B") is None


# --------------------------------------------------------------------------------------------------
# Strings


def test_string_substitution_and_its_escapes() -> None:
    inf = parse_inf(
        '[Strings]\nMfg = "Contoso Ltd."\nraw = "50%% %Mfg%"\n'
        "[A]\n%MFG% = %mfg% Printers, 100%% sure, %missing%, 20% off, %%%Mfg%%%\n"
        "path = %raw%\n"
    )
    assert _lines(inf, "A") == [
        (
            "Contoso Ltd.",
            ("Contoso Ltd. Printers", "100% sure", "%missing%", "20% off", "%Contoso Ltd.%"),
        ),
        ("path", ("50%% %Mfg%",)),  # string values are not substituted again
    ]
    assert _lines(inf, "Strings")[1] == ("raw", ("50%% %Mfg%",))


LOCALISED = (
    "[A]\nk = %dev%, %disk%\n"
    "[Strings]\ndev = Printer\ndisk = Disk\n"
    "[Strings.0407]\ndev = Drucker\ndisk = Datenträger\n"
    "[Strings.0007]\ndisk = Laufwerk\n"
    "[Strings.0807]\ndev = Drucker (CH)\n"
    "[Strings.040C]\ndev = Imprimante\n"
)


@pytest.mark.parametrize(
    ("lang_id", "expected"),
    [
        (0x0409, ("Printer", "Disk")),  # neither 0409 nor 0009: the undecorated section
        (0x0407, ("Drucker", "Datenträger")),  # the exact section
        (0x0807, ("Drucker (CH)", "Laufwerk")),  # Swiss German: its own, then the primary 0007
        (0x0C07, ("Printer", "Laufwerk")),  # Austrian German: only the primary 0007 has a say
        (0x040C, ("Imprimante", "Disk")),  # French: token by token back to [Strings]
    ],
)
def test_locale_strings_override_token_by_token(lang_id: int, expected: tuple[str, str]) -> None:
    assert parse_inf(LOCALISED, lang_id=lang_id).section("A").values("k") == expected


# --------------------------------------------------------------------------------------------------
# Syntax errors


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("; fine\n\nkey = value\n[A]\n", ERROR_EXPECTED_SECTION_NAME, 3),
        ("[A]\nk=v\n[Broken\nx=y\n", ERROR_BAD_SECTION_NAME_LINE, 3),
        ("[A]\n[" + "n" * 256 + "]\n", ERROR_SECTION_NAME_TOO_LONG, 2),
    ],
)
def test_syntax_errors_name_the_inf_and_the_line(text: str, code: int, line: int) -> None:
    with pytest.raises(SpoolerError) as caught:
        parse_inf(text, name="bad.inf")
    assert caught.value.code == code
    assert "bad.inf" in caught.value.detail and f"line {line}" in caught.value.detail


def test_setupapi_codes_are_the_header_composition() -> None:
    mask = 0x20000000 | 0xC0000000  # APPLICATION_ERROR_MASK | ERROR_SEVERITY_ERROR
    assert ERROR_EXPECTED_SECTION_NAME == mask | 0
    assert ERROR_BAD_SECTION_NAME_LINE == mask | 1
    assert ERROR_SECTION_NAME_TOO_LONG == mask | 2
    assert ERROR_SECTION_NOT_FOUND == mask | 0x101
    assert ERROR_LINE_NOT_FOUND == mask | 0x102
    assert ERROR_CLASS_MISMATCH == mask | 0x201


def test_a_255_character_section_name_is_allowed() -> None:
    assert parse_inf("[" + "n" * 255 + "]\nk=v\n").section("n" * 255) is not None


# --------------------------------------------------------------------------------------------------
# Decorated lookups

ALL_INSTALL = ("Inst.NTx86", "Inst.NTamd64", "Inst.NTarm64", "Inst.NT", "Inst")


@pytest.mark.parametrize(
    ("present", "winners"),
    [
        # arch:    x86            amd64            ia64        arm         arm64
        (ALL_INSTALL, ("Inst.NTx86", "Inst.NTamd64", "Inst.NT", "Inst.NT", "Inst.NTarm64")),
        (("Inst.NTx86", "Inst"), ("Inst.NTx86", "Inst", "Inst", "Inst", "Inst")),
        (("Inst.NTamd64", "Inst.NT"), ("Inst.NT", "Inst.NTamd64", "Inst.NT", "Inst.NT", "Inst.NT")),
        (("Inst.NTia64", "Inst.NTarm"), (None, None, "Inst.NTia64", "Inst.NTarm", None)),
        (("Inst",), ("Inst",) * 5),
    ],
)
def test_install_section_order_for_each_architecture(
    present: tuple[str, ...], winners: tuple[str | None, ...]
) -> None:
    inf = parse_inf("".join(f"[{name}]\nfrom = {name}\n" for name in present), name="t.inf")
    for arch, winner in zip(ARCHITECTURES, winners, strict=True):
        if winner is None:
            with pytest.raises(SpoolerError) as caught:
                inf.decorated("inst", arch)
            assert caught.value.code == ERROR_SECTION_NOT_FOUND
            for tried in (f"[inst.NT{arch}]", "[inst.NT]", "[inst]"):
                assert tried in caught.value.detail
        else:
            assert inf.decorated("inst", arch).values("from") == (winner,), arch


@pytest.mark.parametrize(
    ("present", "winners"),
    [
        # arch:    x86                  amd64                 ia64   arm    arm64
        (
            ("SDN.x86", "SDN.amd64", "SDN.NTarm", "SDN"),
            ("SDN.x86", "SDN.amd64", "SDN", "SDN", "SDN"),  # no .NT<arch> form here
        ),
        (("SDN.x86",), ("SDN.x86", None, None, None, None)),
        (("SDN.arm64", "SDN.NT"), (None, None, None, None, "SDN.arm64")),
    ],
)
def test_source_disk_section_order_for_each_architecture(
    present: tuple[str, ...], winners: tuple[str | None, ...]
) -> None:
    inf = parse_inf("".join(f"[{name}]\nfrom = {name}\n" for name in present))
    for arch, winner in zip(ARCHITECTURES, winners, strict=True):
        if winner is None:
            with pytest.raises(SpoolerError) as caught:
                inf.decorated("SDN", arch, nt=False)
            assert caught.value.code == ERROR_SECTION_NOT_FOUND
            assert f"[SDN.{arch}]" in caught.value.detail and "[SDN]" in caught.value.detail
        else:
            assert inf.decorated("SDN", arch, nt=False).values("from") == (winner,), arch


def test_an_unknown_architecture_is_refused() -> None:
    with pytest.raises(SpoolerError) as caught:
        parse_inf("[A]\n").decorated("A", "mips")
    assert caught.value.code == Win32.ERROR_INVALID_ENVIRONMENT


def test_every_environment_but_win9x_maps_to_an_architecture() -> None:
    assert set(ARCH_OF_ENVIRONMENT) == set(ENVIRONMENTS) - {"Windows 4.0"}
    assert ARCH_OF_ENVIRONMENT["Windows x64"] == "amd64"
    assert set(ARCH_OF_ENVIRONMENT.values()) == set(ARCHITECTURES)


MODELS = "[Manufacturer]\nM = Models, {decorations}\n" + "".join(
    f'[Models{suffix}]\n"Printer{suffix}" = Inst\n'
    for suffix in (
        "",
        ".NT",
        ".NTx86",
        ".NTamd64",
        ".NTamd64.6.0",
        ".NTamd64.10.0",
        ".NT.6.1",
        ".NTx86.6.0",
        ".NTarm64.10.0...16299",
    )
)


@pytest.mark.parametrize(
    ("decorations", "arch", "os_version", "chosen"),
    [
        ("NTx86, NTamd64", "x86", (10, 0), "Printer.NTx86"),
        ("NTx86, NTamd64", "amd64", (10, 0), "Printer.NTamd64"),
        ("NTx86, NTamd64", "arm64", (10, 0), None),
        ("NTamd64, NTamd64.6.0, NTamd64.10.0", "amd64", (6, 1), "Printer.NTamd64.6.0"),
        ("NTamd64, NTamd64.6.0, NTamd64.10.0", "amd64", (10, 0), "Printer.NTamd64.10.0"),
        ("NTamd64, NTamd64.6.0, NTamd64.10.0", "amd64", (5, 2), "Printer.NTamd64"),
        ("NTamd64.10.0", "amd64", (6, 3), None),
        ("NT, NTamd64", "amd64", (10, 0), "Printer.NTamd64"),  # specific beats generic on a tie
        ("NT, NTamd64", "x86", (10, 0), "Printer.NT"),
        # Microsoft's "only one target OS" sample: x86 Vista, then anything from Windows 7
        ("NTx86.6.0, NT.6.1", "x86", (6, 0), "Printer.NTx86.6.0"),
        ("NTx86.6.0, NT.6.1", "x86", (6, 1), "Printer.NT.6.1"),
        ("NTx86.6.0, NT.6.1", "amd64", (6, 0), None),
        ("NTx86.6.0, NT.6.1", "amd64", (10, 0), "Printer.NT.6.1"),
        ("NTarm64.10.0...16299", "arm64", (10, 0, 16299), "Printer.NTarm64.10.0...16299"),
        ("NTarm64.10.0...16299", "arm64", (10, 0, 15063), None),
        ("NTarm64.10.0...16299", "arm64", (10, 0), "Printer.NTarm64.10.0...16299"),
    ],
)
def test_models_section_is_the_closest_decoration(
    decorations: str, arch: str, os_version: tuple[int, ...], chosen: str | None
) -> None:
    inf = parse_inf(MODELS.format(decorations=decorations))
    assert printer_models(inf, arch, os_version) == ((chosen,) if chosen else ())


@pytest.mark.parametrize("line", ["M = Models", "Models", "M = Models,"])
@pytest.mark.parametrize(("arch", "models"), [("x86", ("Printer",)), ("amd64", ())])
def test_undecorated_models_serve_x86_only(line: str, arch: str, models: tuple[str, ...]) -> None:
    inf = parse_inf(MODELS.replace("M = Models, {decorations}", line))
    assert printer_models(inf, arch) == models


# --------------------------------------------------------------------------------------------------
# Source disks: the issue


def test_x86_only_inf_fails_on_amd64_with_line_not_found() -> None:
    inf = _x86_only()
    assert inf.source_of("CCRES.DLL", "x86") == "i386"
    with pytest.raises(SpoolerError) as caught:
        inf.source_of("CCRES.DLL", "amd64")
    assert caught.value.code == ERROR_LINE_NOT_FOUND == 0xE0000102
    assert "old.inf" in caught.value.detail
    assert "[SourceDisksNames.amd64]" in caught.value.detail
    assert "[SourceDisksNames]" in caught.value.detail


def test_x86_only_inf_driver_install_fails_on_amd64_and_succeeds_on_x86() -> None:
    inf = _x86_only()
    with pytest.raises(SpoolerError) as caught:
        driver_install(inf, "Contoso Color 500", "amd64")
    assert caught.value.code == ERROR_LINE_NOT_FOUND
    driver = driver_install(inf, "Contoso Color 500", "x86")
    assert {f.source for f in driver.files} == {"i386", "i386\\common"}


@pytest.mark.parametrize("arch", ["x86", "amd64"])
def test_undecorated_source_disks_names_serve_every_architecture(arch: str) -> None:
    inf = _x86_only("[SourceDisksNames]")
    assert inf.source_of("CCRES.DLL", arch) == "i386"
    assert driver_install(inf, "Contoso Mono 200", arch).data_file == "CM200.GPD"


def test_a_file_missing_from_source_disks_files_is_line_not_found() -> None:
    inf = _contoso()
    with pytest.raises(SpoolerError) as caught:
        inf.source_of("NOTTHERE.DLL", "amd64")
    assert caught.value.code == ERROR_LINE_NOT_FOUND
    assert "[SourceDisksFiles.amd64] or [SourceDisksFiles]" in caught.value.detail
    bad = parse_inf(CONTOSO_INF.replace("CM200.GPD     = 1\n", ""), name="c.inf")
    with pytest.raises(SpoolerError) as caught:
        driver_install(bad, "Contoso Mono 200", "amd64")
    assert caught.value.code == ERROR_LINE_NOT_FOUND and "CM200.GPD" in caught.value.detail


def test_a_disk_id_without_its_line_is_line_not_found() -> None:
    inf = parse_inf("[SourceDisksNames]\n1 = d\n[SourceDisksFiles]\na.dll = 2\n")
    with pytest.raises(SpoolerError) as caught:
        inf.source_of("a.dll", "x86")
    assert caught.value.code == ERROR_LINE_NOT_FOUND and "'2'" in caught.value.detail


def test_source_lines_fall_back_line_by_line_and_paths_join() -> None:
    inf = parse_inf(
        '[SourceDisksNames.amd64]\n1 = d,,,"\\x64\\"\n'  # quoted: a final \\ would continue
        "[SourceDisksNames]\n2 = d,,,.\n3 = d\n"
        "[SourceDisksFiles.amd64]\nA.DLL = 1, sub\\dir\n"
        "[SourceDisksFiles]\nB.DLL = 02\nC.DLL = 3\nA.DLL = 2\n"
    )
    assert inf.source_of("a.dll", "amd64") == "x64\\sub\\dir"
    assert inf.source_of("b.dll", "amd64") == ""  # .amd64 lacks the line; the plain one has it
    assert inf.source_of("c.dll", "amd64") == ""
    assert inf.source_of("a.dll", "x86") == ""  # x86 reads only the undecorated sections


# --------------------------------------------------------------------------------------------------
# Printer drivers


def test_driver_install_of_a_unidrv_minidriver_on_x64() -> None:
    driver = driver_install(_contoso(), "contoso color 500", "amd64")
    assert driver.model == "Contoso Color 500"
    assert driver.manufacturer == "Contoso Ltd."
    assert driver.provider == "Contoso Ltd."
    assert driver.driver_date == (2023, 6, 21)
    assert driver.driver_version == (10 << 48) | (2 << 32) | (3 << 16) | 4
    assert (driver.driver_file, driver.data_file, driver.config_file, driver.help_file) == (
        "UNIDRV.DLL",
        "CC500.GPD",
        "UNIDRVUI.DLL",
        "UNIDRV.HLP",
    )
    assert driver.files == (
        InfDriverFile("CCRES.DLL", "amd64"),
        InfDriverFile("CCNAMES.GPD", "amd64\\common"),
        InfDriverFile("CCSTAT.INI", "amd64"),
        InfDriverFile("CC500.GPD", "amd64"),
    )
    assert driver.dependent_files == ("CCRES.DLL", "CCNAMES.GPD", "CCSTAT.INI")
    assert driver.hardware_id == "USBPRINT\\ContosoColor_500A1B2"
    assert driver.class_guid == "{4D36E979-E325-11CE-BFC1-08002BE10318}"
    assert driver.package_aware
    assert driver.core_dependencies == ("{D20EA372-DD35-4950-9ED8-A6335AFE79F0}",)
    assert driver.include == ("NTPRINT.INF",)
    assert driver.needs == ("UNIDRV.OEM", "TTFSUB.OEM")


def test_driver_install_on_x86_reads_the_x86_media_and_no_package_section() -> None:
    driver = driver_install(_contoso(), "Contoso Mono 200", "x86")
    # DataSection supplies DriverFile/ConfigFile; DataFile defaults to the install section's name.
    assert (driver.driver_file, driver.data_file, driver.config_file, driver.help_file) == (
        "UNIDRV.DLL",
        "CM200.GPD",
        "UNIDRVUI.DLL",
        "",
    )
    assert [f.name for f in driver.files] == ["CM200.GPD", "CCRES.DLL", "CCNAMES.GPD", "CCSTAT.INI"]
    assert {f.source for f in driver.files} == {"i386", "i386\\common"}
    assert not driver.package_aware and driver.core_dependencies == ()
    assert driver.needs == ("UNIDRV.OEM",)


def test_entry_defaults_follow_the_printer_inf_entries_table() -> None:
    inf = parse_inf(
        '[Version]\nClass=Printer\n[Manufacturer]\nM=M,NTamd64\n[M.NTamd64]\n"P" = P.PPD\n'
        "[P.PPD.NTamd64]\nCopyFiles=@P.PPD\n[P.PPD]\nDriverFile=WRONG.DLL\n"
        "[SourceDisksNames]\n1=d\n[SourceDisksFiles]\nP.PPD=1\n"
    )
    assert printer_models(inf, "amd64") == ("P",)
    driver = driver_install(inf, "P", "amd64")
    assert (driver.driver_file, driver.data_file, driver.config_file) == ("P.PPD",) * 3
    assert driver.driver_date is None and driver.driver_version == 0
    assert driver.dependent_files == () and driver.hardware_id == ""


def test_printer_models_lists_what_this_platform_offers() -> None:
    assert printer_models(_contoso(), "amd64") == ("Contoso Color 500", "Contoso Mono 200")
    assert printer_models(_contoso(), "arm64") == ()


def test_unknown_model_is_unknown_printer_driver() -> None:
    with pytest.raises(SpoolerError) as caught:
        driver_install(_contoso(), "Contoso Color 900", "amd64")
    assert caught.value.code == Win32.ERROR_UNKNOWN_PRINTER_DRIVER
    with pytest.raises(SpoolerError) as caught:
        driver_install(_contoso(), "Contoso Color 500", "arm64")  # not offered on ARM64
    assert caught.value.code == Win32.ERROR_UNKNOWN_PRINTER_DRIVER


def test_an_inf_of_another_class_is_class_mismatch() -> None:
    text = CONTOSO_INF.replace("Class=Printer", "Class=Net").replace("{4D36E979", "{4D36E972")
    with pytest.raises(SpoolerError) as caught:
        driver_install(parse_inf(text, name="net.inf"), "Contoso Color 500", "amd64")
    assert caught.value.code == ERROR_CLASS_MISMATCH and "net.inf" in caught.value.detail


def test_missing_install_and_copy_sections() -> None:
    no_install = CONTOSO_INF.replace("[CC500.GPD]", "[CC600.GPD]")
    with pytest.raises(SpoolerError) as caught:
        driver_install(parse_inf(no_install), "Contoso Color 500", "amd64")
    assert caught.value.code == ERROR_SECTION_NOT_FOUND
    assert "[CC500.GPD.NTamd64]" in caught.value.detail
    no_copy = CONTOSO_INF.replace("[CONTOSO_COMMON]", "[CONTOSO_OTHER]")
    with pytest.raises(SpoolerError) as caught:
        driver_install(parse_inf(no_copy), "Contoso Color 500", "amd64")
    assert caught.value.code == ERROR_LINE_NOT_FOUND and "CONTOSO_COMMON" in caught.value.detail


# --------------------------------------------------------------------------------------------------
# Properties

_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9._ -]{0,12}[A-Za-z0-9]", fullmatch=True).filter(
    lambda n: not n.lower().startswith("strings")
)
_TEXT = st.text(st.characters(exclude_characters="\n\x1a", exclude_categories=("Cs",)), max_size=8)
_LINES = st.lists(
    st.tuples(st.none() | _TEXT, st.lists(_TEXT, min_size=1, max_size=4).map(tuple)), max_size=5
)


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""').replace("%", "%%") + '"'


def _write(sections: dict[str, list[tuple[str | None, tuple[str, ...]]]]) -> str:
    out = []
    for name, lines in sections.items():
        out.append(f"[{name}] ; section\n")
        for key, fields in lines:
            prefix = "" if key is None else f"{_quote(key)} = "
            out.append(prefix + " , ".join(_quote(f) for f in fields) + "\n")
    return "".join(out)


@given(
    st.dictionaries(_NAMES, _LINES, max_size=5).filter(
        lambda d: len({n.lower() for n in d}) == len(d)
    )
)
def test_written_sections_parse_back(sections: dict) -> None:
    inf = parse_inf(_write(sections), name="gen.inf")
    assert set(inf.sections) == {name.lower() for name in sections}
    for name, lines in sections.items():
        assert inf.section(name).name == name
        assert _lines(inf, name) == lines


_FRAGMENTS = st.sampled_from(
    [
        "[",
        "]",
        "[Version]",
        "[Manufacturer]",
        "[SourceDisksNames]",
        "[Strings]",
        "=",
        ",",
        ";",
        '"',
        '""',
        "\\",
        "\\\n",
        "%",
        "%%",
        "%a%",
        "\n",
        "\r\n",
        " ",
        "\t",
        "\x1a",
        "\ufeff",
        "Class=Printer",
        "M=M,NTamd64",
        "a=1,,,x",
        "CopyFiles=@a",
        "[M.NTamd64]",
        '"P"=I',
    ]
)


@given(st.lists(_FRAGMENTS | st.text(max_size=6), max_size=40).map("".join))
def test_arbitrary_text_fails_only_with_spooler_errors(text: str) -> None:
    try:
        inf = parse_inf(text)
    except SpoolerError:
        return
    for arch in ARCHITECTURES:
        for call, args in (
            (inf.decorated, ("M", arch)),
            (inf.source_of, ("a", arch)),
            (printer_models, (inf, arch)),
            (driver_install, (inf, "P", arch)),
        ):
            try:
                call(*args)
            except SpoolerError:
                pass
