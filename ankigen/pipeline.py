"""The commands, each one function that reads top to bottom as its list of stages.

Everything is gathered and checked before anything is written, and dist/ only ever receives
complete files.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .cards import Chapter
from .check import check_chapters
from .errors import BuildError, Report, SourceError
from .markup import Renderer
from .media import MediaFile, resolve_media
from .notetype import build_note_type
from .package import DeckPackage, RenderedCard, write_package
from .sources import read_sources
from .timestamp import build_timestamp

log = logging.getLogger(__name__)

ALL_CHAPTERS_FILE = "fastbook.apkg"


@dataclass(frozen=True)
class ProjectPaths:
    root: Path
    source: Path
    media: Path
    dist: Path

    @classmethod
    def under(cls, root: Path) -> ProjectPaths:
        return cls(root, root / "source", root / "media", root / "dist")


@dataclass
class CheckResult:
    chapters: list[Chapter]
    media: dict[str, dict[str, MediaFile]]  # card ID -> {src as written: media file}
    report: Report

    @property
    def card_count(self) -> int:
        return sum(len(chapter.cards) for chapter in self.chapters)


@dataclass
class BuildResult:
    report: Report
    written: list[tuple[Path, DeckPackage]] = field(default_factory=list)


def check(paths: ProjectPaths) -> CheckResult:
    if not paths.source.is_dir():
        raise BuildError(f"no source folder at {paths.source}: run from the project root or pass --root")
    report = Report()
    chapters = read_sources(paths.source, paths.root, report)
    if not chapters and report.ok:
        raise BuildError(f"no chapter files (NN_name.md) in {paths.source}")
    check_chapters(chapters, report)
    media = resolve_media(chapters, paths.media, report)
    return CheckResult(chapters, media, report)


def build(paths: ProjectPaths, environ: Mapping[str, str] = os.environ) -> BuildResult:
    checked = check(paths)
    log.info("Read %s, %s from %s", plural(len(checked.chapters), "chapter"), plural(checked.card_count, "card"), paths.source.name)
    if not checked.report.ok:
        return BuildResult(checked.report)
    timestamp, origin = build_timestamp(paths.root, environ)
    built_on = datetime.fromtimestamp(timestamp, timezone.utc)
    log.info("Build timestamp %s UTC (from %s)", f"{built_on:%Y-%m-%d %H:%M:%S}", origin)
    rendered = render_chapters(checked)
    packages = [DeckPackage(ALL_CHAPTERS_FILE, rendered)]
    packages += [DeckPackage(f"fastbook-{chapter.slug}.apkg", [(chapter, cards)]) for chapter, cards in rendered]
    written = write_packages(packages, paths.dist, timestamp)
    return BuildResult(checked.report, written)


def render_chapters(checked: CheckResult) -> list[tuple[Chapter, list[RenderedCard]]]:
    renderer = Renderer()
    rendered = []
    for chapter in checked.chapters:
        cards = []
        for card in chapter.cards:
            media = checked.media[card.id.text]
            names = {src: item.name for src, item in media.items()}
            try:
                question = renderer.render_inline(card.question, names)
                answer = renderer.render(card.answer, names)
            except Exception as err:  # a renderer bug must still point at the card that triggered it
                raise SourceError(card.location, f"could not render card {card.id}: {err!r}") from err
            cards.append(RenderedCard(card, question, answer, sorted(set(media.values()), key=lambda m: m.name)))
        rendered.append((chapter, cards))
    return rendered


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def write_packages(packages: list[DeckPackage], dist: Path, timestamp: int) -> list[tuple[Path, DeckPackage]]:
    """Writes every package into a temporary folder first, so an error leaves dist/ as it was."""
    dist.mkdir(parents=True, exist_ok=True)
    note_type = build_note_type()
    written = []
    with tempfile.TemporaryDirectory(dir=dist, prefix=".building-") as staging:
        for package in packages:
            write_package(package, Path(staging) / package.file_name, note_type, __version__, timestamp)
        for package in packages:
            target = dist / package.file_name
            os.replace(Path(staging) / package.file_name, target)
            written.append((target, package))
            log.info(
                "Wrote %s: %s, %s, %.0f KiB",
                target.relative_to(dist.parent),
                plural(package.card_count, "card"),
                plural(len(package.media), "media file"),
                target.stat().st_size / 1024,
            )
    return written
