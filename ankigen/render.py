"""Stage 4, render (at scale): every card's fields to sanitised HTML, cached and in parallel.

A card is rendered again only when its source text, what it refers to (image names, inline
figures, code outputs) or the renderer itself changed: results are cached in dist/.cache keyed by a
hash of all of that. Misses are spread over worker processes, one Renderer each.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from .errors import BuildError, Location, SourceError
from .files import SQLITE_PAGE_SIZE

# The renderer's own code and libraries shape the HTML, so they are part of every key.
_PACKAGE_FOLDER = Path(__file__).resolve().parent
_RENDERER_MODULES = ("markup.py", "highlight.py", "sanitize.py", "fences.py", "render.py")
_RENDERER_LIBRARIES = ("Markdown", "Pygments", "nh3")
# Below this many cards, starting worker processes (each builds its own lexers) costs more than it
# saves: measured break-even on two cores is near 4,500 cards of prose, math and code.
PARALLEL_THRESHOLD = 4500


@dataclass(frozen=True, eq=False)
class RenderJob:
    """What one card's rendering depends on, and nothing else (it travels to worker processes)."""

    card_id: str
    location: str
    question: str
    answer: str
    image_names: tuple[tuple[str, str], ...] = ()
    inline_html: tuple[tuple[str, str], ...] = ()
    outputs: tuple[tuple[str, str, bool], ...] = ()  # (code, output, raised) of the card's run blocks

    def key(self) -> str:
        parts = [RENDERER_VERSION, self.question, self.answer, json.dumps([self.image_names, self.inline_html, self.outputs])]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()  # \x1f: a separator no text contains


@dataclass
class RenderStats:
    cached: int = 0
    rendered: int = 0
    workers: int = 1


@dataclass
class RenderResult:
    html: dict[str, tuple[str, str]] = field(default_factory=dict)  # card ID -> (question, answer)
    stats: RenderStats = field(default_factory=RenderStats)


def _renderer_version() -> str:
    sources = [(_PACKAGE_FOLDER / name).read_text(encoding="utf-8") for name in _RENDERER_MODULES]
    versions = [metadata.version(name) for name in _RENDERER_LIBRARIES]
    return hashlib.sha256(json.dumps([sources, versions]).encode()).hexdigest()


RENDERER_VERSION = _renderer_version()


def render_jobs(
    jobs: list[RenderJob], cache_path: Path | None, workers: int | None = None, while_waiting: Callable[[], object] | None = None
) -> RenderResult:
    """Renders every job, from the cache where possible; the cache keeps exactly this run's entries.

    while_waiting is work for this process while worker processes render, if they do."""
    result = RenderResult()
    keys = [job.key() for job in jobs]
    with RenderCache(cache_path) as cache:
        cached = cache.lookup(keys)
        misses = [(key, job) for key, job in zip(keys, jobs) if key not in cached]
        rendered = _render_misses([job for _, job in misses], workers, result.stats, while_waiting)
        cached.update(zip((key for key, _ in misses), rendered))
        result.html = {job.card_id: cached[key] for key, job in zip(keys, jobs)}
        cache.replace({key: cached[key] for key in keys})
    result.stats.cached = len(jobs) - len(misses)
    result.stats.rendered = len(misses)
    return result


def _render_misses(
    misses: list[RenderJob], workers: int | None, stats: RenderStats, while_waiting: Callable[[], object] | None
) -> list[tuple[str, str]]:
    """Each job's (question, answer) HTML, in order."""
    workers = workers or os.cpu_count() or 1
    if len(misses) < PARALLEL_THRESHOLD or workers == 1:
        return _render_chunk(misses)
    from concurrent.futures import ProcessPoolExecutor

    stats.workers = workers
    size = max(1, len(misses) // (workers * 8))
    chunks = [misses[start : start + size] for start in range(0, len(misses), size)]
    render_in_worker = functools.partial(_render_chunk_in_worker, RENDERER_VERSION, str(_PACKAGE_FOLDER))
    with ProcessPoolExecutor(max_workers=workers, mp_context=_started_worker_context()) as pool:
        parts = pool.map(render_in_worker, chunks)  # every chunk is submitted now
        if while_waiting is not None:
            while_waiting()
        return [html for part in parts for html in part]  # in order


def start_worker_server(card_count: int) -> None:
    """Starts the process that workers are forked from, when this many cards might need them.

    It takes a fifth of a second to start, import the renderer and warm it up: started before a
    build reads its sources, it does that on another core while they are read and checked.
    """
    if card_count >= PARALLEL_THRESHOLD:
        _started_worker_context()


def _started_worker_context():
    """Workers forked from a small server that has imported the renderer, where the platform has one:
    forked from this process, each would keep a copy of every page this process changes while
    they run. As with spawn, workers import the main module, so a script that builds must guard
    its entry point with `if __name__ == "__main__":` (build.py does).

    The server is started here, with this ankigen's folder first on its PYTHONPATH: it does not
    take this process's sys.path (Python 3.11), and would otherwise import whichever ankigen its
    own path finds, such as the checkout that is installed rather than the one building."""
    import multiprocessing
    from multiprocessing import forkserver

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return None  # the platform's default (spawn on Windows)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([f"{__package__}.render_server"])
    inherited = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(_PACKAGE_FOLDER.parent), *filter(None, [inherited])])
    try:
        forkserver.ensure_running()  # a no-op once it runs
    finally:
        if inherited is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = inherited
    return context


def _render_chunk_in_worker(build_renderer_version: str, build_package: str, jobs: list[RenderJob]) -> list[tuple[str, str]]:
    # Rendered by other code, the HTML would be cached under keys that name this build's renderer.
    if RENDERER_VERSION != build_renderer_version:
        raise BuildError(
            f"render workers loaded a different ankigen ({_PACKAGE_FOLDER}) from the build's ({build_package}): "
            "run build.py without python's -E or -I, or install this checkout with `pip install -e .`"
        )
    return _render_chunk(jobs)


def _render_chunk(jobs: list[RenderJob]) -> list[tuple[str, str]]:
    return [_render_one(job) for job in jobs]


_renderer = None  # one per process, built on first use (building it costs more than a card)

# Python that enters most of the lexer's states, with most characters a token can begin with.
_WARM_UP_CODE = r'''
import torch.nn.functional as F
from fastai.vision.all import *  # a comment

@patch
class Model(nn.Module):
    """A docstring."""
    def forward(self, x: Tensor, n=-1, *args, **kwargs) -> Tensor:
        y = x[0, 1:] @ w.T + 0x1F - 2.5e-3 % 7 // 2 ** 3 | 1 & ~2 ^ 3 << 1 >> 1
        if not (y >= 0 and y != 1 or y is None): return [i for i in range(10) if i % 2]
        s = f"{x!r:>10} {{y}} {y=}" + 'a\tb' + b"bytes" + r"raw\d" + """long"""
        with open(path) as f, torch.no_grad(): g = lambda a, b=True: {a: b, **kwargs}
        try: yield await g(x, *args); del x; assert y, "a message"
        except (ValueError, KeyError) as e: raise RuntimeError(str(e)) from e
        finally: global z; print(..., end='', sep="\n")
learn.fine_tune(1); x += 1; y -= 1; z *= 2; z /= 2; n = (m := 3); f'{n}'
'''


def warm_up() -> None:
    """Renders a sample card here, so that the processes forked from this one start with the lexer
    rules compiled that most code needs (otherwise about a tenth of a second in each)."""
    answer = f"Prose, *emphasis*, `code` and $x_i^2$.\n\n```python{_WARM_UP_CODE}```\n\nMore prose."
    _render_one(RenderJob("warm-up", "warm-up:1", "A question?", answer))


def _render_one(job: RenderJob) -> tuple[str, str]:
    from .cards import Execution
    from .markup import Attachments, Renderer

    global _renderer
    if _renderer is None:
        _renderer = Renderer()
    attachments = Attachments(
        image_names=dict(job.image_names),
        inline_html=dict(job.inline_html),
        outputs={code: Execution(output, raised) for code, output, raised in job.outputs},
    )
    try:
        question = _renderer.render_inline(job.question, attachments)
        answer = _renderer.render(job.answer, attachments)
    except Exception as err:  # a renderer bug must still point at the card that triggered it
        path, _, line = job.location.rpartition(":")
        raise SourceError(Location(path, int(line)), f"could not render card {job.card_id}: {err!r}") from err
    return question, answer


class RenderCache:
    """key -> (question HTML, answer HTML) in SQLite; an unreadable cache is simply empty."""

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
                self.empty = True
                self.path.unlink(missing_ok=True)
                self.db = sqlite3.connect(self.path)
                self._create_table()
        return self

    def _create_table(self) -> None:
        # Only a new, empty database takes the page size; an existing cache keeps its own.
        self.db.execute(f"pragma page_size = {SQLITE_PAGE_SIZE}")
        self.db.execute("create table if not exists html (key text primary key, question text, answer text)")

    def __exit__(self, *exc_info) -> None:
        if self.db is not None:
            self.db.close()

    def lookup(self, keys: list[str]) -> dict[str, tuple[str, str]]:
        if self.db is None or self.empty:
            return {}
        self.db.execute("create temp table if not exists wanted (key text primary key)")
        self.db.execute("delete from wanted")
        self.db.executemany("insert or ignore into wanted values (?)", ((key,) for key in keys))
        rows = self.db.execute("select html.key, question, answer from html join wanted using (key)")
        return {key: (question, answer) for key, question, answer in rows}

    def replace(self, entries: dict[str, tuple[str, str]]) -> None:
        """Keeps exactly these entries, so the cache never outgrows the deck."""
        if self.db is None:
            return
        with self.db:
            existing = set()
            if not self.empty:
                self.db.execute("delete from html where key not in (select key from wanted)")
                existing = {key for (key,) in self.db.execute("select key from html")}
            self.db.executemany(
                "insert into html values (?, ?, ?)",
                ((key, q, a) for key, (q, a) in entries.items() if key not in existing),
            )
