"""Shipped profiles load and cite their sources; bad files are rejected with every problem."""

from __future__ import annotations

import pathlib
import shutil

import pytest

from devices.profile import (
    MEDIA_CODES,
    PROFILE_DIR,
    DeviceProfile,
    ProfileError,
    Tray,
    list_profiles,
    load_profile,
)

SHIPPED = list_profiles()


def test_at_least_five_profiles_are_shipped_sorted() -> None:
    assert len(SHIPPED) >= 5
    assert SHIPPED == sorted(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_profile_loads_and_cites_sources(name: str) -> None:
    profile = load_profile(name)
    assert isinstance(profile, DeviceProfile)
    assert profile.name == name  # the file name is the profile's name
    assert profile.sources and all(len(source) > 20 for source in profile.sources)
    assert profile.trays and all(tray.media in MEDIA_CODES for tray in profile.trays)
    assert profile.page_interval_s == pytest.approx(60.0 / profile.ppm)
    text = (PROFILE_DIR / f"{name}.toml").read_text()
    assert "estimate" in text  # unpublished values are marked as such


def test_the_printer_classes_are_covered() -> None:
    profiles = [load_profile(name) for name in SHIPPED]
    assert any(p.ppm >= 60 and not p.color for p in profiles)  # departmental mono laser
    assert any(35 <= p.ppm <= 45 and not p.color for p in profiles)  # workgroup mono laser
    assert any(p.color and p.first_page_s < 20 for p in profiles)  # colour laser
    assert any(p.first_page_s >= 20 for p in profiles)  # inkjet, slow first page
    assert any(t.media == "custom" for p in profiles for t in p.trays)  # label printer


def test_a_profile_loads_from_a_path(tmp_path: pathlib.Path) -> None:
    copy = tmp_path / "mine.toml"
    shutil.copy(PROFILE_DIR / "hp-lj-pro-m404.toml", copy)
    assert load_profile(copy) == load_profile("hp-lj-pro-m404")
    assert load_profile(str(copy)).trays[1] == Tray("Tray 2", 250, "letter")


BAD = """\
name = "Bad Name"
model = ""
pjl_id = "X"
ppm = -3
first_page_s = "fast"
warmup_s = 1
power_save_after_s = 0
duplex = "yes"
color = false
toner_pages = 1.5
toner_low_pct = 120
memory_mb = 64
languages = []
wibble = 1

[[trays]]
name = "Tray 1"
capacity = 0
media = "napkin"

[[trays]]
name = "Tray 1"
capacity = 10
"""


def test_a_bad_profile_lists_every_problem_with_its_key_path(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(BAD)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    media = ", ".join(MEDIA_CODES)
    assert caught.value.path == str(path)
    assert caught.value.problems == (
        "name: must be lower-case words and dashes (got 'Bad Name')",
        "model: must be a non-empty string (got '')",
        "ppm: must be a number > 0 (got -3)",
        "first_page_s: must be a number of seconds >= 0 (got 'fast')",
        "power_save_after_s: must be a number of seconds > 0 (got 0)",
        "duplex: must be true or false (got 'yes')",
        "toner_pages: must be a whole number > 0 (got 1.5)",
        "toner_low_pct: must be a whole number from 0 to 100 (got 120)",
        "languages: must be a non-empty list of strings (got [])",
        "sources: missing (must be a non-empty list of strings (data-sheet citations))",
        "wibble: unknown key",
        "trays[0].capacity: must be a whole number > 0 (got 0)",
        f"trays[0].media: must be one of {media} (got 'napkin')",
        f"trays[1].media: missing (must be one of {media})",
        "trays[1].name: 'Tray 1' is used by an earlier tray",
    )
    assert str(caught.value).startswith(f"{path}:\n  name: ")


def test_a_file_that_is_not_toml_names_the_file_and_line(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\nppm = = 3\n')
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.path == str(path)
    (problem,) = caught.value.problems
    assert problem.startswith("not valid TOML:") and "line 2" in problem


def test_trays_must_be_present(tmp_path: pathlib.Path) -> None:
    text = (PROFILE_DIR / "zebra-zt410.toml").read_text().split("[[trays]]")[0]
    path = tmp_path / "no-trays.toml"
    path.write_text(text)
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert caught.value.problems == ("trays: missing (must be an array of [[trays]] tables)",)


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile("no-such-printer")
    (problem,) = caught.value.problems
    assert problem == f"no shipped profile named 'no-such-printer' (known: {', '.join(SHIPPED)})"
