"""The engine knows no particular book: every name, id and URL of fastbook lives in its profile."""

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


# Each case edits one line of the fastbook profile: (line as it is, line as broken, the one problem).
PROFILE_ERRORS = {
    "TOML syntax": ("[deck]", "[deck", "not valid TOML"),
    "unknown key": ('guid_namespace = "fastbook.ankigen"', 'guid_namespace = "fastbook.ankigen"\nnme = "x"', "unknown setting 'nme' in [deck]"),
    "id out of range": ("id = 1843409200", "id = 5", "'id' must be between 1073741824 and 4611686018427387904, not 5"),
    "wrong type": ("last_chapter = 99", 'last_chapter = "99"', "'last_chapter' must be a int, not str"),
    "bad id pattern": ("id_pattern = '^c(?P<chapter>", "id_pattern = '^c(?P<chapter>\\d{2})$' # ", "id_pattern needs the named groups chapter, kind, number, part (missing: kind, number, part)"),
    "path outside": ('css = "books/fastbook/card.css"', 'css = "../../etc/passwd"', "'css' must lie inside the project folder, not '../../etc/passwd'"),
    "name with '::'": ('name = "fastbook"', 'name = "a::b"', "'name' must be letters, digits, '.', '+', '-' or '_' only (it names decks, tags and files)"),
    "fields out of order": ("fields = { ID = 1843409111, Question", "fields = { Question = 1843409112, ID", "fields must be exactly ID, Question, Answer, Source, in this order, each with its id"),
}


@pytest.mark.parametrize("case", sorted(PROFILE_ERRORS))
def test_each_profile_problem_is_reported_at_its_line(case, tmp_path):
    old, new, message = PROFILE_ERRORS[case]
    text = (PROJECT_ROOT / "ankigen.toml").read_text()
    assert old in text
    broken = text.replace(old, new, 1)
    (tmp_path / "ankigen.toml").write_text(broken)
    shutil.copytree(PROJECT_ROOT / "books", tmp_path / "books")
    line = broken[: broken.index(new)].count("\n") + 1 + new.count("\n")  # the edited line (its last, if two)
    with pytest.raises(ProfileError) as error:
        load_profile(tmp_path)
    [problem] = [str(p) for p in error.value.problems]
    assert problem.startswith(f"ankigen.toml:{line}: {message}"), problem


def test_a_profile_without_a_source_link_needs_only_chapter_and_title(tmp_path):
    text = (PROJECT_ROOT / "ankigen.toml").read_text()
    start, end = text.index("[source]"), text.index("[cards]")
    (tmp_path / "ankigen.toml").write_text(text[:start] + text[end:])
    shutil.copytree(PROJECT_ROOT / "books", tmp_path / "books")
    profile = load_profile(tmp_path)
    assert profile.link is None and profile.front_matter_keys == ("chapter", "title")
