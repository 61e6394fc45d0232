"""The commands, each one function that reads top to bottom as its list of stages:
read -> check -> compute -> render -> package -> reports.

Everything is gathered and checked before anything is written, and dist/ only ever receives
complete files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from .check import check_card_html, check_chapters, check_figure_references
from .check.identity import IdentityLock, LockRefused, assign_releases, check_identity, lock_identity, read_lock, unlocked_cards
from .compute.execute import execute_blocks
from .compute.figures import Recipe, generate_figures, load_recipes
from .errors import BuildError, Location, Report
from .files import exclusive, file_matches, file_sha256, read_json_or_empty, write_atomically
from .fingerprint import output_fingerprint
from .model import Chapter, Execution
from .profile import Profile, load_profile
from .read import read_sources
from .read.timestamp import build_timestamp
from .render.media import FIGURES_FOLDER, MediaFile, figure_references, media_files, resolve_media
from .wording import listed, plural

if TYPE_CHECKING:  # the render and package stages import heavy libraries: they load when used
    from .render import RenderedCard

log = logging.getLogger(__name__)

BUILD_RECORD = Path(".cache") / "build.json"  # in dist/: the inputs and files of the last build
IDENTITY_LOCK = Path("releases") / "identity.json"


@dataclass(frozen=True)
class Project:
    """A book's project folder: its profile, sources, media and build output."""

    profile: Profile
    root: Path
    source: Path
    media: Path
    dist: Path

    @classmethod
    def load(cls, root: Path) -> Project:
        """Reads root/ankigen.toml (a ProfileError lists every problem in it)."""
        return cls(load_profile(root), root, root / "source", root / "media", root / "dist")

    @property
    def figures(self) -> Path:
        return self.media / FIGURES_FOLDER

    @property
    def outputs(self) -> Path:
        return self.media / "outputs"  # committed results of executed code blocks

    @property
    def render_cache(self) -> Path:
        return self.dist / ".cache" / "render.sqlite3"

    @property
    def identity_lock(self) -> Path:
        return self.root / IDENTITY_LOCK


@dataclass
class CheckResult:
    chapters: list[Chapter]
    report: Report
    recipes: Mapping[str, Recipe]  # the figure recipes cards may show
    lock: IdentityLock | None = None  # the identity lock, as read by the check
    media: dict[str, dict[str, MediaFile]] = field(default_factory=dict)  # card ID -> {src: file}

    @property
    def card_count(self) -> int:
        return sum(len(chapter.cards) for chapter in self.chapters)


def check(project: Project, recipes: Mapping[str, Recipe] | None = None) -> CheckResult:
    """Validates every source; computed content that is out of date is a warning (build refreshes it)."""
    checked = _read_and_check(project, recipes)
    checked.media = resolve_media(checked.chapters, project.media, project.profile.media_prefix, checked.report)
    if checked.report.ok:  # stale content is worth a word only once the sources themselves are right
        _report_stale_content(checked, project)
    return checked


def build(project: Project, environ: Mapping[str, str] = os.environ, recipes: Mapping[str, Recipe] | None = None, device: str = "auto") -> Report:
    from .package import write_packages

    checked = _read_and_check(project, recipes)
    if not checked.report.ok:
        return checked.report
    # A second build of this project waits for the first; the lock is on the profile, so nothing is created.
    with exclusive(project.profile.path):
        timestamp = _timestamp(project, environ)
        fingerprint = output_fingerprint(project.profile)
        stamp = _input_stamp(project, fingerprint, timestamp)
        if _dist_is_current(project.dist, stamp):
            log.info("Nothing changed since the last build: dist/ is up to date")
            return checked.report
        rendered = _compute_and_render(checked, project, device, fingerprint)
        if checked.report.ok:
            files = write_packages(rendered, project.profile, project.dist, timestamp, fingerprint)
            _record_build(project.dist, stamp, files)
    return checked.report


def preview(project: Project, recipes: Mapping[str, Recipe] | None = None, device: str = "auto") -> tuple[Report, Path | None]:
    """Writes dist/preview/index.html: every card's front and back as Anki shows them, light and dark."""
    from .reports.preview import write_preview

    with exclusive(project.profile.path):
        report, rendered = render_project(project, recipes, device)
        if not report.ok:
            return report, None
        page = write_preview(rendered, project.profile, project.dist / "preview")
    log.info("Wrote %s: %s", page.relative_to(project.root), plural(sum(len(c) for _, c in rendered), "card"))
    return report, page


def render_project(
    project: Project, recipes: Mapping[str, Recipe] | None = None, device: str = "auto"
) -> tuple[Report, list[tuple[Chapter, list[RenderedCard]]]]:
    """Read, check, compute what is stale and render (what preview shows)."""
    checked = _read_and_check(project, recipes)
    if not checked.report.ok:
        return checked.report, []
    rendered = _compute_and_render(checked, project, device, output_fingerprint(project.profile))
    return checked.report, rendered


def figures(project: Project, recipes: Mapping[str, Recipe] | None = None, *, force: bool = False, device: str = "auto", check_only: bool = False) -> Report:
    """Regenerates stale figures and code outputs; with check_only, reports each stale one as an error."""
    checked = _read_and_check(project, recipes)
    if checked.report.ok:
        if check_only:
            _report_stale_content(checked, project, as_error=True)
        else:
            with exclusive(project.profile.path):  # two runs at once would each rewrite the manifests
                _compute(checked, project, force=force, device=device)
    return checked.report


def progress(project: Project, recipes: Mapping[str, Recipe] | None = None):
    """Item coverage per chapter, from the sources as they are (problems reported alongside)."""
    from .reports.coverage import compute_coverage

    checked = _read_and_check(project, recipes)
    return compute_coverage(checked.chapters, project.profile), checked.report


def lock(project: Project, *, allow_notetype_change: bool = False, amend: bool = False, check_only: bool = False) -> tuple[list[str], Report]:
    """Records the release, the note type and every card as it is now; returns the IDs new or changed since
    the lock. With check_only, records nothing: it returns those IDs, and an error if the lock is of another release."""
    # The lock is what is being updated, so it is not checked against itself here.
    checked = _read_and_check(project, check_lock=False)
    report = checked.report
    if report.ok:  # what the cards show goes into the lock: it must be what the release ships
        _report_stale_content(checked, project, as_error=True)
        shown = _committed_content(checked, project)
    if not report.ok:
        return [], report
    if check_only:
        lock = read_lock(project.identity_lock)
        locked, version = lock.release if lock else None, project.profile.version
        where = Location(IDENTITY_LOCK.as_posix(), 1)
        if locked != version:
            report.error(where, f"the lock records release {locked or 'none'}, not {version} (ankigen.toml): run `python build.py lock`")
        ids = unlocked_cards(checked.chapters, lock, shown)
        if ids:
            fix = "set a newer version in ankigen.toml, then run `python build.py lock`" if locked == version else "run `python build.py lock`"
            report.error(where, f"{plural(len(ids), 'card')} new or changed since the lock: {listed(ids)}: {fix}")
        return ids, report
    try:
        ids = lock_identity(
            checked.chapters, project.identity_lock, project.profile, shown, allow_notetype_change=allow_notetype_change, amend=amend
        )
    except LockRefused as err:
        raise BuildError(str(err)) from err
    return ids, report


def release_notes(project: Project, since: str | None, *, checksums: bool = False, environ: Mapping[str, str] = os.environ) -> str:
    """Markdown notes: the cards this version added, changed and retired, by their release tags, compared with
    the sources at a git ref (everything is new without one); with checksums, the SHA-256 of each deck in
    dist/, which must be the build of these sources."""
    from .package import package_names
    from .reports.release_notes import format_release_notes, read_sources_at, release_changes

    checked = _read_and_check(project)
    if not checked.report.ok:
        raise BuildError("the sources have problems: run `python build.py check` first")
    assign_releases(checked.chapters, checked.lock, project.profile.version, _committed_content(checked, project))
    before = read_sources_at(project.profile, since) if since else []
    sums = None
    if checksums:
        stamp = _input_stamp(project, output_fingerprint(project.profile), _timestamp(project, environ))
        if not _dist_is_current(project.dist, stamp):
            raise BuildError("dist/ does not hold the decks of these sources: run `python build.py` first")
        sums = {name: file_sha256(project.dist / name) for name in package_names(project.profile, checked.chapters)}
    changes = release_changes(before, checked.chapters, project.profile.version)
    return format_release_notes(project.profile, since, changes, sums)


def changes(project: Project, since: str) -> str:
    """Markdown for reviewers: the cards added, changed (old and new text) and retired since a git ref."""
    from .reports.release_notes import read_sources_at
    from .reports.review_summary import format_review_summary

    current = _read_clean_sources(project)
    return format_review_summary(read_sources_at(project.profile, since), current, since)


# -- the stages' steps -------------------------------------------------------------------------


def _read_clean_sources(project: Project) -> list[Chapter]:
    """The chapters for a report that compares them with another version: they must read without problems."""
    report = Report()
    chapters = read_sources(project.source, project.profile, report)
    if not report.ok:
        raise BuildError("the sources have problems: run `python build.py check` first")
    return chapters


def _read_and_check(project: Project, recipes: Mapping[str, Recipe] | None = None, check_lock: bool = True) -> CheckResult:
    """Reads and checks every source and its media; the one place the recipes' default is chosen."""
    recipes = load_recipes(project.profile.recipes) if recipes is None else recipes
    if not project.source.is_dir():
        raise BuildError(f"no source folder at {project.source}: run from the project root or pass --root")
    report = Report()
    chapters = read_sources(project.source, project.profile, report)
    if not chapters and report.ok:
        raise BuildError(f"no chapter files (NN_name.md) in {project.source}")
    check_chapters(chapters, report)
    check_figure_references(chapters, project.figures, recipes, report)
    lock = read_lock(project.identity_lock) if check_lock else None
    if check_lock:
        check_identity(chapters, lock, project.identity_lock, project.profile, report)
    check_card_html(chapters, report)
    checked = CheckResult(chapters, report, recipes, lock)
    log.info("Read %s, %s from %s", plural(len(chapters), "chapter"), plural(checked.card_count, "card"), project.source.name)
    return checked


def _compute_and_render(checked: CheckResult, project: Project, device: str, fingerprint: str) -> list[tuple[Chapter, list[RenderedCard]]]:
    """Stale figures and outputs computed, media resolved, every card rendered; [] after a problem."""
    from .render import render_chapters

    outputs = _compute(checked, project, force=False, device=device)
    checked.media = resolve_media(checked.chapters, project.media, project.profile.media_prefix, checked.report)
    if not checked.report.ok:
        return []
    assign_releases(checked.chapters, checked.lock, project.profile.version, _what_cards_show(checked, outputs))
    return render_chapters(checked.chapters, checked.media, outputs, project.profile, fingerprint, project.render_cache)


def _what_cards_show(checked: CheckResult, outputs: Mapping[str, Execution]) -> dict[str, list[str]]:
    """Per card, what it shows besides its text: its media's names (which hash the files' bytes) and code outputs."""
    return {
        card.id.text: [
            *(file.name for file in media_files(checked.media[card.id.text])),
            *(json.dumps([outputs[b.code].output, outputs[b.code].raised]) for b in card.code_blocks if b.runs and b.code in outputs),
        ]
        for chapter in checked.chapters
        for card in chapter.cards
    }


def _committed_content(checked: CheckResult, project: Project) -> dict[str, list[str]]:
    """What cards show from the committed media and outputs, as a build would (a release requires them current)."""
    outputs = execute_blocks(checked.chapters, project.outputs, checked.report, run=False).outputs
    checked.media = resolve_media(checked.chapters, project.media, project.profile.media_prefix, checked.report)
    return _what_cards_show(checked, outputs)


def _timestamp(project: Project, environ: Mapping[str, str]) -> int:
    timestamp, origin = build_timestamp(project.root, environ)
    log.info("Build timestamp %s UTC (from %s)", f"{datetime.fromtimestamp(timestamp, timezone.utc):%Y-%m-%d %H:%M:%S}", origin)
    return timestamp


def _compute(checked: CheckResult, project: Project, *, force: bool, device: str) -> dict[str, Execution]:
    """Figures, then code outputs: only what is stale (everything with force) is recomputed."""
    run = generate_figures(project.figures, _used_recipes(checked, project), force=force, device=device)
    log.info("Figures: %d regenerated, %d up to date", len(run.regenerated), len(run.fresh))
    executed = execute_blocks(checked.chapters, project.outputs, checked.report, force=force)
    log.info("Code blocks: %d run, %d up to date", executed.ran, executed.cached)
    return executed.outputs


def _report_stale_content(checked: CheckResult, project: Project, as_error: bool = False) -> None:
    record = checked.report.error if as_error else checked.report.warn
    fix = "run `python build.py figures` and commit media/"
    stale_figures = set(generate_figures(project.figures, _used_recipes(checked, project), run=False).stale)
    for ref, path in figure_references(checked.chapters, project.figures):
        if path.stem in stale_figures and (as_error or path.exists()):  # a missing file is a media error already
            record(ref.location, f"figure {path.name} is missing or out of date: {fix}")
    for item in execute_blocks(checked.chapters, project.outputs, checked.report, run=False).stale:
        record(item.block.location, f"the output of this code block (card {item.card_id}) is missing or out of date: {fix}")


def _used_recipes(checked: CheckResult, project: Project) -> list[Recipe]:
    """The recipes some card shows: only those are generated, so a project pays only for its figures."""
    names = {path.stem for _, path in figure_references(checked.chapters, project.figures)}
    return [checked.recipes[name] for name in sorted(names) if name in checked.recipes]


def _input_stamp(project: Project, fingerprint: str, timestamp: int) -> str:
    """A hash of everything a build reads: the output fingerprint, sources, media and the timestamp."""
    digest = hashlib.sha256(json.dumps([fingerprint, timestamp]).encode())
    files = sorted(project.source.glob("*.md")) + sorted(p for p in project.media.rglob("*") if p.is_file())
    files += [project.identity_lock] if project.identity_lock.exists() else []  # it sets the release tags
    for path in files:
        digest.update(f"\x1e{path.relative_to(project.root)}\x1f".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _dist_is_current(dist: Path, stamp: str) -> bool:
    """True when the last build had these exact inputs and its files are still there, unchanged."""
    recorded = read_json_or_empty(dist / BUILD_RECORD)
    files = recorded.get("files")
    return (
        recorded.get("stamp") == stamp
        and isinstance(files, dict)
        and bool(files)
        and all(isinstance(sha, str) and file_matches(dist / name, sha) for name, sha in files.items())
    )


def _record_build(dist: Path, stamp: str, files: dict[str, str]) -> None:
    write_atomically(dist / BUILD_RECORD, json.dumps({"stamp": stamp, "files": files}, indent=1, sort_keys=True))
