"""Render: jobs rendered in this process (the reference) or, for large decks, spread over worker processes.

Both return the same HTML in the same order (a test compares them). Workers are forked where the
platform can, so they run exactly the code of the build that started them.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time

from .. import speedups
from ..errors import Location, SourceError
from ..model import Execution
from .cache import RenderJob
from .markdown import Attachments
from .renderer import Renderer
from .sanitize import sanitize_html

# Below this many cards, starting worker processes (each builds its own lexers) costs more than it
# saves: measured break-even on two cores is near 4,500 cards of prose, math and code.
PARALLEL_THRESHOLD = 4500


def render_all(jobs: list[RenderJob], workers: int | None = None) -> tuple[list[tuple[str, str, str]], int]:
    """Each job's (question, answer, source) HTML, in order, and how many processes rendered them."""
    workers = workers or os.cpu_count() or 1
    if len(jobs) < PARALLEL_THRESHOLD or workers == 1 or not speedups.enabled():
        return render_serially(jobs), 1
    return render_in_processes(jobs, workers), workers


def render_serially(jobs: list[RenderJob]) -> list[tuple[str, str, str]]:
    renderer = Renderer()
    return [_render_one(renderer, job) for job in jobs]


def render_in_processes(jobs: list[RenderJob], workers: int) -> list[tuple[str, str, str]]:
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, len(jobs) // (workers * 8))
    chunks = [jobs[start : start + size] for start in range(0, len(jobs), size)]
    # fork (Linux): workers start at once with this process's modules; elsewhere, spawn.
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_end_with_parent, initargs=(os.getpid(),)) as pool:
        return [html for part in pool.map(render_serially, chunks) for html in part]


def _end_with_parent(parent: int) -> None:
    """In a worker: exit when the build is gone (killed with -9, say), instead of waiting for work forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _render_one(renderer: Renderer, job: RenderJob) -> tuple[str, str, str]:
    attachments = Attachments(
        image_names=dict(job.image_names),
        night_image_names=dict(job.night_image_names),
        inline_html=dict(job.inline_html),
        outputs={code: Execution(output, raised) for code, output, raised in job.outputs},
    )
    try:
        return (
            sanitize_html(job.notice) + renderer.render_inline(job.question, attachments),
            renderer.render(job.answer, attachments),
            sanitize_html(job.source),  # made by the engine from escaped pieces; it passes the same sanitiser
        )
    except Exception as err:  # a renderer bug must still point at the card that triggered it
        path, _, line = job.location.rpartition(":")
        raise SourceError(Location(path, int(line)), f"could not render card {job.card_id}: {err!r}") from err
