"""Stage 5, package: rendered cards -> genanki notes and decks -> byte-reproducible .apkg files.

Identity lives here: note GUIDs come from the card IDs written in the source, deck ids from chapter
numbers, and every timestamp from the one build timestamp passed in.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .cards import Card, Chapter
from .files import SQLITE_PAGE_SIZE
from .media import MediaFile

GUID_NAMESPACE = "fastbook.ankigen"
PARENT_DECK_NAME = "fastbook"
PARENT_DECK_ID = 1843409200
BOOK_TITLE = "Deep Learning for Coders with fastai and PyTorch"
NOTEBOOK_URL = "https://github.com/fastai/fastbook/blob/master/{notebook}"
FURTHER_RESEARCH_TAG = "further-research"


@dataclass
class RenderedCard:
    card: Card
    question_html: str
    answer_html: str
    media: list[MediaFile]


@dataclass
class DeckPackage:
    """What one .apkg holds: some chapters' rendered cards and the media they use."""

    file_name: str
    chapters: list[tuple[Chapter, list[RenderedCard]]]

    @property
    def card_count(self) -> int:
        return sum(len(cards) for _, cards in self.chapters)

    @property
    def media(self) -> list[MediaFile]:
        unique = {m.name: m for _, cards in self.chapters for card in cards for m in card.media if not m.inline}
        return [unique[name] for name in sorted(unique)]


def note_guid(card: Card) -> str:
    """Derived from the permanent card ID only, so rewording or moving a card keeps its history."""
    return _guid_for_id(card.id.text)


@functools.cache  # filled ahead by prepare_packaging
def _guid_for_id(card_id: str) -> str:
    import genanki

    return genanki.guid_for(GUID_NAMESPACE, card_id)


def prepare_packaging(chapters: list[Chapter]) -> None:
    """Makes what packaging needs that the cards' HTML does not change: the note type and the notes'
    GUIDs. Done while render workers run, it is off a cold build's critical path."""
    from .notetype import build_note_type

    build_note_type()
    for chapter in chapters:
        for card in chapter.cards:
            note_guid(card)


def deck_name(chapter: Chapter) -> str:
    return f"{PARENT_DECK_NAME}::{chapter.number:02d} {chapter.title}"


def source_html(chapter: Chapter, card: Card) -> str:
    url = NOTEBOOK_URL.format(notebook=chapter.notebook)
    return (
        f"Chapter {chapter.number}, {card.id.describe()} &middot; "
        f'<a href="{url}">{chapter.notebook}</a>'
    )


def card_tags(chapter: Chapter, card: Card) -> list[str]:
    tags = [chapter.tag, *card.tags]
    if card.id.kind == "r" and FURTHER_RESEARCH_TAG not in tags:
        tags.append(FURTHER_RESEARCH_TAG)
    return tags


def package_format_version() -> str:
    """What shapes a package besides its cards: this code, the note type, its CSS and the libraries.

    Hashing the sources instead of building the CSS keeps a no-change build from loading Pygments.
    """
    from importlib import metadata

    here = Path(__file__).parent
    sources = [(here / name).read_text(encoding="utf-8") for name in ("package.py", "notetype.py", "card.css", "highlight.py")]
    versions = [metadata.version(name) for name in ("genanki", "Pygments")]
    return hashlib.sha256(json.dumps([sources, versions]).encode()).hexdigest()


def chapter_fingerprint(chapter: Chapter, cards: list[RenderedCard]) -> str:
    """A hash of what a chapter puts into any package: its deck and its notes' fields and tags."""
    digest = hashlib.sha256(json.dumps([chapter.number, chapter.title, chapter.notebook]).encode())
    for item in cards:
        fields = [item.card.id.text, item.question_html, item.answer_html, *card_tags(chapter, item.card)]
        digest.update(("\x1f".join(fields) + "\x1e").encode())  # separators that no field contains
    return digest.hexdigest()


def package_fingerprint(
    package: DeckPackage, chapter_fingerprints: dict[int, str], format_version: str, version: str, timestamp: int
) -> str:
    """A hash of everything a package's bytes depend on: an unchanged fingerprint needs no rewrite.
    Chapters come as their fingerprints (by number), each hashed once for all the packages."""
    chapters = [chapter_fingerprints[chapter.number] for chapter, _ in package.chapters]
    media = [m.name for m in package.media]  # names carry a content hash
    parts = [version, timestamp, format_version, package.file_name, chapters, media]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def write_apkg_files(
    everything: list[tuple[Chapter, list[RenderedCard]]], packages: list[DeckPackage], folder: Path, version: str, timestamp: int
) -> None:
    """Writes each package into folder; equal inputs give equal bytes (ids, zip order and times are fixed).

    Every note is written once, into a scratch collection of all chapters, so a note has the same
    id in every package. A package of fewer chapters copies its notes from there with SQL; SQLite
    and zlib let go of the GIL, so threads spread the copying and compressing over the cores.
    """
    from concurrent.futures import ThreadPoolExecutor

    if not packages:
        return
    built_on = datetime.fromtimestamp(timestamp, timezone.utc)
    every_number = [chapter.number for chapter, _ in everything]
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        collection = Path(scratch) / "everything.anki2"
        with _scratch_database(collection) as cursor:
            _write_collection(cursor, everything, version, built_on, timestamp)

        def write_one(package: DeckPackage) -> None:
            database = collection
            if [chapter.number for chapter, _ in package.chapters] != every_number:
                database = Path(scratch) / f"{package.file_name}.anki2"
                with _scratch_database(database) as cursor:
                    _copy_collection(cursor, package.chapters, collection, version, built_on, timestamp)
            entries = [
                ("collection.anki2", database),
                ("media", json.dumps({str(i): m.name for i, m in enumerate(package.media)}).encode()),
            ]
            entries += [(str(i), m.path) for i, m in enumerate(package.media)]
            _write_zip(folder / package.file_name, entries, built_on)

        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            list(pool.map(write_one, packages))  # list(): an error in any thread is raised here


@contextlib.contextmanager
def _scratch_database(path: Path) -> Iterator[sqlite3.Cursor]:
    connection = sqlite3.connect(path)
    # A scratch file: no journal and no fsync (the speed of memory), without holding a large
    # collection in memory twice.
    connection.execute(f"pragma page_size = {SQLITE_PAGE_SIZE}")
    connection.execute("pragma journal_mode = off")
    connection.execute("pragma synchronous = off")
    try:
        yield connection.cursor()
        connection.commit()
    finally:
        connection.close()


def _write_collection(
    cursor: sqlite3.Cursor, chapters: list[tuple[Chapter, list[RenderedCard]]], version: str, built_on: datetime, timestamp: int
) -> None:
    """What genanki.Package.write_to_db writes, with the notes and cards inserted in two batches."""
    _write_decks(cursor, chapters, version, built_on, timestamp)
    insert_notes_and_cards(cursor, chapters, timestamp)


# The rows genanki.Note.write_to_db inserts for each card, made directly: a genanki Note checks its
# fields and works out its cards from the templates, note by note, which took most of the packaging
# time of a large deck. A test compares these rows with genanki's own. Like genanki, ids count up
# from the timestamp, a note's card right after it. The note type has one template, shown when
# Question is not empty (checks make sure it never is), so each note has one card, ord 0. Rows are
# made one at a time, as SQLite takes them, so that a large deck's fields are never all in memory.


def insert_notes_and_cards(cursor: sqlite3.Cursor, chapters: list[tuple[Chapter, list[RenderedCard]]], timestamp: int) -> None:
    cursor.executemany("insert into notes values (?,?,?,?,?,?,?,?,?,?,?)", _note_rows(chapters, timestamp))
    cursor.executemany("insert into cards values (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", _card_rows(chapters, timestamp))


def _note_rows(chapters: list[tuple[Chapter, list[RenderedCard]]], timestamp: int) -> Iterator[tuple]:
    from .notetype import MODEL_ID

    for index, (chapter, item) in enumerate(_every_card(chapters)):
        card_id = item.card.id.text
        fields = "\x1f".join([card_id, item.question_html, item.answer_html, source_html(chapter, item.card)])
        tags = " " + " ".join(card_tags(chapter, item.card)) + " "
        # id, guid, mid, mod, usn, tags, flds, sfld (the ID field), csum, flags, data
        yield (_note_id(timestamp, index), note_guid(item.card), MODEL_ID, timestamp, -1, tags, fields, card_id, 0, 0, "")


def _card_rows(chapters: list[tuple[Chapter, list[RenderedCard]]], timestamp: int) -> Iterator[tuple]:
    for index, (chapter, _) in enumerate(_every_card(chapters)):
        note_id = _note_id(timestamp, index)
        # id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses, left, odue, odid, flags, data
        yield (note_id + 1, note_id, PARENT_DECK_ID + chapter.number, 0, timestamp, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "")


def _note_id(timestamp: int, index: int) -> int:
    return timestamp * 1000 + 2 * index  # the note's card takes the id after it


def _every_card(chapters: list[tuple[Chapter, list[RenderedCard]]]) -> Iterator[tuple[Chapter, RenderedCard]]:
    return ((chapter, item) for chapter, rendered in chapters for item in rendered)


def _copy_collection(
    cursor: sqlite3.Cursor,
    chapters: list[tuple[Chapter, list[RenderedCard]]],
    source: Path,
    version: str,
    built_on: datetime,
    timestamp: int,
) -> None:
    """These chapters' decks, and their notes and cards as the collection of every chapter has them."""
    _write_decks(cursor, chapters, version, built_on, timestamp)
    deck_ids = [PARENT_DECK_ID + chapter.number for chapter, _ in chapters]
    wanted = ",".join("?" * len(deck_ids))
    cursor.execute("attach database ? as source", (str(source),))
    cursor.execute(
        f"insert into notes select * from source.notes where id in (select nid from source.cards where did in ({wanted})) order by id",
        deck_ids,
    )
    cursor.execute(f"insert into cards select * from source.cards where did in ({wanted}) order by id", deck_ids)
    cursor.connection.commit()
    cursor.execute("detach database source")


def _write_decks(
    cursor: sqlite3.Cursor, chapters: list[tuple[Chapter, list[RenderedCard]]], version: str, built_on: datetime, timestamp: int
) -> None:
    """The collection's schema, settings, note type and decks (the parent and one per chapter)."""
    import genanki
    from genanki.apkg_col import APKG_COL
    from genanki.apkg_schema import APKG_SCHEMA

    from .notetype import build_note_type

    note_type = build_note_type()
    cursor.executescript(APKG_SCHEMA)
    cursor.executescript(APKG_COL)
    no_notes = iter(())  # our decks hold no genanki notes: notes are written separately
    genanki.Deck(PARENT_DECK_ID, PARENT_DECK_NAME, description=_description(None, version, built_on)).write_to_db(
        cursor, timestamp, no_notes
    )
    for chapter, rendered in chapters:
        deck = genanki.Deck(PARENT_DECK_ID + chapter.number, deck_name(chapter), description=_description(chapter, version, built_on))
        if rendered:
            deck.add_model(note_type)  # genanki registers the model of a deck that has notes
        deck.write_to_db(cursor, timestamp, no_notes)


def _description(chapter: Chapter | None, version: str, built_on: datetime) -> str:
    subject = f"Chapter {chapter.number}, <i>{chapter.title}</i>, of" if chapter else "The end-of-chapter questionnaires of"
    return (
        f"{subject} <i>{BOOK_TITLE}</i> as flashcards.<br>"
        f"Deck version {version}, built {built_on:%Y-%m-%d}."
    )


def _write_zip(path: Path, entries: list[tuple[str, bytes | Path]], built_on: datetime) -> None:
    """Fixed names, order, times and modes; file contents are streamed, not read into memory."""
    date_time = max(built_on, datetime(1980, 1, 1, tzinfo=timezone.utc)).timetuple()[:6]  # zip starts at 1980
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            # Level 1 compresses in less than half the time of zlib's default 6, for files about a
            # quarter bigger. An entry takes its level from its ZipInfo (named compress_level from
            # Python 3.13, which keeps this name too).
            info._compresslevel = 1
            info.external_attr = 0o644 << 16
            if isinstance(content, Path):
                with content.open("rb") as source, archive.open(info, "w") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
            else:
                archive.writestr(info, content)
