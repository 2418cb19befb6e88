"""The file system, the driver store and the install rules of spoolsim.model.packages."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spoolsim.model import Driver, PrintServer
from spoolsim.model.adddriver import add_printer_driver
from spoolsim.model.constants import (
    APD,
    DRIVER_STORE,
    IPDFP,
    S_FALSE,
    S_OK,
    UPDP,
    PrinterAttributes,
    Win32,
)
from spoolsim.model.constants import PrinterDriverAttributes as PDA
from spoolsim.model.driverfiles import cab_path, driver_directory, driver_files, staging_directory
from spoolsim.model.errors import SpoolerError
from spoolsim.model.files import FileRecord, FileSystem, is_absolute, normpath, valid_path
from spoolsim.model.manifests import parse_manifest
from spoolsim.model.packageinstall import install_from_package
from spoolsim.model.packages import (
    core_driver_installed,
    core_printer_drivers,
    filetime,
    package_cab,
)
from spoolsim.model.packageupload import delete_package, stage_package, upload_package
from spoolsim.model.printers import Printer

X64 = "Windows x64"
ARM = "Windows ARM"
CLASS_GUID = "{9343720D-B67E-4451-B93F-6F721C439771}"
CORE_GUID = "{D20EA372-DD35-4950-9ED8-A6335AFE79F0}"
UNIDRV_FILES = ("unidrv.dll", "unidrvui.dll", "unires.dll")


# -- building packages -----------------------------------------------------------------------------


def make_inf(
    models: dict[str, tuple[str, ...]],
    *,
    date: str = "03/01/2024",
    version: str = "3.0.0.1",
    v4: bool = False,
    core_deps: tuple[str, ...] = (),
    core_models: dict[str, tuple[str, ...]] | None = None,
    archs: tuple[str, ...] = ("amd64", "x86", "arm", "arm64"),
) -> str:
    """A printer INF offering ``models`` (name -> files it copies) on ``archs``.

    A v3 model's first three files are its DriverFile, DataFile and ConfigFile.
    """
    core_models = core_models or {}
    everything = {**models, **core_models}
    lines = [
        "[Version]",
        'Signature="$Windows NT$"',
        "Class=Printer",
        "ClassGUID={4D36E979-E325-11CE-BFC1-08002BE10318}",
        "Provider=Fabrikam",
        f"DriverVer={date},{version}",
        *(["ClassVer=4.0"] if v4 else []),
        "",
        "[Manufacturer]",
        "Fabrikam=Fabrikam," + ",".join(f"NT{a}" for a in archs),
        "",
    ]
    sections = {name: f"S{i}" for i, name in enumerate(everything)}
    for arch in archs:
        lines.append(f"[Fabrikam.NT{arch}]")
        for name, sec in sections.items():
            lines.append(f'"{name}" = {sec}, HWID_{sec}')
        lines.append("")
    for name, files in everything.items():
        sec = sections[name]
        lines += [f"[{sec}]", f"CopyFiles={sec}_FILES"]
        if not v4 and name in models and len(files) >= 3:
            lines += [f"DriverFile={files[0]}", f"DataFile={files[1]}", f"ConfigFile={files[2]}"]
        lines += ["", f"[{sec}_FILES]", *files, ""]
    lines += ["[SourceDisksNames]", '1 = "Disk",,,', "", "[SourceDisksFiles]"]
    for files in everything.values():
        lines += [f"{f} = 1" for f in files]
    lines.append("")
    for arch in archs:
        lines += [f"[PrinterPackageInstallation.{arch}]", "PackageAware=TRUE"]
        if core_deps:
            lines.append("CoreDriverDependencies=" + ",".join(core_deps))
        lines.append("")
    return "\n".join(lines)


def manifest(data: str, *, klass: str = "", driver_file: str = "", **extra: str) -> FileRecord:
    lines = ["[DriverConfig]", f"DataFile={data}"]
    if klass:
        lines.append(f'RequiredClass="{klass}",{CLASS_GUID}')
    if driver_file:
        lines.append(f"DriverFile={driver_file}")
    lines += [f"{k}={v}" for k, v in extra.items()]
    text = "\n".join(lines) + "\n"
    return FileRecord(len(text), text=text)


def dll(version: int = 1, size: int = 1000, date: int = 0) -> FileRecord:
    return FileRecord(size, version=version, date=date)


class Rig:
    """A server, and helpers to stage, upload and install packages on it."""

    def __init__(self, environment: str = X64) -> None:
        self.server = PrintServer(environment=environment)
        self.t = 0.0
        self.n = 0

    @property
    def files(self) -> FileSystem:
        return self.server.files

    def stage(self, inf: str, payload: dict[str, FileRecord], name: str = "fab.inf") -> str:
        self.n += 1
        where = f"\\\\SPOOLSIM\\print$\\upload{self.n}"
        return stage_package(self.files, where, name, inf, payload)

    def upload(self, inf: str, payload: dict[str, FileRecord], env: str = X64, **kw) -> str:
        self.t += 1
        return upload_package(self.server, self.t, self.stage(inf, payload), env, **kw)

    def install(self, inf_path: str | None, name: str, env: str = X64, flags: int = 0) -> int:
        self.t += 1
        return install_from_package(self.server, self.t, inf_path, name, env, flags)

    def v3(self, name="Fabrikam Laser", version=1, date="03/01/2024", dv="3.0.0.1", **kw) -> str:
        files = ("fablaser.dll", "fablaser.gpd", "fabui.dll")
        payload = {f: dll(version) for f in files}
        return self.upload(make_inf({name: files}, date=date, version=dv, **kw), payload)

    def v4(
        self,
        name: str,
        *,
        klass: str = "",
        driver_file: str = "",
        date: str = "03/01/2024",
        dv: str = "4.0.0.1",
        version: int = 1,
        env: str = X64,
        **extra: str,
    ) -> str:
        stem = name.split()[-1].lower()
        files = (f"{stem}.gpd", f"{stem}-manifest.ini", f"{stem}.dll")
        payload = {
            files[0]: dll(version, 200),
            files[1]: manifest(files[0], klass=klass, driver_file=driver_file, **extra),
            files[2]: dll(version),
        }
        inf = make_inf({name: files}, date=date, version=dv, v4=True)
        return self.upload(
            inf,
            payload,
            env,
        )

    def driver(self, name: str, env: str = X64) -> Driver | None:
        return self.server.drivers.find(name, env)

    def share_printer(self, name: str, driver: str) -> None:
        attrs = PrinterAttributes.QUEUED | PrinterAttributes.SHARED
        self.server.printers[name.lower()] = Printer(
            name=name, ports=["LPT1:"], driver_name=driver, attributes=attrs
        )


def code(fn, *args, **kw) -> int:
    with pytest.raises(SpoolerError) as err:
        fn(*args, **kw)
    return err.value.code


@pytest.fixture
def rig() -> Rig:
    return Rig()


# -- the file system -------------------------------------------------------------------------------


def test_paths_are_case_insensitive_and_keep_their_first_spelling() -> None:
    fs = FileSystem()
    fs.put("C:/Windows/Temp//A.TXT", FileRecord(3))
    assert fs.get("c:\\windows\\temp\\a.txt") == FileRecord(3)
    fs.put("c:\\WINDOWS\\temp\\a.txt", FileRecord(4))
    assert fs.listdir("C:\\Windows\\Temp") == ["A.TXT"]
    assert fs.get("C:\\Windows\\Temp\\.\\x\\..\\a.txt").size == 4
    assert fs.exists("C:\\windows") and fs.is_dir("C:\\Windows\\temp")
    assert not fs.is_file("C:\\Windows\\Temp") and not fs.exists("C:\\Other")
    assert normpath("\\\\srv\\share\\..\\..\\x") == "\\\\srv\\share\\x"


def test_listdir_walk_copy_and_sizes_are_sorted_and_deterministic() -> None:
    fs = FileSystem()
    for name, size in (("b.dll", 2), ("A.gpd", 1), ("sub\\c.ini", 4), ("sub\\deep\\d", 8)):
        fs.put(f"\\\\SRV\\print$\\pkg\\{name}", FileRecord(size))
    assert fs.listdir("\\\\srv\\PRINT$\\pkg") == ["A.gpd", "b.dll", "sub"]
    assert [rel for rel, _ in fs.walk("\\\\SRV\\print$\\pkg")] == [
        "A.gpd",
        "b.dll",
        "sub\\c.ini",
        "sub\\deep\\d",
    ]
    assert fs.copy_tree("\\\\SRV\\print$\\pkg", "C:\\dest") == 15
    assert fs.total_size("C:\\dest") == 15 and fs.get("C:\\dest\\sub\\deep\\d").size == 8
    assert fs.remove("C:\\dest\\b.dll") and not fs.remove("C:\\dest\\b.dll")
    assert fs.remove_tree("C:\\dest") == 3 and not fs.exists("C:\\dest")


def test_path_validity() -> None:
    assert valid_path("C:\\x\\y.inf") and valid_path("\\\\srv\\share\\y.inf")
    assert not valid_path("y.inf") and not valid_path("") and not valid_path(None)
    assert not valid_path("C:\\x\\a?.inf") and not valid_path("C:\\" + "x" * 300)
    assert not valid_path("\\\\srv") and not valid_path("C:\\a:b")
    assert is_absolute("c:\\") and not is_absolute("\\x")


def test_newer_compares_version_then_date() -> None:
    assert FileRecord(1, version=2).newer_than(FileRecord(1, version=1, date=9))
    assert FileRecord(1, date=5).newer_than(FileRecord(1, date=4))
    assert not FileRecord(1, version=1).newer_than(FileRecord(1, version=1))


# -- upload ----------------------------------------------------------------------------------------


def test_upload_copies_the_package_into_the_store_once(rig: Rig) -> None:
    inf = make_inf({"Fabrikam Laser": ("a.dll", "a.gpd", "ui.dll")})
    payload = {"a.dll": dll(), "a.gpd": dll(0, 10), "ui.dll": dll()}
    src = rig.stage(inf, payload)
    dest = upload_package(rig.server, 1, src, X64)
    assert dest.startswith(DRIVER_STORE + "\\fab.inf_amd64_") and dest.endswith("\\fab.inf")
    package = rig.server.packages.lookup(dest)
    assert package is not None and len(package.package_id) == len("fab.inf_amd64_") + 16
    assert rig.files.listdir(package.directory) == ["a.dll", "a.gpd", "fab.inf", "ui.dll"]
    cab = rig.files.get(cab_path(X64, package.package_id))
    assert cab is not None and cab.size == rig.files.total_size(package.directory)
    # The same package again: the same place, nothing copied (no second event) ...
    assert upload_package(rig.server, 2, rig.stage(inf, payload), X64) == dest
    assert len(rig.server.log.of_kind("package.uploaded")) == 1
    # ... unless UPDP_UPLOAD_ALWAYS; UPDP_CHECK_DRIVERSTORE only looks.
    assert upload_package(rig.server, 3, src, X64, UPDP.UPLOAD_ALWAYS) == dest
    assert len(rig.server.log.of_kind("package.uploaded")) == 2
    assert upload_package(rig.server, 4, src, X64, UPDP.CHECK_DRIVERSTORE) == dest
    changed = rig.stage(inf, {**payload, "a.dll": dll(2)})
    assert code(upload_package, rig.server, 5, changed, X64, UPDP.CHECK_DRIVERSTORE) == 2
    other = upload_package(rig.server, 6, changed, X64)
    assert other != dest and len(rig.server.packages) == 2


def test_upload_validation(rig: Rig) -> None:
    src = rig.stage(make_inf({"D": ("a", "b", "c")}), {})
    assert code(upload_package, rig.server, 1, "fab.inf", X64) == Win32.ERROR_INVALID_PARAMETER
    assert code(upload_package, rig.server, 1, None, X64) == Win32.ERROR_INVALID_PARAMETER
    assert code(upload_package, rig.server, 1, src, "Windows 4.0") == 1805
    assert code(upload_package, rig.server, 1, src, "Bogus") == Win32.ERROR_INVALID_ENVIRONMENT
    assert code(upload_package, rig.server, 1, "C:\\none\\x.inf", X64) == 2
    broken = rig.stage("[Version\nClass=Printer", {})
    assert code(upload_package, rig.server, 1, broken, X64) == 0xE0000001


def test_the_same_package_for_two_environments_lands_twice(rig: Rig) -> None:
    src = rig.stage(make_inf({"D": ("a", "b", "c")}), {"a": dll(), "b": dll(), "c": dll()})
    a = upload_package(rig.server, 1, src, X64)
    b = upload_package(rig.server, 1, src, "Windows NT x86")
    assert "_amd64_" in a and "_x86_" in b
    assert code(rig.install, a, "D", "Windows NT x86") == Win32.ERROR_INVALID_ENVIRONMENT
    assert rig.install(b, "D", "Windows NT x86") == S_OK
    assert rig.driver("D", "Windows NT x86").version == 3


# -- install: the checks, each with its code -------------------------------------------------------


def test_a_v3_install_copies_files_and_records_the_driver(rig: Rig) -> None:
    dest = rig.v3()
    assert rig.install(dest, "fabrikam laser") == S_OK
    d = rig.driver("Fabrikam Laser")
    assert (d.driver_path, d.data_file, d.config_file) == (
        "fablaser.dll",
        "fablaser.gpd",
        "fabui.dll",
    )
    assert d.package_inf == dest == d.inf_path and d.version == 3
    assert d.driver_date == filetime((2024, 3, 1)) and d.driver_version == (3 << 48) | 1
    assert d.attributes == PDA.PACKAGE_AWARE and d.hardware_id == "HWID_S0"
    home = driver_directory(X64, 3)
    assert home == "C:\\Windows\\system32\\spool\\DRIVERS\\x64\\3"
    assert [p for p, _ in driver_files(rig.files, d)] == [
        f"{home}\\fablaser.dll",
        f"{home}\\fablaser.gpd",
        f"{home}\\fabui.dll",
    ]
    assert all(rec.size == 1000 for _, rec in driver_files(rig.files, d))
    event = rig.server.log.of_kind("package.installed")[-1]
    assert (event.subject, event.get("copied"), event.get("inf")) == ("Fabrikam Laser", 3, dest)


def test_driver_files_reports_missing_files_with_size_zero() -> None:
    d = Driver(
        "D", X64, 3, "unidrv.dll", "x.gpd", "C:\\elsewhere\\ui.dll", dependent_files=("x.gpd",)
    )
    files = driver_files(FileSystem(), d)
    assert [p for p, _ in files] == [
        "C:\\Windows\\system32\\spool\\DRIVERS\\x64\\3\\unidrv.dll",
        "C:\\Windows\\system32\\spool\\DRIVERS\\x64\\3\\x.gpd",
        "C:\\elsewhere\\ui.dll",
    ]
    assert {rec for _, rec in files} == {FileRecord(size=0)}


def test_rule_1_the_inf_path(rig: Rig) -> None:
    rig.v3()
    assert code(rig.install, "fab.inf", "Fabrikam Laser") == Win32.ERROR_INVALID_PARAMETER
    assert code(rig.install, "C:\\x?\\fab.inf", "Fabrikam Laser") == Win32.ERROR_INVALID_PARAMETER
    not_in_store = "\\\\SPOOLSIM\\print$\\upload1\\fab.inf"
    assert code(rig.install, not_in_store, "Fabrikam Laser") == Win32.ERROR_INVALID_PARAMETER
    # Rule 1 comes before rule 2.
    assert code(rig.install, "fab.inf", "Fabrikam Laser", "Bogus") == Win32.ERROR_INVALID_PARAMETER
    # NULL: an INF that shipped with Windows, looked up in the store.
    assert rig.install(None, "Fabrikam Laser") == S_OK
    assert code(rig.install, None, "Nobody") == Win32.ERROR_UNKNOWN_PRINTER_DRIVER


def test_rule_2_the_environment_and_the_model(rig: Rig) -> None:
    dest = rig.v3()
    assert code(rig.install, dest, "Fabrikam Laser", "Windows 4.0") == 1805
    assert code(rig.install, dest, "Fabrikam Laser", "Windows XP") == 1805
    assert code(rig.install, dest, "Fabrikam Inkjet") == Win32.ERROR_UNKNOWN_PRINTER_DRIVER


def test_rule_3_a_v4_package_needs_exactly_one_good_manifest(rig: Rig) -> None:
    none = make_inf({"V4 None": ("none.gpd",)}, v4=True)
    dest = rig.upload(none, {"none.gpd": dll()})
    assert code(rig.install, dest, "V4 None") == Win32.ERROR_INVALID_PRINTER_DRIVER_MANIFEST
    two = make_inf({"V4 Two": ("two.gpd", "a-manifest.ini", "b-manifest.ini")}, v4=True)
    payload = {
        "two.gpd": dll(),
        "a-manifest.ini": manifest("two.gpd"),
        "b-manifest.ini": manifest("two.gpd"),
    }
    dest = rig.upload(two, payload)
    assert code(rig.install, dest, "V4 Two") == 3021
    for bad in (
        FileRecord(5, text="[Other]\nx=1\n"),
        FileRecord(5, text="[DriverConfig]\nRequiredFiles=a.dll\n"),
        manifest("x.gpd", driver_file="evil.dll"),
        manifest("x.gpd", klass="Fabrikam Class", driver_file="unidrv.dll"),
        FileRecord(5),  # no text to read
    ):
        inf = make_inf({"V4 Bad": ("x.gpd", "x-manifest.ini")}, v4=True)
        dest = rig.upload(inf, {"x.gpd": dll(), "x-manifest.ini": bad})
        assert code(rig.install, dest, "V4 Bad") == 3021
    # Rule 3 comes before rule 5: the manifest is judged though a file is missing.
    dest = rig.upload(two, {"a-manifest.ini": manifest("two.gpd")})
    assert code(rig.install, dest, "V4 Two") == 3021


def test_parse_manifest_reads_the_directives() -> None:
    m = parse_manifest(manifest("d.gpd", klass="Fabrikam Class", RequiredFiles="a.dll,b.gpd").text)
    assert (m.data_file, m.required_class, m.required_class_guid) == (
        "d.gpd",
        "Fabrikam Class",
        CLASS_GUID,
    )
    assert m.required_files == ("a.dll", "b.gpd") and m.is_derived and not m.is_class
    assert m.attributes == PDA.PACKAGE_AWARE | PDA.XPS | PDA.DERIVED
    c = parse_manifest(
        manifest(
            "c.gpd", driver_file="pscript5.dll", DriverCategory="PrintFax.Printer.Virtual"
        ).text
    )
    assert c.is_class and c.attributes & PDA.CLASS and c.attributes & PDA.NOT_SHAREABLE


def test_rule_4_a_derived_driver_needs_its_class_driver(rig: Rig) -> None:
    derived = rig.v4("Fabrikam Model", klass="Fabrikam Class")
    assert code(rig.install, derived, "Fabrikam Model") == Win32.ERROR_UNKNOWN_PRINTER_DRIVER
    # Rule 4 comes before rule 5 (files).
    rig.files.remove(rig.server.packages.lookup(derived).directory + "\\model.dll")
    assert code(rig.install, derived, "Fabrikam Model") == Win32.ERROR_UNKNOWN_PRINTER_DRIVER
    assert rig.server.drivers.all() == []


def test_a_derived_driver_installs_its_class_driver_first_from_the_store(rig: Rig) -> None:
    klass = rig.v4("Fabrikam Class", driver_file="unidrv.dll")
    derived = rig.v4("Fabrikam Model", klass="Fabrikam Class")
    assert rig.install(derived, "Fabrikam Model") == S_OK
    installed = [e.subject for e in rig.server.log.of_kind("package.installed")]
    assert installed == ["Fabrikam Class", "Fabrikam Model"]
    c, m = rig.driver("Fabrikam Class"), rig.driver("Fabrikam Model")
    assert c.package_inf == klass and c.attributes & PDA.CLASS and c.version == 4
    assert c.driver_path == "unidrv.dll" and c.config_file == "PrintConfig.dll"
    assert m.class_driver == "Fabrikam Class" and m.attributes & PDA.DERIVED
    assert m.driver_path == "unidrv.dll"  # inherited from the class driver
    assert "class.gpd" in m.dependent_files and "model-manifest.ini" in m.dependent_files
    assert rig.files.is_file(driver_directory(X64, 4) + "\\model.gpd")
    # A class driver already installed is not installed again.
    assert rig.install(derived, "Fabrikam Model") == S_OK
    assert len(rig.server.log.of_kind("package.installed")) == 3


def test_a_class_driver_the_server_can_find_is_uploaded_then_installed(rig: Rig) -> None:
    files = ("class.gpd", "class-manifest.ini")
    inf = make_inf({"Fabrikam Class": files}, v4=True)
    payload = {files[0]: dll(), files[1]: manifest(files[0], driver_file="unidrv.dll")}
    update = stage_package(rig.files, "C:\\WindowsUpdate\\class", "cls.inf", inf, payload)
    rig.server.packages.findable.append(update)
    derived = rig.v4("Fabrikam Model", klass="Fabrikam Class")
    assert rig.install(derived, "Fabrikam Model") == S_OK
    kinds = [(e.kind, e.subject) for e in rig.server.log if e.kind.startswith("package.")]
    assert kinds[-3:] == [
        ("package.uploaded", kinds[-3][1]),
        ("package.installed", "Fabrikam Class"),
        ("package.installed", "Fabrikam Model"),
    ]
    assert kinds[-3][1].startswith("cls.inf_amd64_")
    assert rig.driver("Fabrikam Class").package_inf.startswith(DRIVER_STORE + "\\cls.inf_amd64_")


def test_rule_5_every_referenced_file_must_be_present(rig: Rig) -> None:
    inf = make_inf({"Fabrikam Laser": ("a.dll", "a.gpd", "ui.dll")})
    dest = rig.upload(inf, {"a.dll": dll(), "ui.dll": dll()})
    assert code(rig.install, dest, "Fabrikam Laser") == Win32.ERROR_FILE_NOT_FOUND
    # The manifest's DataFile and RequiredFiles too; in-box files may come from the driver
    # directory.
    inf = make_inf({"V4 Req": ("req.gpd", "req-manifest.ini")}, v4=True)
    payload = {
        "req.gpd": dll(),
        "req-manifest.ini": manifest("req.gpd", RequiredFiles="unires.dll"),
    }
    dest = rig.upload(inf, payload)
    assert code(rig.install, dest, "V4 Req") == Win32.ERROR_FILE_NOT_FOUND
    rig.files.put(driver_directory(X64, 3) + "\\unires.dll", dll())
    assert rig.install(dest, "V4 Req") == S_OK
    inf = make_inf({"V4 Data": ("data-manifest.ini",)}, v4=True)
    dest = rig.upload(inf, {"data-manifest.ini": manifest("gone.gpd")})
    assert code(rig.install, dest, "V4 Data") == Win32.ERROR_FILE_NOT_FOUND
    # Rule 5 comes before rule 6: a v3 package with a missing file for Windows ARM.
    arm = Rig(ARM)
    dest = arm.upload(make_inf({"D": ("a", "b", "c")}), {"a": dll()}, ARM)
    assert code(arm.install, dest, "D", ARM) == Win32.ERROR_FILE_NOT_FOUND


def test_core_driver_dependencies(rig: Rig) -> None:
    inf = make_inf({"Uni Model": ("m.gpd", "m.dll", "m.ini")}, core_deps=(CORE_GUID,))
    payload = {"m.gpd": dll(), "m.dll": dll(), "m.ini": dll()}
    dest = rig.upload(inf, payload)
    assert code(rig.install, dest, "Uni Model") == Win32.ERROR_CORE_DRIVER_PACKAGE_NOT_FOUND
    core_inf = make_inf(
        {}, core_models={CORE_GUID: UNIDRV_FILES}, date="06/21/2006", version="10.0.1.0"
    )
    core = rig.upload(core_inf, {f: dll(7) for f in UNIDRV_FILES}, inbox=True)
    core_id = rig.server.packages.lookup(core).package_id
    assert core_printer_drivers(rig.server, X64, [CORE_GUID.lower()])[0].package_id == core_id
    assert not core_driver_installed(rig.server, X64, CORE_GUID, 0, 0)
    assert rig.install(dest, "Uni Model") == S_OK
    d = rig.driver("Uni Model")
    assert d.core_dependencies == (CORE_GUID,)
    assert set(UNIDRV_FILES) <= set(d.dependent_files)
    assert rig.files.get(driver_directory(X64, 3) + "\\unidrv.dll").version == 7
    date = filetime((2006, 6, 21))
    assert core_driver_installed(rig.server, X64, CORE_GUID, date, 10 << 48 | 1 << 16)
    assert not core_driver_installed(rig.server, X64, CORE_GUID, date + 1, 0)
    assert (
        code(core_printer_drivers, rig.server, X64, ["{00000000-0000-0000-0000-000000000000}"])
        == 1168
    )
    assert code(core_printer_drivers, rig.server, X64, ["not-a-guid"]) == 87
    assert package_cab(rig.server, X64, core_id) == cab_path(X64, core_id)
    assert code(package_cab, rig.server, X64, "nope") == Win32.ERROR_FILE_NOT_FOUND
    # The core package is in use while a driver depends on it (and ships with Windows anyway).
    assert code(delete_package, rig.server, 9, core, X64) == Win32.ERROR_ACCESS_DENIED


def test_rule_6_no_v3_driver_for_windows_arm() -> None:
    arm = Rig(ARM)
    dest = arm.upload(make_inf({"D": ("a", "b", "c")}), {f: dll() for f in "abc"}, ARM)
    assert code(arm.install, dest, "D", ARM) == Win32.ERROR_NOT_SUPPORTED
    v4 = arm.v4("Arm Model", env=ARM)
    assert arm.install(v4, "Arm Model", ARM) == S_OK


def test_rule_7_v3_upgrades_over_v4_drivers(rig: Rig) -> None:
    # Over a class driver: blocked.
    rig.install(rig.v4("Fabrikam Laser", driver_file="unidrv.dll"), "Fabrikam Laser")
    old = rig.v3(date="01/01/2030")
    assert code(rig.install, old, "Fabrikam Laser") == Win32.ERROR_PRINTER_DRIVER_BLOCKED
    # Over a newer v4 driver: blocked; over an older one: installed.
    other = Rig()
    other.install(other.v4("Fabrikam Laser", date="06/01/2024"), "Fabrikam Laser")
    older = other.v3(date="01/01/2024")
    assert code(other.install, older, "Fabrikam Laser") == Win32.ERROR_PRINTER_DRIVER_BLOCKED
    newer = other.v3(date="01/01/2025")
    assert other.install(newer, "Fabrikam Laser") == S_OK
    assert other.server.drivers.find("Fabrikam Laser", X64, 3).package_inf == newer
    # Over an older v4 driver a shared printer uses: blocked.
    third = Rig()
    third.install(third.v4("Fabrikam Laser", date="06/01/2024"), "Fabrikam Laser")
    third.share_printer("Shared", "Fabrikam Laser")
    assert code(third.install, third.v3(date="01/01/2025"), "Fabrikam Laser") == 3014


def test_rule_8_v4_upgrades_answer_s_false_and_change_nothing(rig: Rig) -> None:
    new = rig.v4("Fabrikam Laser", date="06/01/2024", version=5)
    assert rig.install(new, "Fabrikam Laser") == S_OK
    installs = rig.server.log.of_kind
    before = (rig.driver("Fabrikam Laser"), len(installs("package.installed")))
    old = rig.v4("Fabrikam Laser", date="01/01/2024", version=9)
    assert rig.install(old, "Fabrikam Laser") == S_FALSE
    assert rig.install(old, "Fabrikam Laser", flags=IPDFP.COPY_ALL_FILES) == S_FALSE
    same_date_older = rig.v4("Fabrikam Laser", date="06/01/2024", dv="3.9.9.9")
    assert rig.install(same_date_older, "Fabrikam Laser") == S_FALSE
    assert (rig.driver("Fabrikam Laser"), len(installs("package.installed"))) == before
    assert rig.files.get(driver_directory(X64, 4) + "\\laser.dll").version == 5
    # Upgrades: a newer driver, and a class driver over a newer non-class one.
    assert rig.install(rig.v4("Fabrikam Laser", date="07/01/2024"), "Fabrikam Laser") == S_OK
    klass = rig.v4("Fabrikam Laser", driver_file="unidrv.dll", date="01/01/2020")
    assert rig.install(klass, "Fabrikam Laser") == S_OK
    assert rig.driver("Fabrikam Laser").attributes & PDA.CLASS
    # A non-class driver over a class driver, however new: S_FALSE.
    assert rig.install(rig.v4("Fabrikam Laser", date="01/01/2030"), "Fabrikam Laser") == S_FALSE


def test_rule_8_a_shared_driver_is_not_replaced_by_an_unshareable_one(rig: Rig) -> None:
    rig.install(rig.v4("Fabrikam Laser", date="01/01/2024"), "Fabrikam Laser")
    rig.share_printer("Shared", "Fabrikam Laser")
    virtual = rig.v4("Fabrikam Laser", date="01/01/2025", DriverCategory="PrintFax.Printer.Virtual")
    assert rig.install(virtual, "Fabrikam Laser") == S_FALSE
    plain = rig.v4("Fabrikam Laser", date="01/01/2025")
    assert rig.install(plain, "Fabrikam Laser") == S_OK


@pytest.mark.parametrize("kind", ["v3", "v4"])
def test_without_copy_all_files_no_installed_file_is_replaced_by_an_older_one(
    rig: Rig, kind: str
) -> None:
    if kind == "v3":
        new, old = rig.v3(version=5, date="01/01/2025"), rig.v3(version=2, date="01/01/2024")
        name, path = "Fabrikam Laser", driver_directory(X64, 3) + "\\fablaser.dll"
    else:
        # Same driver date, so the v4 upgrade check lets the older files through to the copy.
        new, old = rig.v4("Fabrikam Laser", version=5), rig.v4("Fabrikam Laser", version=2)
        name, path = "Fabrikam Laser", driver_directory(X64, 4) + "\\laser.dll"
    assert rig.install(new, name) == S_OK
    assert rig.files.get(path).version == 5
    assert rig.install(old, name) == S_OK  # a downgrade of the record, not of newer files
    assert rig.files.get(path).version == 5
    assert rig.driver(name).package_inf == old
    assert rig.install(old, name, flags=IPDFP.COPY_ALL_FILES) == S_OK
    assert rig.files.get(path).version == 2
    assert rig.install(new, name) == S_OK  # upgrading copies the newer files back
    assert rig.files.get(path).version == 5


# -- delete ----------------------------------------------------------------------------------------


def test_delete_refuses_a_package_in_use_and_then_removes_it(rig: Rig) -> None:
    dest = rig.v3()
    package = rig.server.packages.lookup(dest)
    rig.install(dest, "Fabrikam Laser")
    assert (
        code(delete_package, rig.server, 5, dest, X64) == Win32.ERROR_PRINTER_DRIVER_PACKAGE_IN_USE
    )
    assert rig.server.packages.lookup(dest) is package
    rig.server.drivers.remove(rig.driver("Fabrikam Laser"))
    delete_package(rig.server, 6, dest, X64)
    assert rig.server.packages.lookup(dest) is None and not rig.files.exists(package.directory)
    assert not rig.files.exists(cab_path(X64, package.package_id))
    event = rig.server.log.of_kind("package.deleted")[-1]
    assert (event.subject, event.get("files")) == (package.package_id, 4)
    # Gone: the store path no longer exists; the source path finds no package.
    assert code(delete_package, rig.server, 7, dest, X64) == Win32.ERROR_INVALID_PARAMETER
    source = package.source_inf
    assert code(delete_package, rig.server, 7, source, X64) == Win32.ERROR_UNKNOWN_PRINTER_DRIVER


def test_delete_validation_order(rig: Rig) -> None:
    dest = rig.v3()
    assert code(delete_package, rig.server, 1, "relative.inf", "Bogus") == 87
    assert code(delete_package, rig.server, 1, dest, "Bogus") == 1805
    assert code(delete_package, rig.server, 1, dest, "Windows NT x86") == 1797
    # By the INF it was uploaded from, as Win32 callers pass it.
    source = rig.server.packages.lookup(dest).source_inf
    delete_package(rig.server, 2, source, X64)
    assert len(rig.server.packages) == 0


# -- RpcAsyncAddPrinterDriver's files --------------------------------------------------------------


def plain(name: str = "HP Color", env: str = X64, version: int = 3, **kw) -> Driver:
    files = {"driver_path": "hp.dll", "data_file": "hp.gpd", "config_file": "hpui.dll", **kw}
    return Driver(name, env, version, **files)


def test_add_driver_copies_staged_files_by_apd_flags(rig: Rig) -> None:
    staged, home = staging_directory(X64), driver_directory(X64, 3)
    for name in ("hp.dll", "hp.gpd", "hpui.dll"):
        rig.files.put(f"{staged}\\{name}", dll(5))
    add_printer_driver(rig.server, 1, plain(), APD.COPY_NEW_FILES)
    assert rig.files.get(f"{home}\\hp.dll").version == 5
    rig.files.put(f"{staged}\\hp.dll", dll(3))
    add_printer_driver(rig.server, 2, plain(), APD.COPY_NEW_FILES)
    assert rig.files.get(f"{home}\\hp.dll").version == 5  # only newer files
    add_printer_driver(rig.server, 3, plain(), 0)  # no flag: AddPrinterDriver's COPY_NEW_FILES
    assert rig.files.get(f"{home}\\hp.dll").version == 5
    add_printer_driver(rig.server, 4, plain(), APD.COPY_ALL_FILES)
    assert rig.files.get(f"{home}\\hp.dll").version == 3  # all of them
    events = rig.server.log.of_kind("driver.added")
    assert [e.get("copied") for e in events] == [3, 0, 0, 3]


def test_add_driver_from_a_directory(rig: Rig) -> None:
    src = "C:\\Staging"
    d = plain(
        driver_path=f"{src}\\hp.dll", data_file=f"{src}\\hp.gpd", config_file=f"{src}\\hpui.dll"
    )
    flags = APD.COPY_ALL_FILES | APD.COPY_FROM_DIRECTORY
    assert code(add_printer_driver, rig.server, 1, d, flags) == Win32.ERROR_FILE_NOT_FOUND
    for name in ("hp.dll", "hp.gpd", "hpui.dll"):
        rig.files.put(f"{src}\\{name}", dll(2))
    installed = add_printer_driver(rig.server, 2, d, flags)
    assert installed.driver_path == "hp.dll" and rig.driver("HP Color").config_file == "hpui.dll"
    assert rig.files.get(driver_directory(X64, 3) + "\\hpui.dll").version == 2
    # Bare names cannot be found in a directory.
    bare = plain()
    assert code(add_printer_driver, rig.server, 3, bare, flags) == Win32.ERROR_FILE_NOT_FOUND


def test_add_driver_rules(rig: Rig) -> None:
    both = APD.COPY_ALL_FILES | APD.COPY_NEW_FILES
    assert code(add_printer_driver, rig.server, 1, plain(), both) == Win32.ERROR_INVALID_PARAMETER
    assert code(add_printer_driver, rig.server, 1, plain(version=4), 0) == 3014
    assert code(add_printer_driver, rig.server, 1, plain(env=ARM), 0) == Win32.ERROR_NOT_SUPPORTED
    assert code(add_printer_driver, rig.server, 1, plain(version=2), 0) == 87  # not an x64 version
    rig.server.packages.blocked.add("hp color")
    assert code(add_printer_driver, rig.server, 1, plain(), 0) == Win32.ERROR_UNKNOWN_PRINTER_DRIVER
    blocking = APD.RETURN_BLOCKING_STATUS_CODE
    assert code(add_printer_driver, rig.server, 1, plain(), blocking) == 3014
    rig.server.packages.blocked.clear()
    rig.server.packages.warned.add("hp color")
    assert code(add_printer_driver, rig.server, 1, plain(), 0) == 1797
    assert code(add_printer_driver, rig.server, 1, plain(), blocking) == 3013
    add_printer_driver(rig.server, 1, plain(), blocking | APD.INSTALL_WARNED_DRIVER)
    assert rig.driver("HP Color") is not None
    # An upgrade over a class driver is blocked.
    rig.install(rig.v4("Fabrikam Laser", driver_file="unidrv.dll"), "Fabrikam Laser")
    assert code(add_printer_driver, rig.server, 1, plain("Fabrikam Laser"), 0) == 3014


# -- the property ----------------------------------------------------------------------------------

STEP = st.tuples(
    st.sampled_from(["upload", "install", "delete", "remove_driver"]),
    st.integers(0, 2),  # which package
    st.booleans(),  # IPDFP_COPY_ALL_FILES
)
# Three builds of one driver: file versions differ per file, not all in step with the driver date.
BUILDS = [
    ("01/01/2024", {"fablaser.dll": 3, "fablaser.gpd": 1, "fabui.dll": 7}),
    ("01/01/2025", {"fablaser.dll": 5, "fablaser.gpd": 2, "fabui.dll": 4}),
    ("01/01/2023", {"fablaser.dll": 1, "fablaser.gpd": 9, "fabui.dll": 5}),
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(STEP, max_size=12))
def test_the_store_and_the_installed_drivers_stay_consistent(steps) -> None:
    rig = Rig()
    staged = []
    for date, versions in BUILDS:
        inf = make_inf({"Fabrikam Laser": tuple(versions)}, date=date)
        staged.append(rig.stage(inf, {f: dll(v) for f, v in versions.items()}))
    home = driver_directory(X64, 3)
    for action, which, copy_all in steps:
        before = {rel: rec for rel, rec in rig.files.walk(home)}
        dest = rig.server.packages.by_source(staged[which], X64)
        try:
            if action == "upload":
                upload_package(rig.server, 1, staged[which], X64)
            elif action == "install" and dest is not None:
                flags = IPDFP.COPY_ALL_FILES if copy_all else 0
                assert rig.install(dest.inf_path, "Fabrikam Laser", flags=flags) == S_OK
            elif action == "delete" and dest is not None:
                delete_package(rig.server, 1, dest.inf_path, X64)
            elif action == "remove_driver" and rig.driver("Fabrikam Laser") is not None:
                rig.server.drivers.remove(rig.driver("Fabrikam Laser"))
        except SpoolerError as err:
            assert action == "delete" and err.code == Win32.ERROR_PRINTER_DRIVER_PACKAGE_IN_USE
        # No installed driver without its package, and every package's files are in place.
        for d in rig.server.drivers.all():
            assert rig.server.packages.lookup(d.package_inf) is not None
        for p in rig.server.packages.packages():
            assert rig.files.is_file(p.inf_path) and rig.files.is_file(cab_path(X64, p.package_id))
        # No file got older, unless the step copied all files.
        if not (action == "install" and copy_all):
            for rel, rec in rig.files.walk(home):
                old = before.get(rel)
                assert old is None or not old.newer_than(rec), (rel, old, rec)
