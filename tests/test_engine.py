"""The engine knows no particular book: every name, id and URL of fastbook lives in its profile."""

import re
import shutil

import pytest

from ankigen.errors import ProfileError
from ankigen.profile import load_profile
from conftest import PROJECT_ROOT

# What only the fastbook deck has: its names, its frozen ids, its source.
FASTBOOK_FACTS = ("fastbook", "fastai", "1843409", "Deep Learning for Coders")


def test_the_engine_names_no_book():
    for path in sorted((PROJECT_ROOT / "ankigen").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            text = path.read_text(encoding="utf-8")
            found = [fact for fact in FASTBOOK_FACTS if fact.lower() in text.lower()]
            assert not found, f"{path.relative_to(PROJECT_ROOT)} names {found}"


def test_the_fastbook_profile_holds_its_facts():
    profile = load_profile(PROJECT_ROOT)
    assert (profile.deck_name, profile.deck_id, profile.note_type_id) == ("fastbook", 1843409200, 1843409101)
    assert [kind.count(5) for kind in profile.kinds] == [23, 2, 0]
    assert profile.front_matter_keys == ("chapter", "title", "notebook")


PROFILE_ERRORS = {
    "TOML syntax": ('[deck\nname = "x"\n', "ankigen.toml:1: not valid TOML"),
    "unknown key": ("[deck]\nnme = 'x'\n", "ankigen.toml:2: unknown setting 'nme' in [deck]"),
    "id out of range": ("[deck]\nid = 5\n", "ankigen.toml:2: 'id' must be between 1073741824 and 4611686018427387904, not 5"),
    "bad id pattern": ("[cards]\nid_pattern = '^(?P<chapter>\\d+)$'\n", "ankigen.toml:2: id_pattern needs the named groups chapter, kind, number, part (missing: kind, number, part)"),
    "missing table": ("", "ankigen.toml:1: missing table [note_type]: see the README's profile reference"),
    "path outside": ("[deck]\ncss = '../../etc/passwd'\n", "ankigen.toml:2: 'css' must lie inside the project folder, not '../../etc/passwd'"),
    "name with '::'": ("[deck]\nname = 'a::b'\n", "ankigen.toml:2: 'name' must be letters, digits, '.', '+', '-' or '_' only (it names decks, tags and files)"),
}


@pytest.mark.parametrize("case", sorted(PROFILE_ERRORS))
def test_each_profile_problem_is_reported_at_its_line(case, tmp_path):
    text, expected = PROFILE_ERRORS[case]
    original = (PROJECT_ROOT / "ankigen.toml").read_text()
    for table in re.findall(r"^\[(\w+)\]", text, re.M):  # replace that table's line, or the whole file
        original = original.replace(f"[{table}]\n", "[unused_placeholder]\n", 1)
    (tmp_path / "ankigen.toml").write_text(text if not text or case == "TOML syntax" else text + original)
    with pytest.raises(ProfileError) as error:
        load_profile(tmp_path)
    assert expected in [str(p) for p in error.value.problems] or any(str(p).startswith(expected) for p in error.value.problems), [
        str(p) for p in error.value.problems
    ]


def test_a_profile_without_a_source_link_needs_only_chapter_and_title(tmp_path):
    text = (PROJECT_ROOT / "ankigen.toml").read_text()
    start, end = text.index("[source]"), text.index("[cards]")
    (tmp_path / "ankigen.toml").write_text(text[:start] + text[end:])
    shutil.copytree(PROJECT_ROOT / "books", tmp_path / "books")
    profile = load_profile(tmp_path)
    assert profile.link is None and profile.front_matter_keys == ("chapter", "title")
