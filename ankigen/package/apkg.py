"""Package: rendered chapters -> byte-reproducible .apkg files (a collection database and media in a zip).

Equal inputs give equal bytes: ids, names, zip order, times and modes are all fixed, and every
time comes from the one build timestamp passed in.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..files import SQLITE_PAGE_SIZE
from ..model import Chapter
from ..profile import Profile
from ..render import RenderedCard
from ..render.media import MediaFile
from ..render.sanitize import sanitize_deck_name, sanitize_html
from .notes import insert_notes_and_cards
from .notetype import build_note_type

# Level 1 compresses in less than half the time of zlib's default 6, for files about a quarter bigger.
ZIP_LEVEL = 1


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


def deck_name(profile: Profile, chapter: Chapter) -> str:
    return f"{profile.deck_name}::{chapter.number:02d} {sanitize_deck_name(chapter.title)}"


def write_apkg_files(
    everything: list[tuple[Chapter, list[RenderedCard]]], packages: list[DeckPackage], folder: Path, profile: Profile, timestamp: int
) -> None:
    """Writes each package into folder; equal inputs give equal bytes (ids, zip order and times are fixed).

    Every note is written once, into a scratch collection of all chapters, so a note has the same
    id in every package. Each package copies its notes from there with SQL; SQLite
    and zlib let go of the GIL, so threads spread the copying and compressing over the cores.
    """
    from concurrent.futures import ThreadPoolExecutor

    if not packages:
        return
    built_on = datetime.fromtimestamp(timestamp, timezone.utc)
    with tempfile.TemporaryDirectory(dir=folder) as scratch:
        collection = Path(scratch) / "everything.anki2"
        with _scratch_database(collection) as cursor:
            _write_decks(cursor, everything, profile, built_on, timestamp)
            insert_notes_and_cards(cursor, everything, profile, timestamp)

        def write_one(package: DeckPackage) -> None:
            # Every package's database is a copy, rows in id order, so its bytes depend on its rows
            # alone and not on how the scratch collection was written (genanki or direct rows).
            database = Path(scratch) / f"{package.file_name}.anki2"
            with _scratch_database(database) as cursor:
                _copy_collection(cursor, package.chapters, collection, profile, built_on, timestamp)
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


def _copy_collection(
    cursor: sqlite3.Cursor,
    chapters: list[tuple[Chapter, list[RenderedCard]]],
    source: Path,
    profile: Profile,
    built_on: datetime,
    timestamp: int,
) -> None:
    """These chapters' decks, and their notes and cards as the collection of every chapter has them."""
    _write_decks(cursor, chapters, profile, built_on, timestamp)
    deck_ids = [profile.deck_id + chapter.number for chapter, _ in chapters]
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
    cursor: sqlite3.Cursor, chapters: list[tuple[Chapter, list[RenderedCard]]], profile: Profile, built_on: datetime, timestamp: int
) -> None:
    """The collection's schema, settings, note type and decks (the root and one per chapter)."""
    import genanki
    from genanki.apkg_col import APKG_COL
    from genanki.apkg_schema import APKG_SCHEMA

    note_type = build_note_type(profile)
    cursor.executescript(APKG_SCHEMA)
    cursor.executescript(APKG_COL)
    no_notes = iter(())  # our decks hold no genanki notes: notes are written separately
    root = genanki.Deck(profile.deck_id, profile.deck_name, description=_description(profile, None, built_on))
    root.write_to_db(cursor, timestamp, no_notes)
    for chapter, rendered in chapters:
        deck = genanki.Deck(profile.deck_id + chapter.number, deck_name(profile, chapter), description=_description(profile, chapter, built_on))
        if rendered:
            deck.add_model(note_type)  # genanki registers the model of a deck that has notes
        deck.write_to_db(cursor, timestamp, no_notes)


def _description(profile: Profile, chapter: Chapter | None, built_on: datetime) -> str:
    """The deck's description, HTML made from escaped text and passed through the one sanitiser."""
    subject = f"Chapter {chapter.number}, <i>{html.escape(chapter.title)}</i>, of" if chapter else "The chapters of"
    return sanitize_html(
        f"{subject} <i>{html.escape(profile.book_title)}</i> as flashcards.<br>"
        f"Deck version {html.escape(profile.version)}, built {built_on:%Y-%m-%d}."
    )


def _write_zip(path: Path, entries: list[tuple[str, bytes | Path]], built_on: datetime) -> None:
    """Fixed names, order, times and modes."""
    date_time = max(built_on, datetime(1980, 1, 1, tzinfo=timezone.utc)).timetuple()[:6]  # zip starts at 1980
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            data = content.read_bytes() if isinstance(content, Path) else content
            archive.writestr(info, data, compresslevel=ZIP_LEVEL)
