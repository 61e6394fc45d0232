"""Built decks imported with the real Anki engine (the `anki` package), as a learner's Anki does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.import_export_pb2 import ImportAnkiPackageUpdateCondition
from anki.scheduler.v3 import CardAnswer

from ankigen.profile import load_profile
from ankigen.cli import main
from conftest import set_version

IF_NEWER = ImportAnkiPackageUpdateCondition.IMPORT_ANKI_PACKAGE_UPDATE_CONDITION_IF_NEWER


@pytest.fixture
def collection(tmp_path: Path):
    folder = tmp_path / "learner"
    folder.mkdir()
    col = Collection(os.fspath(folder / "collection.anki2"))
    yield col
    col.close()


def build(root: Path, timestamp: int, monkeypatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(timestamp))
    assert main(["-q", "--root", str(root)]) == 0
    return root / "dist"


def import_deck(col: Collection, apkg: Path):
    """Imports with the options Anki offers by default: update notes and note types if newer."""
    options = ImportAnkiPackageOptions(update_notes=IF_NEWER, update_notetypes=IF_NEWER, with_scheduling=False)
    return col.import_anki_package(ImportAnkiPackageRequest(package_path=os.fspath(apkg), options=options))


def note_by_id(col: Collection, card_id: str):
    [note_id] = col.find_notes(f'"ID:{card_id}"')
    return col.get_note(note_id)


def test_deck_imports_with_notes_decks_tags_and_media(good_project, monkeypatch, collection):
    dist = build(good_project, 1_700_000_000, monkeypatch)
    import_deck(collection, dist / "fastbook.apkg")

    assert collection.note_count() == 8
    assert collection.card_count() == 8
    names = sorted(d.name for d in collection.decks.all_names_and_ids())
    assert names == ["Default", "fastbook", "fastbook::01 First Steps", "fastbook::02 Second Steps"]
    chapter_deck = collection.decks.by_name("fastbook::01 First Steps")
    assert f"Deck version {load_profile(good_project).version}" in chapter_deck["desc"]
    assert len(collection.find_cards('"deck:fastbook::01 First Steps"')) == 4

    release = "fastbook::updated::v0.1.0"  # no release is locked yet: every card is new in this one
    assert note_by_id(collection, "c01-q02").tags == ["code", "fastbook::ch01", release, "python"]
    assert note_by_id(collection, "c01-r01").tags == ["fastbook::ch01", release, "further-research"]
    assert note_by_id(collection, "c02-x01").tags == ["extra", "fastbook::ch02", release]

    media_dir = Path(collection.media.dir())
    image_names = sorted(p.name for p in media_dir.iterdir())
    dots = [n for n in image_names if n.startswith("fastbook-dot-")]
    relu, relu_night = [n for n in image_names if n.startswith("fastbook-relu-")]
    assert len(image_names) == 4 and len(dots) == 2 and relu_night.startswith("fastbook-relu-night-")
    assert (media_dir / dots[0]).read_bytes() != (media_dir / dots[1]).read_bytes()
    assert (media_dir / relu).read_bytes() == (good_project / "media/figures/relu.svg").read_bytes()
    assert (media_dir / relu_night).read_bytes() == (good_project / "media/figures/relu.night.svg").read_bytes()
    referenced = " ".join(note_by_id(collection, i)["Answer"] for i in ("c01-q03", "c02-q01"))
    assert all(f'src="{name}"' in referenced for name in image_names)


def test_every_card_renders_with_math_code_and_source_link(good_project, monkeypatch, collection):
    import_deck(collection, build(good_project, 1_700_000_000, monkeypatch) / "fastbook.apkg")
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        question, answer = without_css(card.question()), without_css(card.answer())
        note = card.note()
        # Exactly the template filled in: a template error or a missing field would show here.
        assert question == f'<div class="question">{note["Question"]}</div>'
        assert answer == (
            f'<div class="question">{note["Question"]}</div>\n<hr id="answer">\n'
            f'<div class="answer">{note["Answer"]}</div>\n<div class="source">{note["Source"]}</div>'
        )
    math = note_by_id(collection, "c01-q01")
    assert r"\(a_1 * b_2\)" in math["Question"]
    assert r"\(a_1 * b_2 + \alpha\)" in math["Answer"]
    assert r"\[\sum_{i=1}^{n} x_i^2 \le \frac{a}{b}\]" in math["Answer"]
    assert "snake_case_name" in math["Answer"]
    code = note_by_id(collection, "c01-q02")["Answer"]
    assert '<span class="c1">## not a new card</span>' in code
    assert "<table>" in note_by_id(collection, "c01-q03")["Answer"]
    assert 'href="https://github.com/fastai/fastbook/blob/master/01_intro.ipynb"' in math["Source"]
    css = collection.models.by_name("fastbook (ankigen)")["css"]
    assert ".nightMode .highlight" in css and ".night_mode .highlight" in css
    assert "<script" not in css + collection.models.by_name("fastbook (ankigen)")["tmpls"][0]["afmt"]


def without_css(rendered: str) -> str:
    """The card's HTML without the <style> block Anki puts in front of it."""
    assert rendered.startswith("<style>")
    return rendered.split("</style>", 1)[1]


def study(col: Collection, deck: str, count: int) -> dict[int, tuple]:
    """Answers `count` cards 'Good' with the v3 scheduler; returns each card's review state."""
    col.decks.set_current(col.decks.id_for_name(deck))
    studied = {}
    for _ in range(count):
        top = col.sched.get_queued_cards().cards[0]
        card = col.get_card(top.card.id)
        card.start_timer()
        col.sched.answer_card(col.sched.build_answer(card=card, states=top.states, rating=CardAnswer.GOOD))
        studied[card.id] = review_state(col, card.id)
    return studied


def review_state(col: Collection, card_id: int) -> tuple:
    card = col.get_card(card_id)
    return (card.type, card.queue, card.due, card.ivl, card.reps, card.did, card.nid)


def test_a_newer_release_updates_cards_and_keeps_review_progress(good_project, monkeypatch, collection):
    import_deck(collection, build(good_project, 1_700_000_000, monkeypatch) / "fastbook.apkg")
    studied = study(collection, "fastbook::01 First Steps", 2)
    assert all(state[4] == 1 for state in studied.values())  # each was reviewed once
    studied_ids = {collection.get_card(cid).note()["ID"] for cid in studied}

    # The next release: one answer edited, one question reworded and moved, one card added.
    first = good_project / "source/01_first_steps.md"
    text = first.read_text()
    text = text.replace("It stays **snake_case_name**", "It remains **snake_case_name**")
    first.write_text(text)
    second = good_project / "source/02_second_steps.md"
    second.write_text(
        second.read_text().replace("Is a second image", "Does a second image")
        + "\n## A brand-new question? {#c02-x03}\n\nA brand-new answer.\n"
    )
    result = import_deck(collection, build(good_project, 1_800_000_000, monkeypatch) / "fastbook.apkg")

    assert len(result.log.new) == 1 and len(result.log.updated) == 8 and not result.log.duplicate
    assert collection.note_count() == 9 and collection.card_count() == 9
    for card_id, state in studied.items():
        assert review_state(collection, card_id) == state
    assert {collection.get_card(cid).note()["ID"] for cid in studied} == studied_ids
    assert "It remains <strong>snake_case_name</strong>" in note_by_id(collection, "c01-q01")["Answer"]
    assert note_by_id(collection, "c02-q01")["Question"].startswith("Does a second image")
    assert note_by_id(collection, "c02-x03")["Answer"] == "<p>A brand-new answer.</p>"
    guids = [collection.get_note(nid).guid for nid in collection.find_notes("")]
    assert len(guids) == len(set(guids)) == 9


def test_a_release_tags_what_it_changed_keeps_progress_and_marks_retired_cards(good_project, monkeypatch, collection):
    assert main(["lock", "-q", "--root", str(good_project)]) == 0  # v0.1.0 is released
    import_deck(collection, build(good_project, 1_700_000_000, monkeypatch) / "fastbook.apkg")
    studied = study(collection, "fastbook::01 First Steps", 4)  # every card of chapter 1
    assert collection.find_notes("tag:fastbook::updated::v0.1.0") == collection.find_notes("")

    # v0.2.0: one answer changed, one card added, one retired.
    set_version(good_project, "0.2.0")
    first = good_project / "source/01_first_steps.md"
    first.write_text(
        first.read_text()
        .replace("It stays **snake_case_name**", "It remains **snake_case_name**")
        .replace("{#c01-q02 tags=code,python}", "{#c01-q02 tags=code,python,retired}")
    )
    second = good_project / "source/02_second_steps.md"
    second.write_text(second.read_text() + "\n## A brand-new question? {#c02-x03}\n\nA brand-new answer.\n")
    result = import_deck(collection, build(good_project, 1_800_000_000, monkeypatch) / "fastbook.apkg")

    assert len(result.log.new) == 1 and not result.log.duplicate
    assert collection.note_count() == collection.card_count() == 9
    guids = [collection.get_note(nid).guid for nid in collection.find_notes("")]
    assert len(set(guids)) == 9
    for card_id, state in studied.items():
        assert review_state(collection, card_id) == state
    changed, added, retired = (note_by_id(collection, i) for i in ("c01-q01", "c02-x03", "c01-q02"))
    assert "It remains <strong>snake_case_name</strong>" in changed["Answer"]
    updated = {collection.get_note(nid)["ID"] for nid in collection.find_notes("tag:fastbook::updated::v0.2.0")}
    assert updated == {"c01-q01", "c01-q02", "c02-x03"}
    assert "fastbook::updated::v0.1.0" not in changed.tags  # a note carries the release that last changed it
    assert len(collection.find_notes("tag:fastbook::updated::v0.1.0")) == 6
    assert "retired" in retired.tags
    [retired_card] = retired.cards()
    front = retired_card.question()
    assert "Retired: no longer part of the deck." in front
    assert front.index("Retired:") < front.index("Which code prints a heading marker?")
    assert "Retired" not in note_by_id(collection, "c01-q03").cards()[0].question()
    assert added["Answer"] == "<p>A brand-new answer.</p>"


def test_chapter_and_all_chapter_decks_share_notes(good_project, monkeypatch, collection):
    dist = build(good_project, 1_700_000_000, monkeypatch)
    import_deck(collection, dist / "fastbook-01-first-steps.apkg")
    assert collection.note_count() == 4
    result = import_deck(collection, dist / "fastbook.apkg")
    assert collection.note_count() == 8
    assert len(result.log.new) == 4 and len(result.log.duplicate) == 4


def test_importing_an_older_release_does_not_overwrite_newer_notes(good_project, monkeypatch, collection):
    old = build(good_project, 1_700_000_000, monkeypatch) / "fastbook.apkg"
    old_copy = old.with_name("old.apkg")
    old.rename(old_copy)
    first = good_project / "source/01_first_steps.md"
    first.write_text(first.read_text().replace("It stays", "It remains"))
    import_deck(collection, build(good_project, 1_800_000_000, monkeypatch) / "fastbook.apkg")
    import_deck(collection, old_copy)
    assert "It remains" in note_by_id(collection, "c01-q01")["Answer"]
