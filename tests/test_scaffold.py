"""`ankigen init`: the new project checks and builds, its deck lives beside fastbook's in one Anki
collection without clashing, and its CI workflow passes the same offline validators as ours."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition
from conftest import PROJECT_ROOT, TIMESTAMP, copy_project

from ankigen.cli import main
from ankigen.errors import BuildError
from ankigen.profile import load_profile
from ankigen.scaffold import scaffold

CREATED = [
    ".github/workflows/ci.yml",
    ".gitignore",
    "README.md",
    "ankigen.toml",
    "media/.gitkeep",
    "requirements.txt",
    "source/01_getting_started.md",
    "style/card.css",
]
IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER


def import_deck(col: Collection, apkg: Path):
    """Imports with the options Anki offers by default, as test_end_to_end does."""
    options = ImportAnkiPackageOptions(update_notes=IF_NEWER, update_notetypes=IF_NEWER, with_scheduling=False)
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=os.fspath(apkg), options=options))


def tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is a test dependency: pip install -e '.[test]'"
    return found


@pytest.fixture
def new_book(tmp_path: Path) -> Path:
    root = tmp_path / "My Book!"
    assert scaffold(root, title="A Book About Sums") == CREATED
    return root


def test_the_new_project_loads_checks_and_builds(new_book, monkeypatch, capsys):
    profile = load_profile(new_book)
    assert (profile.book_title, profile.version, profile.deck_name) == ("A Book About Sums", "0.1.0", "my-book")
    assert (profile.package_name, profile.chapter_package) == ("my-book.apkg", "my-book-{slug}.apkg")
    assert profile.recipes is None and profile.css == new_book / "style/card.css"
    assert main(["check", "--root", str(new_book)]) == 0
    assert "OK: 1 chapter, 2 cards, no problems." in capsys.readouterr().out
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(TIMESTAMP))
    assert main(["-q", "--root", str(new_book)]) == 0
    assert sorted(p.name for p in (new_book / "dist").glob("*.apkg")) == ["my-book-01-getting-started.apkg", "my-book.apkg"]


def test_every_project_gets_its_own_ids(tmp_path):
    scaffold(tmp_path / "one", name="same")
    scaffold(tmp_path / "two", name="same")
    first, second = load_profile(tmp_path / "one"), load_profile(tmp_path / "two")
    ids = [first.deck_id, first.note_type_id, first.template_id, *first.field_ids]
    assert len(set(ids)) == 7 and all(1 << 30 <= i < 1 << 31 for i in ids)
    assert not set(ids) & {second.deck_id, second.note_type_id, second.template_id, *second.field_ids}
    assert first.guid_namespace != second.guid_namespace and first.guid_namespace.startswith("same.")


def test_the_templates_name_no_other_book():
    templates = Path(__file__).parent.parent / "ankigen/scaffold"
    text = "".join(p.read_text(encoding="utf-8") for p in templates.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for word in ("fastbook", "fastai", "18434"):
        assert word not in text.lower()


def test_fastbook_and_the_new_deck_share_one_collection(new_book, tmp_path, monkeypatch):
    fastbook = copy_project(PROJECT_ROOT, tmp_path / "fastbook")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(TIMESTAMP))
    for root in (fastbook, new_book):
        assert main(["build", "-q", "--root", str(root)]) == 0
    old, new = load_profile(fastbook), load_profile(new_book)
    (tmp_path / "learner").mkdir()
    col = Collection(os.fspath(tmp_path / "learner/collection.anki2"))
    try:
        old_notes = len(import_deck(col, fastbook / "dist" / old.package_name).log.new)
        new_notes = len(import_deck(col, new_book / "dist" / new.package_name).log.new)
        assert old_notes > 100 and new_notes == 2
        assert col.note_count() == old_notes + new_notes  # nothing merged: no GUID is shared

        note_types = {(m.name, m.id) for m in col.models.all_names_and_ids()}
        assert {(old.note_type_name, old.note_type_id), (new.note_type_name, new.note_type_id)} <= note_types
        assert old.note_type_name != new.note_type_name and old.note_type_id != new.note_type_id

        deck_names = [d.name for d in col.decks.all_names_and_ids()]
        new_decks = {n for n in deck_names if n.split("::")[0] == new.deck_name}
        old_decks = {n for n in deck_names if n.split("::")[0] == old.deck_name}
        assert new_decks == {"my-book", "my-book::01 Getting Started"} and old_decks
        assert set(deck_names) == {"Default"} | new_decks | old_decks

        new_ids = col.find_notes(f'"note:{new.note_type_name}"')
        answers = {col.get_note(nid)["ID"]: col.get_note(nid)["Answer"] for nid in new_ids}
        assert sorted(answers) == ["c01-q01", "c01-q02"]
        assert 'class="highlight"' in answers["c01-q01"]
        assert r"\(\frac{n(n+1)}{2}\)" in answers["c01-q02"] and r"\[\sum_{i=1}^{n} i" in answers["c01-q02"]
    finally:
        col.close()


def test_the_new_workflow_passes_the_schema_and_the_security_audit(new_book):
    workflow = str(new_book / ".github/workflows/ci.yml")
    schema = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", workflow], capture_output=True, text=True
    )
    assert schema.returncode == 0, schema.stdout + schema.stderr
    audit = subprocess.run([tool("zizmor"), "--offline", "--persona", "auditor", workflow], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "No findings to report" in audit.stdout + audit.stderr


def test_init_prints_the_created_files(tmp_path, capsys):
    assert main(["init", str(tmp_path / "book"), "--title", "Some Title"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in CREATED)
    assert load_profile(tmp_path / "book").book_title == "Some Title"


def test_init_fills_an_existing_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    assert main(["init", str(tmp_path / "empty")]) == 0
    assert load_profile(tmp_path / "empty").deck_name == "empty"
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]  # no staging folder left behind


def test_init_refuses_a_folder_that_is_not_empty(tmp_path, capsys):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    assert main(["init", str(folder)]) == 1
    assert "already exists and is not an empty folder" in capsys.readouterr().err
    assert [p.name for p in folder.iterdir()] == ["notes.txt"] and (folder / "notes.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


@pytest.mark.parametrize(
    ("folder", "name", "message"),
    [
        ("book", "my book", "deck name 'my book' is not usable"),
        ("book", "a::b", "deck name 'a::b' is not usable"),
        ("ÄÖÜ", None, "cannot make a deck name from the folder name"),
    ],
)
def test_an_unusable_deck_name_writes_nothing(tmp_path, folder, name, message):
    with pytest.raises(BuildError, match=message):
        scaffold(tmp_path / folder, name=name)
    assert list(tmp_path.iterdir()) == []


def test_a_title_the_profile_cannot_hold_writes_nothing(tmp_path, capsys):
    assert main(["init", str(tmp_path / "book"), "--title", "<b>Bold</b>"]) == 1
    assert "no valid profile" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
