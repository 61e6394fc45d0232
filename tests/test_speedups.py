"""The fast paths change nothing but speed: with every one off, the decks are byte-identical; and a
fast path stands aside when a library it imitates is at a version it was not tested with."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pygments.lexer import RegexLexer
from pygments.lexers import PythonLexer

from ankigen import speedups
from ankigen.model import Execution
from ankigen.package import fast_rows
from ankigen.render import fast_lexer, fast_markdown
from ankigen.render.markdown import Attachments
from ankigen.render.renderer import Renderer
from conftest import PROJECT_ROOT, TIMESTAMP, copy_project

sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))
from corpus import make_cards, write_ankigen  # noqa: E402


def build_in_fresh_process(root: Path, speedups_switch: str) -> dict[str, bytes]:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(TIMESTAMP), speedups.SWITCH: speedups_switch}
    subprocess.run([sys.executable, "-m", "ankigen", "-q", "--root", str(root)], env=env, check=True, cwd=root)
    return {path.name: path.read_bytes() for path in sorted((root / "dist").glob("*.apkg"))}


@pytest.mark.parametrize("corpus", ["real deck", "benchmark corpus"])
def test_with_every_fast_path_off_the_decks_are_byte_identical(corpus, tmp_path):
    def project(name):
        root = tmp_path / name
        if corpus == "real deck":
            return copy_project(PROJECT_ROOT, root)
        write_ankigen(make_cards(1500, seed=1), root)
        return root

    fast = build_in_fresh_process(project("fast"), "on")
    plain = build_in_fresh_process(project("plain"), "off")
    assert len(fast) >= 20 and fast == plain


def test_the_renderer_gives_the_same_fields_with_and_without_its_fast_paths(monkeypatch):
    texts = [card.prose + (f"\n\n```python\n{card.code}\n```" if card.code else "") for card in make_cards(300, seed=2)]
    texts += ["Plain prose.", "Math $x_i^2$ and\n\n$$\\sum_i x_i$$", "```python run\nprint(1)\n```"]
    attachments = Attachments(outputs={"print(1)": Execution("1", False)})
    fast = [Renderer().render(text, attachments) for text in texts]
    monkeypatch.setenv(speedups.SWITCH, "off")
    plain_renderer = Renderer()
    assert not plain_renderer.fast
    assert fast_lexer.accelerate(PythonLexer()).get_tokens_unprocessed.__func__ is RegexLexer.get_tokens_unprocessed
    assert [plain_renderer.render(text, attachments) for text in texts] == fast


def test_each_fast_path_stands_aside_for_an_untested_library_version(monkeypatch):
    assert Renderer().fast and fast_rows.usable()
    monkeypatch.setattr(fast_markdown, "TESTED", {"Markdown": ("0.0.1",)})
    monkeypatch.setattr(fast_rows, "TESTED", {"genanki": ("0.0.1",)})
    monkeypatch.setattr(fast_lexer, "TESTED", {"Pygments": ("0.0.1",)})
    assert not Renderer().fast and not fast_rows.usable()
    lexer = fast_lexer.accelerate(PythonLexer())
    assert lexer.get_tokens_unprocessed.__func__ is RegexLexer.get_tokens_unprocessed  # Pygments' own loop


def test_the_fast_lexer_is_used_where_it_was_tested():
    lexer = fast_lexer.accelerate(PythonLexer())
    assert lexer.get_tokens_unprocessed.func is fast_lexer._tokens_by_combined_rules


def test_private_internals_of_dependencies_appear_only_in_fenced_modules():
    fenced = {"fast_lexer.py"}
    private = ("re._parser", "re._constants", "import _parser", "_constants.", "._tokens", "_compresslevel")
    for path in (PROJECT_ROOT / "ankigen").rglob("*.py"):
        if path.name not in fenced:
            text = path.read_text()
            assert not any(name in text for name in private), path
