"""The commands, each one function that reads top to bottom as its list of stages.

Everything is gathered and checked before anything is written, and dist/ only ever receives
complete files.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .cards import Card, Chapter, Execution
from .check import check_chapters, check_figure_references
from .coverage import ChapterCoverage, compute_coverage
from .errors import BuildError, Report
from .execute import execute_blocks
from .figures import Recipe, default_registry, generate_figures
from .files import file_matches, file_sha256, read_json_or_empty, write_atomically
from .identity import LOCK_PATH, check_identity, lock_identity, unlocked_ids
from .media import FIGURES_FOLDER, MediaFile, figure_references, resolve_media
from .package import (
    DeckPackage,
    RenderedCard,
    chapter_fingerprint,
    package_fingerprint,
    package_format_version,
    prepare_packaging,
    write_apkg_files,
)
from .preview import write_preview
from .render import RenderJob, render_jobs, start_worker_server
from .sources import count_card_headings, read_sources
from .timestamp import build_timestamp

log = logging.getLogger(__name__)

ALL_CHAPTERS_FILE = "fastbook.apkg"
PREVIEW_FOLDER = "preview"
CACHE_FOLDER = ".cache"  # dist/.cache: rendered cards and package fingerprints, safe to delete
OUTPUTS_FOLDER = "outputs"  # media/outputs: committed results of executed code blocks


@dataclass(frozen=True)
class ProjectPaths:
    root: Path
    source: Path
    media: Path
    dist: Path

    @classmethod
    def under(cls, root: Path) -> ProjectPaths:
        return cls(root, root / "source", root / "media", root / "dist")

    @property
    def figures(self) -> Path:
        return self.media / FIGURES_FOLDER

    @property
    def outputs(self) -> Path:
        return self.media / OUTPUTS_FOLDER

    @property
    def render_cache(self) -> Path:
        return self.dist / CACHE_FOLDER / "render.sqlite3"

    @property
    def identity_lock(self) -> Path:
        return self.root / LOCK_PATH


@dataclass
class CheckResult:
    chapters: list[Chapter]
    report: Report
    registry: Mapping[str, Recipe]  # the figure recipes cards may show
    media: dict[str, dict[str, MediaFile]] = field(default_factory=dict)  # card ID -> {src: file}

    @property
    def card_count(self) -> int:
        return sum(len(chapter.cards) for chapter in self.chapters)


def check(paths: ProjectPaths, registry: Mapping[str, Recipe] | None = None) -> CheckResult:
    """Validates every source; computed content that is out of date is a warning (build refreshes it)."""
    checked = _read_and_validate(paths, registry)
    checked.media = resolve_media(checked.chapters, paths.media, checked.report)
    if checked.report.ok:  # stale content is worth a word only once the sources themselves are right
        _warn_about_stale_content(checked, paths)
    return checked


def progress(paths: ProjectPaths, registry: Mapping[str, Recipe] | None = None) -> tuple[list[ChapterCoverage], Report]:
    """Questionnaire coverage per chapter, from the sources as they are (problems reported alongside)."""
    checked = _read_and_validate(paths, registry)
    return compute_coverage(checked.chapters), checked.report


def lock(paths: ProjectPaths, *, allow_notetype_change: bool = False, check_only: bool = False) -> tuple[list[str], Report]:
    """Records every current card ID (and the note type) as released; with check_only, lists unrecorded IDs."""
    # The lock is what is being updated, so it is not checked against itself here.
    checked = _read_and_validate(paths, check_lock=False)
    report = checked.report
    if not report.ok:
        return [], report
    if check_only:
        return unlocked_ids(checked.chapters, paths.identity_lock), report
    try:
        return lock_identity(checked.chapters, paths.identity_lock, allow_notetype_change=allow_notetype_change), report
    except ValueError as err:
        raise BuildError(f"{err}: pass --allow-notetype-change only for a major release (learners must re-import)") from err


def release_notes(paths: ProjectPaths, since: str | None) -> str:
    """Markdown notes: cards added, changed and retired since a git ref (everything when there is none)."""
    from .release_notes import compare_cards, format_release_notes, read_sources_at

    report = Report()
    current = read_sources(paths.source, paths.root, report)
    if not report.ok:
        raise BuildError("the sources have problems: run `python build.py check` first")
    before = read_sources_at(paths.root, since) if since else []
    return format_release_notes(__version__, since, compare_cards(before, current))


def figures(
    paths: ProjectPaths,
    registry: Mapping[str, Recipe] | None = None,
    *,
    force: bool = False,
    device: str = "auto",
    check_only: bool = False,
) -> Report:
    """Regenerates stale figures and code outputs; with check_only, reports each stale one as an error."""
    checked = _read_and_validate(paths, registry)
    if checked.report.ok:
        if check_only:
            _warn_about_stale_content(checked, paths, as_error=True)
        else:
            _compute(checked, paths, force=force, device=device)
    return checked.report


def build(
    paths: ProjectPaths,
    environ: Mapping[str, str] = os.environ,
    registry: Mapping[str, Recipe] | None = None,
    device: str = "auto",
) -> Report:
    _start_render_workers_early(paths)
    checked = _read_and_validate(paths, registry)
    if not checked.report.ok:
        return checked.report
    timestamp, origin = build_timestamp(paths.root, environ)
    built_on = datetime.fromtimestamp(timestamp, timezone.utc)
    log.info("Build timestamp %s UTC (from %s)", f"{built_on:%Y-%m-%d %H:%M:%S}", origin)
    stamp = _input_stamp(paths, timestamp)
    if _dist_is_current(paths.dist, stamp):
        log.info("Nothing changed since the last build: dist/ is up to date")
        return checked.report
    prepare = functools.partial(prepare_packaging, checked.chapters)
    report, rendered = _compute_and_render(checked, paths, device, while_waiting=prepare)
    if not report.ok:
        return report
    packages = [DeckPackage(ALL_CHAPTERS_FILE, rendered)]
    packages += [DeckPackage(f"fastbook-{chapter.slug}.apkg", [(chapter, cards)]) for chapter, cards in rendered]
    files = write_packages(rendered, packages, paths.dist, timestamp)
    _record_build(paths.dist, stamp, files)
    return report


def preview(paths: ProjectPaths, registry: Mapping[str, Recipe] | None = None, device: str = "auto") -> tuple[Report, Path | None]:
    """Writes dist/preview/index.html: every card's front and back as Anki shows them, light and dark."""
    report, rendered = _render_project(paths, registry, device)
    if not report.ok:
        return report, None
    page = write_preview(rendered, paths.dist / PREVIEW_FOLDER)
    log.info("Wrote %s: %s", page.relative_to(paths.dist.parent), plural(sum(len(c) for _, c in rendered), "card"))
    return report, page


def _render_project(
    paths: ProjectPaths, registry: Mapping[str, Recipe] | None, device: str
) -> tuple[Report, list[tuple[Chapter, list[RenderedCard]]]]:
    """Read, check, compute what is stale, resolve media and render: what build and preview share."""
    _start_render_workers_early(paths)
    checked = _read_and_validate(paths, registry)
    if not checked.report.ok:
        return checked.report, []
    return _compute_and_render(checked, paths, device)


def _compute_and_render(
    checked: CheckResult, paths: ProjectPaths, device: str, while_waiting: Callable[[], object] | None = None
) -> tuple[Report, list[tuple[Chapter, list[RenderedCard]]]]:
    outputs = _compute(checked, paths, force=False, device=device)
    checked.media = resolve_media(checked.chapters, paths.media, checked.report)
    if not checked.report.ok:
        return checked.report, []
    return checked.report, render_chapters(checked, outputs, paths.render_cache, while_waiting)


def _start_render_workers_early(paths: ProjectPaths) -> None:
    """Where there may be enough cards to render in parallel, the process workers are forked from
    starts now, to get ready on another core while the sources are read. With a render cache, most
    cards usually come from it: workers, if needed after all, start when they are."""
    if paths.source.is_dir() and not paths.render_cache.exists():
        start_worker_server(count_card_headings(paths.source))


def _read_and_validate(
    paths: ProjectPaths, registry: Mapping[str, Recipe] | None = None, check_lock: bool = True
) -> CheckResult:
    """Reads and checks every source; the one place the recipe registry's default is chosen."""
    registry = default_registry() if registry is None else registry
    if not paths.source.is_dir():
        raise BuildError(f"no source folder at {paths.source}: run from the project root or pass --root")
    report = Report()
    chapters = read_sources(paths.source, paths.root, report)
    if not chapters and report.ok:
        raise BuildError(f"no chapter files (NN_name.md) in {paths.source}")
    check_chapters(chapters, report)
    check_figure_references(chapters, paths.figures, registry, report)
    if check_lock:
        check_identity(chapters, paths.identity_lock, paths.root, report)
    checked = CheckResult(chapters, report, registry)
    log.info("Read %s, %s from %s", plural(len(chapters), "chapter"), plural(checked.card_count, "card"), paths.source.name)
    return checked


def _compute(checked: CheckResult, paths: ProjectPaths, *, force: bool, device: str) -> dict[str, Execution]:
    """Figures, then code outputs: only what is stale (everything with force) is recomputed."""
    run = generate_figures(paths.figures, _used_recipes(checked, paths), force=force, device=device)
    log.info("Figures: %d regenerated, %d up to date", len(run.regenerated), len(run.fresh))
    executed = execute_blocks(checked.chapters, paths.outputs, checked.report, force=force)
    log.info("Code blocks: %d run, %d up to date", executed.ran, executed.cached)
    return executed.outputs


def _warn_about_stale_content(checked: CheckResult, paths: ProjectPaths, as_error: bool = False) -> None:
    record = checked.report.error if as_error else checked.report.warn
    fix = "run `python build.py figures` and commit media/"
    stale_figures = set(generate_figures(paths.figures, _used_recipes(checked, paths), run=False).stale)
    for ref, path in figure_references(checked.chapters, paths.figures):
        if path.stem in stale_figures and (as_error or path.exists()):  # a missing file is a media error already
            record(ref.location, f"figure {path.name} is missing or out of date: {fix}")
    for item in execute_blocks(checked.chapters, paths.outputs, checked.report, run=False).stale:
        record(item.block.location, f"the output of this code block (card {item.card_id}) is missing or out of date: {fix}")


def _used_recipes(checked: CheckResult, paths: ProjectPaths) -> list[Recipe]:
    """The recipes some card shows: only those are generated, so a project pays only for its figures."""
    names = {path.stem for _, path in figure_references(checked.chapters, paths.figures)}
    return [checked.registry[name] for name in sorted(names) if name in checked.registry]


def render_chapters(
    checked: CheckResult, outputs: Mapping[str, Execution], cache_path: Path | None, while_waiting: Callable[[], object] | None = None
) -> list[tuple[Chapter, list[RenderedCard]]]:
    """Every card's HTML, chapter by chapter; while_waiting is work to do while render workers run."""
    jobs = [_render_job(card, checked.media[card.id.text], outputs) for chapter in checked.chapters for card in chapter.cards]
    result = render_jobs(jobs, cache_path, while_waiting=while_waiting)
    stats = result.stats
    workers = f" in {stats.workers} processes" if stats.workers > 1 else ""
    log.info("Rendered %s%s, %d from the cache", plural(stats.rendered, "card"), workers, stats.cached)
    return [
        (
            chapter,
            [
                RenderedCard(card, *result.html[card.id.text], sorted(set(checked.media[card.id.text].values()), key=lambda m: m.name))
                for card in chapter.cards
            ],
        )
        for chapter in checked.chapters
    ]


def _render_job(card: Card, media: Mapping[str, MediaFile], outputs: Mapping[str, Execution]) -> RenderJob:
    run_outputs = ((b.code, outputs[b.code].output, outputs[b.code].raised) for b in card.code_blocks if b.runs)
    return RenderJob(
        card_id=card.id.text,
        location=str(card.location),
        question=card.question,
        answer=card.answer,
        image_names=tuple(sorted((src, item.name) for src, item in media.items() if not item.inline)),
        inline_html=tuple(sorted((src, item.path.read_text(encoding="utf-8")) for src, item in media.items() if item.inline)),
        outputs=tuple(sorted(run_outputs)),
    )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def write_packages(
    rendered: list[tuple[Chapter, list[RenderedCard]]], packages: list[DeckPackage], dist: Path, timestamp: int
) -> dict[str, str]:
    """Writes the packages whose content changed, all into a temporary folder first, so an error
    leaves dist/ as it was. A package whose fingerprint and file are unchanged is left alone.
    Returns every package's file name and SHA-256."""
    dist.mkdir(parents=True, exist_ok=True)
    state_path = dist / CACHE_FOLDER / "packages.json"
    state = read_json_or_empty(state_path)
    format_version = package_format_version()
    chapters = {chapter.number: chapter_fingerprint(chapter, cards) for chapter, cards in rendered}
    fingerprints = {p.file_name: package_fingerprint(p, chapters, format_version, __version__, timestamp) for p in packages}
    todo = [p for p in packages if not _is_current(dist / p.file_name, state.get(p.file_name), fingerprints[p.file_name])]
    if len(todo) < len(packages):
        log.info("Up to date: %s", plural(len(packages) - len(todo), "package"))
    with tempfile.TemporaryDirectory(dir=dist, prefix=".building-") as staging:
        write_apkg_files(rendered, todo, Path(staging), __version__, timestamp)
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


def _is_current(target: Path, recorded: dict | None, fingerprint: str) -> bool:
    return recorded is not None and recorded["fingerprint"] == fingerprint and file_matches(target, recorded["sha256"])


def _input_stamp(paths: ProjectPaths, timestamp: int) -> str:
    """A hash of everything a build reads: sources, media (figures and code outputs included),
    ankigen's own code, the libraries that shape its output, and the timestamp."""
    from importlib import metadata

    digest = hashlib.sha256(json.dumps([__version__, timestamp]).encode())
    code = Path(__file__).parent
    files = sorted(paths.source.glob("*.md")) + sorted(p for p in paths.media.rglob("*") if p.is_file())
    for path in files + sorted(code.rglob("*.py")) + sorted(code.glob("*.css")):
        digest.update(f"\x1e{path.relative_to(path.parent.parent)}\x1f".encode())
        digest.update(path.read_bytes())
    libraries = ("genanki", "Markdown", "Pygments", "nh3")
    digest.update(json.dumps([metadata.version(name) for name in libraries]).encode())
    return digest.hexdigest()


def _dist_is_current(dist: Path, stamp: str) -> bool:
    """True when the last build had these exact inputs and its files are still there, unchanged."""
    recorded = read_json_or_empty(dist / CACHE_FOLDER / "build.json")
    files = recorded.get("files")
    return recorded.get("stamp") == stamp and bool(files) and all(file_matches(dist / name, sha) for name, sha in files.items())


def _record_build(dist: Path, stamp: str, files: dict[str, str]) -> None:
    record = {"stamp": stamp, "files": files}
    write_atomically(dist / CACHE_FOLDER / "build.json", json.dumps(record, indent=1, sort_keys=True))


