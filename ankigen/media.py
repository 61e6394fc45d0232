"""Stage 3, media: resolve every image a card references to a file in media/ and a unique name.

Anki keeps all decks' media in one flat folder, so each file is renamed to
`fastbook-<stem>-<content hash>.<ext>`: one name can never stand for two different files, and a
changed image gets a new name, which reaches learners on their next import.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .cards import Card, Chapter, ImageRef
from .errors import Report

MEDIA_PREFIX = "fastbook"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}


@dataclass(frozen=True)
class MediaFile:
    path: Path  # the file in the repository
    name: str  # its name in Anki's media folder


def resolve_media(chapters: list[Chapter], media_dir: Path, report: Report) -> dict[str, dict[str, MediaFile]]:
    """Returns {card ID: {src as written: MediaFile}}; every unusable reference is reported."""
    names: dict[Path, str] = {}  # each file is hashed once, however many cards use it
    resolved: dict[str, dict[str, MediaFile]] = {}
    for chapter in chapters:
        for card in chapter.cards:
            card_media = {}
            for ref in card.images:
                path = _locate(ref, card, chapter.path.parent, media_dir, report)
                if path is not None:
                    if path not in names:
                        names[path] = media_name(path)
                    card_media[ref.src] = MediaFile(path, names[path])
            resolved[card.id.text] = card_media
    return resolved


def media_name(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem)
    return f"{MEDIA_PREFIX}-{stem}-{digest}{path.suffix.lower()}"


def _locate(ref: ImageRef, card: Card, source_dir: Path, media_dir: Path, report: Report) -> Path | None:
    where = f"image {ref.src} (card {card.id})"
    parsed = urlparse(ref.src)
    if parsed.scheme or ref.src.startswith("//"):
        report.error(ref.location, f"{where} is not a local file: save it under media/ and link it as ../media/<name>")
        return None
    if Path(ref.src).is_absolute():
        report.error(ref.location, f"{where} is an absolute path: link it relative to the source file, as ../media/<name>")
        return None
    path = (source_dir / ref.src).resolve()
    if not path.is_relative_to(media_dir.resolve()):
        report.error(ref.location, f"{where} lies outside media/: move it into media/ and link it as ../media/<name>")
        return None
    if not path.is_file():
        report.error(ref.location, f"{where} does not exist: add the file or fix the path")
        return None
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        report.error(ref.location, f"{where} has an unsupported type: use one of {', '.join(sorted(IMAGE_SUFFIXES))}")
        return None
    return path
