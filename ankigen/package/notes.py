"""Package: the notes and cards of a collection, one per card, as genanki writes them (the reference).

Identity lives here: a note's GUID comes from its card ID alone (so rewording or moving a card
keeps its history), its deck from its chapter number, and every time from the build timestamp.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator

from ..model import Card, Chapter
from ..profile import Profile
from ..render import RenderedCard
from ..render.sanitize import sanitize_tag
from . import fast_rows
from .notetype import build_note_type


def note_guid(profile: Profile, card: Card) -> str:
    import genanki

    return genanki.guid_for(profile.guid_namespace, card.id.text)


def card_tags(profile: Profile, chapter: Chapter, card: Card) -> list[str]:
    tags = [profile.chapter_tag(chapter.number), *card.tags]
    if card.release:  # only one release tag: Anki replaces a note's tags on update, so an older one goes
        tags.append(profile.release_tag(card.release))
    kind = profile.kind(card.id.kind)
    if kind is not None and kind.tag and kind.tag not in tags:
        tags.append(kind.tag)
    return [sanitize_tag(tag) for tag in tags]


def note_fields(item: RenderedCard) -> list[str]:
    """In the note type's field order: ID, Question, Answer, Source (all sanitised by the renderer)."""
    return [item.card.id.text, item.question_html, item.answer_html, item.source_html]


def every_card(chapters: list[tuple[Chapter, list[RenderedCard]]]) -> Iterator[tuple[Chapter, RenderedCard]]:
    return ((chapter, item) for chapter, rendered in chapters for item in rendered)


def insert_notes_and_cards(cursor: sqlite3.Cursor, chapters: list[tuple[Chapter, list[RenderedCard]]], profile: Profile, timestamp: int) -> None:
    """Every card's note and card rows; the same rows either way (a test compares them)."""
    if fast_rows.usable():
        fast_rows.insert_notes_and_cards(cursor, chapters, profile, timestamp)
    else:
        insert_with_genanki(cursor, chapters, profile, timestamp)


def insert_with_genanki(cursor: sqlite3.Cursor, chapters: list[tuple[Chapter, list[RenderedCard]]], profile: Profile, timestamp: int) -> None:
    """The reference: one genanki Note per card. Ids count up from the timestamp, a note's card right after it."""
    import genanki

    model = build_note_type(profile)
    ids = itertools.count(timestamp * 1000)
    for chapter, item in every_card(chapters):
        note = genanki.Note(model=model, fields=note_fields(item), tags=card_tags(profile, chapter, item.card), guid=note_guid(profile, item.card))
        note.write_to_db(cursor, timestamp, profile.deck_id + chapter.number, ids)
