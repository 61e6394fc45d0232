"""Stage 4, render: every card's fields to sanitised HTML, from the render cache where possible.

A card is rendered again only when its source text, what it refers to (image names, inline
figures, code outputs, its source link) or the output fingerprint changed.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..check.identity import RETIRED_TAG
from ..model import Card, Chapter, Execution
from ..profile import Profile
from ..wording import plural
from .cache import RenderCache, RenderJob
from .media import MediaFile, media_files

log = logging.getLogger(__name__)


@dataclass
class RenderedCard:
    card: Card
    question_html: str
    answer_html: str
    source_html: str
    media: list[MediaFile]


def render_chapters(
    chapters: list[Chapter],
    media: Mapping[str, Mapping[str, MediaFile]],
    outputs: Mapping[str, Execution],
    profile: Profile,
    fingerprint: str,
    cache_path: Path | None,
) -> list[tuple[Chapter, list[RenderedCard]]]:
    """Every card's HTML, chapter by chapter."""
    jobs = [_render_job(profile, chapter, card, media[card.id.text], outputs) for chapter in chapters for card in chapter.cards]
    result = render_jobs(jobs, fingerprint, cache_path)
    in_processes = f" in {result.processes} processes" if result.processes > 1 else ""
    log.info("Rendered %s%s, %d from the cache", plural(result.rendered, "card"), in_processes, result.cached)
    return [
        (
            chapter,
            [
                RenderedCard(card, *result.html[card.id.text], media_files(media[card.id.text]))
                for card in chapter.cards
            ],
        )
        for chapter in chapters
    ]


@dataclass
class RenderResult:
    html: dict[str, tuple[str, str, str]]  # card ID -> (question, answer, source) HTML
    rendered: int
    cached: int
    processes: int


def render_jobs(jobs: list[RenderJob], fingerprint: str, cache_path: Path | None, workers: int | None = None) -> RenderResult:
    """Renders every job, from the cache where possible; the cache keeps exactly this run's entries."""
    from .parallel import render_all  # Python-Markdown and Pygments: loaded only when something renders

    keys = [job.key(fingerprint) for job in jobs]
    with RenderCache(cache_path) as cache:
        found = cache.lookup(keys)
        misses = [(key, job) for key, job in zip(keys, jobs) if key not in found]
        rendered, processes = render_all([job for _, job in misses], workers)
        found.update(zip((key for key, _ in misses), rendered))
        cache.replace({key: found[key] for key in keys})
    html = {job.card_id: found[key] for key, job in zip(keys, jobs)}
    return RenderResult(html, len(misses), len(jobs) - len(misses), processes)


def _render_job(profile: Profile, chapter: Chapter, card: Card, media: Mapping[str, MediaFile], outputs: Mapping[str, Execution]) -> RenderJob:
    run_outputs = ((b.code, outputs[b.code].output, outputs[b.code].raised) for b in card.code_blocks if b.runs)
    return RenderJob(
        card_id=card.id.text,
        location=str(card.location),
        question=card.question,
        answer=card.answer,
        source=source_field(profile, chapter, card),
        notice=retired_notice(card),
        image_names=tuple(sorted((src, item.name) for src, item in media.items() if not item.inline)),
        night_image_names=tuple(sorted((src, item.night.name) for src, item in media.items() if item.night)),
        inline_html=tuple(sorted((src, item.path.read_text(encoding="utf-8")) for src, item in media.items() if item.inline)),
        outputs=tuple(sorted(run_outputs)),
    )


def retired_notice(card: Card) -> str:
    """One line above a retired card's question: learners keep it (Anki never deletes notes) until they act."""
    if RETIRED_TAG not in card.tags:
        return ""
    return (
        '<div class="retired-notice">Retired: no longer part of the deck. '
        f"Suspend or delete it (Browse, search <code>tag:{RETIRED_TAG}</code>).</div>"
    )


def source_field(profile: Profile, chapter: Chapter, card: Card) -> str:
    """The Source field's HTML (the renderer sanitises it like every field): where the card comes from,
    with a link to the chapter's source when the profile has a link template."""
    where = html.escape(f"Chapter {chapter.number}, {card.id.describe()}")
    if profile.link is None:
        return where
    values = {key: chapter.metadata[key] for key in profile.front_matter_keys[2:]}
    url = profile.link.format(**{key: quote(value, safe="/") for key, value in values.items()})
    text = (profile.link_text or "source").format(**values)
    return f'{where} &middot; <a href="{html.escape(url)}">{html.escape(text)}</a>'
