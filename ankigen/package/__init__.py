"""Stage 5, package: rendered chapters -> the .apkg files in dist/, written only when their content changed.

Every package is written into a temporary folder first and moved into dist/ only when complete,
so an error leaves dist/ as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

from ..files import file_matches, file_sha256, read_json_or_empty, write_atomically
from ..model import Chapter
from ..profile import Profile
from ..render import RenderedCard
from ..wording import plural
from .apkg import DeckPackage, write_apkg_files
from .notes import card_tags

log = logging.getLogger(__name__)

PACKAGE_STATE = Path(".cache") / "packages.json"  # in dist/: each package's fingerprint and SHA-256


def package_names(profile: Profile, chapters: list[Chapter]) -> list[str]:
    """The file names a build writes: the package of every chapter, then one per chapter."""
    return [profile.package_name, *(profile.chapter_package.format(slug=c.slug, number=c.number) for c in chapters)]


def plan_packages(rendered: list[tuple[Chapter, list[RenderedCard]]], profile: Profile) -> list[DeckPackage]:
    """One package of every chapter, and one per chapter."""
    every, *each = package_names(profile, [chapter for chapter, _ in rendered])
    return [DeckPackage(every, rendered), *(DeckPackage(name, [item]) for name, item in zip(each, rendered))]


def write_packages(
    rendered: list[tuple[Chapter, list[RenderedCard]]], profile: Profile, dist: Path, timestamp: int, fingerprint: str
) -> dict[str, str]:
    """Writes the packages whose content changed; returns every package's file name and SHA-256."""
    packages = plan_packages(rendered, profile)
    dist.mkdir(parents=True, exist_ok=True)
    for leftover in dist.glob(".building-*"):  # from a build that was killed (builds hold a lock)
        shutil.rmtree(leftover, ignore_errors=True)
    state_path = dist / PACKAGE_STATE
    state = read_json_or_empty(state_path)
    chapters = {chapter.number: chapter_fingerprint(profile, chapter, cards) for chapter, cards in rendered}
    fingerprints = {p.file_name: package_fingerprint(p, chapters, fingerprint, timestamp) for p in packages}
    todo = [p for p in packages if not _is_current(dist / p.file_name, state.get(p.file_name), fingerprints[p.file_name])]
    if len(todo) < len(packages):
        log.info("Up to date: %s", plural(len(packages) - len(todo), "package"))
    with tempfile.TemporaryDirectory(dir=dist, prefix=".building-") as staging:
        write_apkg_files(rendered, todo, Path(staging), profile, timestamp)
        for package in todo:
            target = dist / package.file_name
            os.replace(Path(staging) / package.file_name, target)
            state[package.file_name] = {"fingerprint": fingerprints[package.file_name], "sha256": file_sha256(target)}
            log.info(
                "Wrote %s: %s, %s, %.0f KiB",
                target.relative_to(dist.parent),
                plural(package.card_count, "card"),
                plural(len(package.media), "media file"),
                target.stat().st_size / 1024,
            )
    if todo:
        write_atomically(state_path, json.dumps(state, indent=1, sort_keys=True))
    return {p.file_name: state[p.file_name]["sha256"] for p in packages}


def chapter_fingerprint(profile: Profile, chapter: Chapter, cards: list[RenderedCard]) -> str:
    """A hash of what a chapter puts into any package: its deck and its notes' fields and tags."""
    digest = hashlib.sha256(json.dumps([chapter.number, chapter.title]).encode())
    for item in cards:
        fields = [item.card.id.text, item.question_html, item.answer_html, item.source_html, *card_tags(profile, chapter, item.card)]
        digest.update(("\x1f".join(fields) + "\x1e").encode())  # separators that no field contains
    return digest.hexdigest()


def package_fingerprint(package: DeckPackage, chapter_fingerprints: dict[int, str], fingerprint: str, timestamp: int) -> str:
    """A hash of everything a package's bytes depend on: an unchanged fingerprint needs no rewrite.
    Chapters come as their fingerprints (by number), each hashed once for all the packages."""
    chapters = [chapter_fingerprints[chapter.number] for chapter, _ in package.chapters]
    media = [m.name for m in package.media]  # names carry a content hash
    parts = [fingerprint, timestamp, package.file_name, chapters, media]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _is_current(target: Path, recorded: dict | None, fingerprint: str) -> bool:
    return isinstance(recorded, dict) and recorded.get("fingerprint") == fingerprint and file_matches(target, recorded.get("sha256", ""))
