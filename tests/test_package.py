import sqlite3
import zipfile

import genanki
import pytest
from genanki.apkg_schema import APKG_SCHEMA

from ankigen import pipeline
from ankigen.cli import main
from ankigen.errors import Report
from ankigen.files import SQLITE_PAGE_SIZE
from ankigen.package import fast_rows
from ankigen.package.notes import insert_with_genanki, note_guid
from ankigen.profile import load_profile
from ankigen.read import read_sources
from ankigen.render.media import resolve_media
from conftest import PROJECT_ROOT, TIMESTAMP, chapter_text, copy_project


def read_chapters(root):
    report = Report()
    chapters = read_sources(root / "source", load_profile(root), report)
    assert report.ok
    return chapters


def test_guid_depends_on_the_card_id_only(make_project):
    first = make_project({"source/05_a.md": chapter_text("## Old wording? {#c05-q01}\n\nOld answer.\n")})
    [before] = read_chapters(first)[0].cards
    (first / "source/05_a.md").write_text(
        chapter_text("## Inserted? {#c05-q02}\n\nNew.\n\n## New wording? {#c05-q01}\n\nNew answer.\n")
    )
    inserted, after = read_chapters(first)[0].cards
    profile = load_profile(first)
    assert note_guid(profile, after) == note_guid(profile, before)
    assert note_guid(profile, inserted) != note_guid(profile, before)


def test_guids_are_genankis_for_the_profiles_namespace_and_the_card_id(good_project):
    cards = [card for chapter in read_chapters(good_project) for card in chapter.cards]
    profile = load_profile(good_project)
    # The formula may never change: a learner's notes are matched by it.
    assert [note_guid(profile, card) for card in cards] == [genanki.guid_for("fastbook.ankigen", card.id.text) for card in cards]


def test_media_names_are_namespaced_unique_and_follow_content(good_project):
    chapters = read_chapters(good_project)
    media = resolve_media(chapters, good_project / "media", "fastbook", Report())
    red = media["c01-q03"]["../media/dot.png"].name
    blue = media["c02-q01"]["../media/diagrams/dot.png"].name
    assert red.startswith("fastbook-dot-") and red.endswith(".png")
    assert blue.startswith("fastbook-dot-") and red != blue
    (good_project / "media/diagrams/dot.png").write_bytes((good_project / "media/dot.png").read_bytes())
    same = resolve_media(chapters, good_project / "media", "fastbook", Report())
    assert same["c02-q01"]["../media/diagrams/dot.png"].name == red


def test_two_builds_of_the_same_input_are_byte_identical(good_project, fixed_time, tmp_path):
    assert main(["-q", "--root", str(good_project)]) == 0
    first = {p.name: p.read_bytes() for p in (good_project / "dist").glob("*.apkg")}
    other = tmp_path / "copy"
    good_project.rename(other)
    assert main(["-q", "--root", str(other)]) == 0
    second = {p.name: p.read_bytes() for p in (other / "dist").glob("*.apkg")}
    assert sorted(first) == ["fastbook-01-first-steps.apkg", "fastbook-02-second-steps.apkg", "fastbook.apkg"]
    assert first == second


def test_a_later_timestamp_gives_newer_notes(good_project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    main(["-q", "--root", str(good_project)])
    older = (good_project / "dist/fastbook.apkg").read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    main(["-q", "--root", str(good_project)])
    assert (good_project / "dist/fastbook.apkg").read_bytes() != older
    assert note_times(good_project / "dist/fastbook.apkg", good_project) == {1800000000}


def note_times(apkg, tmp):
    with zipfile.ZipFile(apkg) as archive:
        (tmp / "col.sqlite").write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(tmp / "col.sqlite") as db:
        return {mod for (mod,) in db.execute("select mod from notes")}


def collection_rows(apkg, tmp, sql):
    with zipfile.ZipFile(apkg) as archive:
        (tmp / "rows.sqlite").write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(tmp / "rows.sqlite") as db:
        rows = db.execute(sql).fetchall()
    (tmp / "rows.sqlite").unlink()
    return rows


def test_a_chapter_package_holds_exactly_that_chapters_notes_and_cards_from_the_whole_deck(good_project, fixed_time, tmp_path):
    main(["-q", "--root", str(good_project)])
    dist = good_project / "dist"
    whole_notes = collection_rows(dist / "fastbook.apkg", tmp_path, "select * from notes order by id")
    whole_cards = collection_rows(dist / "fastbook.apkg", tmp_path, "select * from cards order by id")
    for number, package in ((1, "fastbook-01-first-steps.apkg"), (2, "fastbook-02-second-steps.apkg")):
        deck_id = 1843409200 + number
        cards = [card for card in whole_cards if card[2] == deck_id]
        notes = [note for note in whole_notes if note[0] in {card[1] for card in cards}]
        assert cards and notes
        assert collection_rows(dist / package, tmp_path, "select * from cards order by id") == cards
        assert collection_rows(dist / package, tmp_path, "select * from notes order by id") == notes
        decks = collection_rows(dist / package, tmp_path, "select decks from col")[0][0]
        assert str(deck_id) in decks and str(1843409200 + 3 - number) not in decks
    for package in ("fastbook.apkg", "fastbook-01-first-steps.apkg"):
        assert collection_rows(dist / package, tmp_path, "pragma page_size") == [(SQLITE_PAGE_SIZE,)]
    with sqlite3.connect(dist / ".cache/render.sqlite3") as cache:
        assert cache.execute("pragma page_size").fetchall() == [(SQLITE_PAGE_SIZE,)]


def test_zip_entries_are_compressed_in_fixed_order_with_fixed_times(good_project, fixed_time):
    main(["-q", "--root", str(good_project)])
    with zipfile.ZipFile(good_project / "dist/fastbook.apkg") as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["collection.anki2", "media", "0", "1", "2", "3"]
    assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED}
    assert {i.date_time for i in infos} == {(2023, 11, 14, 22, 13, 20)}


def test_build_time_comes_from_the_last_commit(good_project, monkeypatch):
    import subprocess

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    env = {"GIT_AUTHOR_DATE": "@1750000000 +0000", "GIT_COMMITTER_DATE": "@1750000000 +0000"}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=good_project, check=True)
    subprocess.run([*git, "add", "."], cwd=good_project, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "cards"], cwd=good_project, check=True, env={**env, "PATH": "/usr/bin:/bin"})
    assert main(["-q", "--root", str(good_project)]) == 0
    assert note_times(good_project / "dist/fastbook.apkg", good_project) == {1750000000}


@pytest.mark.parametrize("project", ["fixture", "real deck"])
def test_note_and_card_rows_are_the_rows_genanki_writes(project, good_project, tmp_path):
    root = good_project if project == "fixture" else copy_project(PROJECT_ROOT, tmp_path / "real")
    project = pipeline.Project.load(root)
    report, rendered = pipeline.render_project(project, None, "cpu")
    assert report.ok and rendered
    ours, theirs = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    for db in (ours, theirs):
        db.executescript(APKG_SCHEMA)
    assert fast_rows.usable()
    fast_rows.insert_notes_and_cards(ours.cursor(), rendered, project.profile, TIMESTAMP)
    insert_with_genanki(theirs.cursor(), rendered, project.profile, TIMESTAMP)
    for table in ("notes", "cards"):
        expected = theirs.execute(f"select * from {table} order by id").fetchall()
        assert ours.execute(f"select * from {table} order by id").fetchall() == expected
        assert len(expected) == sum(len(items) for _, items in rendered)
