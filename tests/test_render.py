"""Rendering at scale: worker processes and the cache must not change a single byte."""

import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from ankigen.cli import main
from ankigen.errors import Report
from ankigen.profile import load_profile
from ankigen.read import read_sources
from ankigen.render import render_jobs
from ankigen.render.cache import RenderJob
from ankigen.render.parallel import PARALLEL_THRESHOLD, render_in_processes, render_serially
from conftest import PROJECT_ROOT

FINGERPRINT = "test"


def deck_jobs(copies: int) -> list[RenderJob]:
    """The real deck's text-only cards, repeated under new IDs to pass the parallel threshold."""
    chapters = read_sources(PROJECT_ROOT / "source", load_profile(PROJECT_ROOT), Report())
    cards = [card for chapter in chapters for card in chapter.cards if not card.images and not any(b.runs for b in card.code_blocks)]
    return [
        RenderJob(f"{card.id.text}-{copy}", str(card.location), card.question, card.answer, f"<b>{card.id}</b>")
        for copy in range(copies)
        for card in cards
    ]


def test_worker_processes_render_exactly_what_one_process_renders():
    jobs = deck_jobs(copies=PARALLEL_THRESHOLD // len(deck_jobs(copies=1)) + 1)
    assert len(jobs) >= PARALLEL_THRESHOLD
    parallel = render_jobs(jobs, FINGERPRINT, cache_path=None, workers=2)
    assert parallel.processes == 2
    assert render_in_processes(jobs[:100], workers=2) == render_serially(jobs[:100])
    serial = render_jobs(jobs, FINGERPRINT, cache_path=None, workers=1)
    assert serial.processes == 1
    assert parallel.html == serial.html
    assert sum('<div class="highlight">' in answer for _, answer, _ in parallel.html.values()) > 50


def test_the_cache_renders_only_what_changed_and_keeps_only_current_entries(tmp_path):
    cache = tmp_path / "render.sqlite3"
    jobs = deck_jobs(copies=1)[:50]
    first = render_jobs(jobs, FINGERPRINT, cache)
    assert (first.rendered, first.cached) == (50, 0)
    edited = RenderJob(jobs[0].card_id, jobs[0].location, jobs[0].question + " Edited?", jobs[0].answer, jobs[0].source)
    second = render_jobs([edited, *jobs[1:40]], FINGERPRINT, cache)
    assert (second.rendered, second.cached) == (1, 39)
    assert second.html[edited.card_id][0].endswith("Edited?")
    third = render_jobs(jobs[:40], FINGERPRINT, cache)  # the unedited first card was dropped from the cache
    assert (third.rendered, third.cached) == (1, 39)
    other_engine = render_jobs(jobs[:40], "another fingerprint", cache)  # other code or profile: nothing reused
    assert (other_engine.rendered, other_engine.cached) == (40, 0)


def test_an_unreadable_cache_is_replaced_by_a_new_one(tmp_path):
    cache = tmp_path / "render.sqlite3"
    cache.write_bytes(b"not a database, e.g. a build killed while writing it " * 100)
    jobs = deck_jobs(copies=1)[:20]
    first = render_jobs(jobs, FINGERPRINT, cache)
    assert (first.rendered, first.cached) == (20, 0)
    second = render_jobs(jobs, FINGERPRINT, cache)
    assert (second.rendered, second.cached) == (0, 20)
    assert second.html == first.html


def test_a_build_with_render_workers_writes_the_same_decks_as_one_without(good_project, fixed_time, monkeypatch, capsys):
    from ankigen.render import parallel

    assert main(["-q", "--root", str(good_project)]) == 0
    serial = {path.name: path.read_bytes() for path in (good_project / "dist").glob("*.apkg")}
    shutil.rmtree(good_project / "dist")
    monkeypatch.setattr(parallel, "PARALLEL_THRESHOLD", 1)  # workers for a handful of cards
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    assert main(["--root", str(good_project)]) == 0
    assert "in 2 processes" in capsys.readouterr().out
    parallel_build = {path.name: path.read_bytes() for path in (good_project / "dist").glob("*.apkg")}
    assert parallel_build == serial and len(serial) == 3


def test_render_workers_run_the_checkout_that_builds_not_the_installed_one(tmp_path, good_project, fixed_time):
    """A copy of ankigen whose renderer marks every answer, imported ahead of the installed one and
    run from another folder: its workers must render with the copy's code."""
    checkout = tmp_path / "checkout"
    shutil.copytree(PROJECT_ROOT / "ankigen", checkout / "ankigen", ignore=shutil.ignore_patterns("__pycache__"))
    with (checkout / "ankigen" / "render" / "parallel.py").open("a", encoding="utf-8") as module:
        module.write(
            "\nPARALLEL_THRESHOLD = 1\n"
            "os.cpu_count = lambda: 2\n"
            "_unmarked = _render_one\n"
            "def _render_one(renderer, job):\n"
            "    question, answer, source = _unmarked(renderer, job)\n"
            "    return question, answer + '<!-- second checkout -->', source\n"
        )
    build = f"import sys; sys.path.insert(0, {str(checkout)!r}); from ankigen.cli import main; sys.exit(main(['--root', {str(good_project)!r}]))"
    result = subprocess.run([sys.executable, "-c", build], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "in 2 processes" in result.stdout
    with zipfile.ZipFile(good_project / "dist" / "fastbook.apkg") as archive:
        (tmp_path / "collection.anki2").write_bytes(archive.read("collection.anki2"))
    answers = [fields.split("\x1f")[2] for (fields,) in sqlite3.connect(tmp_path / "collection.anki2").execute("select flds from notes")]
    assert answers and all(answer.endswith("<!-- second checkout -->") for answer in answers)


def test_a_render_worker_ends_when_the_build_that_started_it_is_killed(tmp_path):
    pid_file = tmp_path / "worker.pid"
    code = f"""
import os, signal, time
from ankigen.render.parallel import _end_with_parent
build = os.getpid()
if os.fork() == 0:
    _end_with_parent(build)
    open({str(pid_file)!r} + '.tmp', 'w').write(str(os.getpid()))
    os.rename({str(pid_file)!r} + '.tmp', {str(pid_file)!r})
    time.sleep(60)  # a worker waiting for work
    os._exit(0)
while not os.path.exists({str(pid_file)!r}):
    time.sleep(0.01)
os.kill(build, signal.SIGKILL)
"""
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path)
    status = Path(f"/proc/{int(pid_file.read_text())}/status")

    def running() -> bool:
        return status.exists() and "State:\tZ" not in status.read_text()

    for _ in range(100):  # it checks every half second: allow it ten seconds
        if not running():
            break
        time.sleep(0.1)
    assert not running()
