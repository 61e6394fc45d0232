"""Executed code blocks: real runs in a fresh interpreter, with errors reported at the fence's line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from anki.collection import Collection

from ankigen.cli import main
from ankigen.compute.runner import run_block
from conftest import chapter_text
from test_end_to_end import import_deck, note_by_id


def test_runner_shows_prints_and_the_last_expression_like_a_notebook():
    assert run_block("print('hi')\nx = 6\nx * 7") == {"output": "hi\n42\n", "raised": False}
    assert run_block("x = 1") == {"output": "", "raised": False}
    assert run_block("None") == {"output": "", "raised": False}


def test_runner_reports_the_exception_a_card_is_about():
    result = run_block("import torch\ntorch.tensor([1,2]) + torch.tensor([1,2,3])")
    assert result == {
        "output": "RuntimeError: The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0",
        "raised": True,
    }


def test_runner_seeds_random_sources_so_outputs_repeat():
    code = "import torch, random\n(torch.randn(2), random.random())"
    assert run_block(code) == run_block(code)


def card(code: str, fence: str = "python run") -> str:
    return chapter_text(f"## What does it show? {{#c05-q01}}\n\nThis:\n\n```{fence}\n{code}\n```\n")


def problems(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("source/")]


def test_an_unexpected_exception_fails_the_build_at_the_fence_line(make_project, capsys, fixed_time):
    root = make_project({"source/05_x.md": card("1 / 0")})
    assert main(["--root", str(root)]) == 1
    assert problems(capsys.readouterr().err) == [
        "source/05_x.md:11: code block of card c05-q01 raised ZeroDivisionError: division by zero: fix the code, "
        "or mark the fence 'python run raises' if the error is what the card shows"
    ]
    assert not (root / "dist").exists() and not (root / "media/outputs").exists()


def test_a_block_marked_raises_must_raise(make_project, capsys, fixed_time):
    root = make_project({"source/05_x.md": card("1 + 1", fence="python run raises")})
    assert main(["--root", str(root)]) == 1
    assert problems(capsys.readouterr().err) == [
        "source/05_x.md:11: code block of card c05-q01 is marked 'raises' but ran without an error"
    ]


def test_a_hanging_block_fails_the_build_instead_of_hanging_it(make_project, capsys, fixed_time):
    root = make_project({"source/05_x.md": card("while True:\n    pass", fence="python run timeout=1")})
    assert main(["--root", str(root)]) == 1
    assert problems(capsys.readouterr().err) == [
        "source/05_x.md:11: code block of card c05-q01 did not finish within 1 s: make it faster, "
        "or raise its limit with timeout=<seconds>"
    ]


@pytest.mark.parametrize(
    ("fence", "message"),
    [
        ("python run fast", "unknown code block option 'fast': use run, raises, timeout=<seconds>"),
        ("python raises", "'raises' and 'timeout=' only apply to blocks marked 'run'"),
        ("text run", "only python blocks can run, not 'text'"),
        ("python run timeout=soon", "timeout must be a whole number of seconds from 1 to 3600, e.g. timeout=120"),
    ],
)
def test_bad_block_options_are_reported_by_check(make_project, capsys, fence, message):
    root = make_project({"source/05_x.md": card("1", fence=fence)})
    assert main(["check", "--root", str(root)]) == 1
    assert problems(capsys.readouterr().err) == [f"source/05_x.md:11: {message}"]


def test_outputs_are_cached_by_code_and_stale_entries_disappear(make_project, capsys, fixed_time):
    root = make_project({"source/05_x.md": card("sum(range(4))")})
    assert main(["--root", str(root)]) == 0
    assert "Code blocks: 1 run, 0 up to date" in capsys.readouterr().out
    assert main(["--root", str(root)]) == 0
    assert "Code blocks: 0 run, 1 up to date" in capsys.readouterr().out
    (root / "source/05_x.md").write_text(card("sum(range(5))"))
    assert main(["--root", str(root)]) == 0
    assert "Code blocks: 1 run, 0 up to date" in capsys.readouterr().out
    store = json.loads((root / "media/outputs/05.json").read_text())
    assert [entry["output"] for entry in store.values()] == ["10\n"]


def test_the_output_appears_in_the_card_as_anki_renders_it(make_project, fixed_time, tmp_path):
    code = "import torch\ntorch.arange(3) * 2"
    root = make_project({"source/05_x.md": card(code)})
    assert main(["-q", "--root", str(root)]) == 0
    collection = Collection(os.fspath(tmp_path / "collection.anki2"))
    try:
        import_deck(collection, root / "dist/fastbook.apkg")
        shown = collection.get_card(collection.find_cards("")[0]).answer()
        assert '<pre class="output"><span class="line">tensor([0, 2, 4])\n</span></pre>' in shown
        assert shown.index("torch") < shown.index("tensor([0, 2, 4])")
        assert '<pre class="output"><span class="line">tensor([0, 2, 4])\n</span></pre>' in note_by_id(collection, "c05-q01")["Answer"]
    finally:
        collection.close()


def test_memory_addresses_in_outputs_are_masked_so_outputs_repeat():
    result = run_block("def f(): pass\nf")
    assert result == {"output": "<function f at 0x…>\n", "raised": False}


# Blocks are contributor code, run on maintainers' and CI's machines.


def block_output(root) -> str:
    [entry] = json.loads((root / "media/outputs/05.json").read_text()).values()
    return entry["output"]


def test_a_block_sees_no_secret_of_the_environment_and_runs_in_a_scratch_folder(make_project, fixed_time, monkeypatch):
    monkeypatch.setenv("ANKIGEN_TEST_TOKEN", "s3cret")
    code = "import os, pathlib\nprint(os.environ.get('ANKIGEN_TEST_TOKEN'), sorted(os.environ) == sorted(set(os.environ)))\npathlib.Path.cwd().name.startswith('ankigen-run-')"
    root = make_project({"source/05_x.md": card(code)})
    assert main(["-q", "--root", str(root)]) == 0
    assert block_output(root) == "None True\nTrue\n"
    assert "s3cret" not in (root / "media/outputs/05.json").read_text()


def test_a_block_that_prints_too_much_is_a_located_error(make_project, capsys, fixed_time):
    root = make_project({"source/05_x.md": card("print('x' * 2_000_000)")})
    assert main(["-q", "--root", str(root)]) == 1
    assert problems(capsys.readouterr().err) == [
        "source/05_x.md:11: code block of card c05-q01 printed more than 1024 KiB: print less (a card shows a few lines)"
    ]
    assert not (root / "media/outputs/05.json").exists()


def test_processes_a_block_starts_end_with_it(make_project, fixed_time):
    code = "import subprocess\nchild = subprocess.Popen(['sleep', '60'])\nchild.pid"
    root = make_project({"source/05_x.md": card(code)})
    assert main(["-q", "--root", str(root)]) == 0
    status = Path(f"/proc/{int(block_output(root))}/status")
    # Gone, or a zombie waiting for init to reap it: either way no longer running.
    assert not status.exists() or "State:\tZ" in status.read_text()
