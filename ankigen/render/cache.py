"""Render: the render cache in dist/.cache, so that a card is rendered again only when something it depends on changed.

A job's key hashes the card's text, what it refers to (image names, inline figures, code outputs)
and the output fingerprint (the engine's code, the profile, the library versions). An unreadable
cache is simply empty.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..files import SQLITE_PAGE_SIZE

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class RenderJob:
    """What one card's rendering depends on, and nothing else (it travels to worker processes)."""

    card_id: str
    location: str
    question: str
    answer: str
    source: str  # the Source field's HTML, before sanitising
    notice: str = ""  # HTML the engine puts above the question (a retired card's notice), before sanitising
    image_names: tuple[tuple[str, str], ...] = ()
    night_image_names: tuple[tuple[str, str], ...] = ()  # src -> the night version's media name
    inline_html: tuple[tuple[str, str], ...] = ()
    outputs: tuple[tuple[str, str, bool], ...] = ()  # (code, output, raised) of the card's run blocks

    def key(self, fingerprint: str) -> str:
        parts = [fingerprint, self.question, self.answer, self.source, self.notice, json.dumps([self.image_names, self.night_image_names, self.inline_html, self.outputs])]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()  # \x1f: a separator no text contains


class RenderCache:
    """key -> (question, answer, source HTML) in SQLite; an unreadable cache is simply empty."""

    def __init__(self, path: Path | None):
        self.path = path
        self.db: sqlite3.Connection | None = None
        self.empty = True  # a new cache: nothing to look up or to delete

    def __enter__(self) -> RenderCache:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.empty = not self.path.exists()
            try:
                self.db = sqlite3.connect(self.path)
                self._create_table()
            except sqlite3.DatabaseError:
                self._start_afresh()
        return self

    def _start_afresh(self) -> None:
        """A damaged cache (a killed build, a bad disk) costs a rebuild and one line, never a traceback."""
        log.warning("warning: the render cache %s was damaged: every card is rendered again", self.path)
        if self.db is not None:
            self.db.close()
        self.path.unlink(missing_ok=True)
        self.db = sqlite3.connect(self.path)
        self._create_table()
        self.empty = True

    def _create_table(self) -> None:
        # Only a new, empty database takes the page size; an existing cache keeps its own.
        self.db.execute(f"pragma page_size = {SQLITE_PAGE_SIZE}")
        self.db.execute("create table if not exists html (key text primary key, question text, answer text, source text)")

    def __exit__(self, *exc_info) -> None:
        if self.db is not None:
            self.db.close()

    def lookup(self, keys: list[str]) -> dict[str, tuple[str, str, str]]:
        if self.db is None or self.empty:
            return {}
        try:
            return self._lookup(keys)
        except sqlite3.DatabaseError:
            self._start_afresh()
            return {}

    def _lookup(self, keys: list[str]) -> dict[str, tuple[str, str, str]]:
        self.db.execute("create temp table if not exists wanted (key text primary key)")
        self.db.execute("delete from wanted")
        self.db.executemany("insert or ignore into wanted values (?)", ((key,) for key in keys))
        rows = self.db.execute("select html.key, question, answer, source from html join wanted using (key)")
        return {key: tuple(fields) for key, *fields in rows}

    def replace(self, entries: dict[str, tuple[str, str, str]]) -> None:
        """Keeps exactly these entries, so the cache never outgrows the deck."""
        if self.db is None:
            return
        try:
            self._replace(entries)
        except sqlite3.DatabaseError:
            self._start_afresh()
            self._replace(entries)

    def _replace(self, entries: dict[str, tuple[str, str, str]]) -> None:
        with self.db:
            existing = set()
            if not self.empty:
                self.db.execute("delete from html where key not in (select key from wanted)")
                existing = {key for (key,) in self.db.execute("select key from html")}
            self.db.executemany(
                "insert into html values (?, ?, ?, ?)",
                ((key, *fields) for key, fields in entries.items() if key not in existing),
            )
