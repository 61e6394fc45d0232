"""Rendering at scale: worker processes and the cache must not change a single byte."""

import shutil
import sqlite3
import subprocess
import sys
import zipfile

from ankigen import render
from ankigen.cli import main
from ankigen.errors import Report
from ankigen.render import PARALLEL_THRESHOLD, RenderJob, render_jobs
from ankigen.sources import read_sources
from conftest import PROJECT_ROOT


def deck_jobs(copies: int) -> list[RenderJob]:
    """The real deck's text-only cards, repeated under new IDs to pass the parallel threshold."""
    chapters = read_sources(PROJECT_ROOT / "source", PROJECT_ROOT, Report())
    cards = [card for chapter in chapters for card in chapter.cards if not card.images and not any(b.runs for b in card.code_blocks)]
    return [
        RenderJob(f"{card.id.text}-{copy}", str(card.location), card.question, card.answer)
        for copy in range(copies)
        for card in cards
    ]


def test_worker_processes_render_exactly_what_one_process_renders():
    jobs = deck_jobs(copies=PARALLEL_THRESHOLD // len(deck_jobs(copies=1)) + 1)
    assert len(jobs) >= PARALLEL_THRESHOLD
    waited = []
    parallel = render_jobs(jobs, cache_path=None, workers=2, while_waiting=lambda: waited.append("parallel"))
    assert parallel.stats.workers == 2
    serial = render_jobs(jobs, cache_path=None, workers=1, while_waiting=lambda: waited.append("serial"))
    assert serial.stats.workers == 1
    assert waited == ["parallel"]  # only with workers is there a wait to fill
    assert parallel.html == serial.html
    assert sum('<div class="highlight">' in answer for _, answer in parallel.html.values()) > 50


def test_the_cache_renders_only_what_changed_and_keeps_only_current_entries(tmp_path):
    cache = tmp_path / "render.sqlite3"
    jobs = deck_jobs(copies=1)[:50]
    first = render_jobs(jobs, cache)
    assert (first.stats.rendered, first.stats.cached) == (50, 0)
    edited = RenderJob(jobs[0].card_id, jobs[0].location, jobs[0].question + " Edited?", jobs[0].answer)
    second = render_jobs([edited, *jobs[1:40]], cache)
    assert (second.stats.rendered, second.stats.cached) == (1, 39)
    assert second.html[edited.card_id][0].endswith("Edited?")
    assert second.html == {job.card_id: second.html[job.card_id] for job in [edited, *jobs[1:40]]}
    third = render_jobs(jobs[:40], cache)  # the unedited first card was dropped from the cache
    assert (third.stats.rendered, third.stats.cached) == (1, 39)


def test_the_warm_up_that_render_workers_are_forked_after_compiles_the_python_lexer_rules():
    # Run in a fresh interpreter, as the forkserver runs it: nothing compiled beforehand.
    probe = (
        "from ankigen import render_server, render; from ankigen.highlight import lexer_for;"
        "states = lexer_for('python').get_tokens_unprocessed.args[1];"
        "print(render._renderer is not None, sum(len(s.by_character) for s in states.values()))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    built, compiled = result.stdout.split()
    assert built == "True"
    assert int(compiled) > 50


def test_an_unreadable_cache_is_replaced_by_a_new_one(tmp_path):
    cache = tmp_path / "render.sqlite3"
    cache.write_bytes(b"not a database, e.g. a build killed while writing it " * 100)
    jobs = deck_jobs(copies=1)[:20]
    first = render_jobs(jobs, cache)
    assert (first.stats.rendered, first.stats.cached) == (20, 0)
    second = render_jobs(jobs, cache)
    assert (second.stats.rendered, second.stats.cached) == (0, 20)
    assert second.html == first.html


def test_a_build_with_render_workers_writes_the_same_decks_as_one_without(good_project, fixed_time, monkeypatch, capsys):
    assert main(["-q", "--root", str(good_project)]) == 0
    serial = {path.name: path.read_bytes() for path in (good_project / "dist").glob("*.apkg")}
    shutil.rmtree(good_project / "dist")
    # Workers for a handful of cards: packaging is then prepared while they render.
    monkeypatch.setattr(render, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(render.os, "cpu_count", lambda: 2)
    assert main(["--root", str(good_project)]) == 0
    assert "in 2 processes" in capsys.readouterr().out
    parallel = {path.name: path.read_bytes() for path in (good_project / "dist").glob("*.apkg")}
    assert parallel == serial and len(serial) == 3


def _second_checkout(tmp_path):
    """A copy of ankigen whose renderer marks every answer and renders any number of cards in two
    worker processes, as another checkout than the installed one."""
    checkout = tmp_path / "checkout"
    shutil.copytree(PROJECT_ROOT / "ankigen", checkout / "ankigen", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_ROOT / "build.py", checkout)
    with (checkout / "ankigen" / "render.py").open("a", encoding="utf-8") as module:
        module.write(
            "\nPARALLEL_THRESHOLD = 1\n"
            "os.cpu_count = lambda: 2\n"
            "_unmarked = _render_one\n"
            "def _render_one(job):\n"
            "    question, answer = _unmarked(job)\n"
            "    return question, answer + '<!-- second checkout -->'\n"
        )
    return checkout


def _build_from_elsewhere(checkout, project, *python_flags):
    """Runs the checkout's build.py from a folder that holds no ankigen (the workers' server starts there)."""
    return subprocess.run(
        [sys.executable, *python_flags, str(checkout / "build.py"), "--root", str(project)],
        cwd=project.parent,
        capture_output=True,
        text=True,
    )


def test_render_workers_run_the_checkout_that_builds_not_the_installed_one(tmp_path, good_project, fixed_time):
    result = _build_from_elsewhere(_second_checkout(tmp_path), good_project)
    assert result.returncode == 0, result.stderr
    assert "in 2 processes" in result.stdout
    with zipfile.ZipFile(good_project / "dist" / "fastbook.apkg") as archive:
        (tmp_path / "collection.anki2").write_bytes(archive.read("collection.anki2"))
    answers = [fields.split("\x1f")[2] for (fields,) in sqlite3.connect(tmp_path / "collection.anki2").execute("select flds from notes")]
    assert answers and all(answer.endswith("<!-- second checkout -->") for answer in answers)


def test_render_workers_that_loaded_other_code_stop_the_build(tmp_path, good_project, fixed_time):
    # -E: the workers' server ignores PYTHONPATH, so it finds the installed ankigen, not the copy.
    result = _build_from_elsewhere(_second_checkout(tmp_path), good_project, "-E")
    assert result.returncode == 1
    assert "error: render workers loaded a different ankigen" in result.stderr
    assert "install this checkout" in result.stderr
    assert not (good_project / "dist" / "fastbook.apkg").exists()
