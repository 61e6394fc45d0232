"""Fast path: note and card rows made directly (reference: one genanki Note per card, in `notes.py`).

A genanki Note checks its fields and works out its cards from the templates, note by note, which
took most of the packaging time of a large deck. These are the rows genanki's Note.write_to_db
inserts, made as SQLite takes them, so that a large deck's fields are never all in memory. The
note type has one template, shown when Question is not empty (checks make sure it never is), so
each note has one card, ord 0. Since it copies genanki's row layout, it runs only with the genanki
version it was tested with.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from .. import speedups
from ..model import Chapter
from ..profile import Profile
from ..render import RenderedCard
from . import notes

TESTED = {"genanki": ("0.13.1",)}


def usable() -> bool:
    return speedups.usable(TESTED)


def insert_notes_and_cards(cursor: sqlite3.Cursor, chapters: list[tuple[Chapter, list[RenderedCard]]], profile: Profile, timestamp: int) -> None:
    cursor.executemany("insert into notes values (?,?,?,?,?,?,?,?,?,?,?)", _note_rows(chapters, profile, timestamp))
    cursor.executemany("insert into cards values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", _card_rows(chapters, profile, timestamp))


def _note_rows(chapters: list[tuple[Chapter, list[RenderedCard]]], profile: Profile, timestamp: int) -> Iterator[tuple]:
    for index, (chapter, item) in enumerate(notes.every_card(chapters)):
        card_id = item.card.id.text
        fields = "\x1f".join(notes.note_fields(item))
        tags = " " + " ".join(notes.card_tags(profile, chapter, item.card)) + " "
        guid = notes.note_guid(profile, item.card)
        # id, guid, mid, mod, usn, tags, flds, sfld (the ID field), csum, flags, data
        yield (_note_id(timestamp, index), guid, profile.note_type_id, timestamp, -1, tags, fields, card_id, 0, 0, "")


def _card_rows(chapters: list[tuple[Chapter, list[RenderedCard]]], profile: Profile, timestamp: int) -> Iterator[tuple]:
    for index, (chapter, _) in enumerate(notes.every_card(chapters)):
        note_id = _note_id(timestamp, index)
        # id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses, left, odue, odid, flags, data
        yield (note_id + 1, note_id, profile.deck_id + chapter.number, 0, timestamp, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "")


def _note_id(timestamp: int, index: int) -> int:
    return timestamp * 1000 + 2 * index  # the note's card takes the id after it
