"""Fuzzing read -> check -> render: any text a contributor can write ends in success or in the
project's own located problems, never in an exception.

CI runs a few thousand examples; for a longer run:

    ANKIGEN_FUZZ_EXAMPLES=100000 .venv/bin/python -m pytest tests/test_fuzz.py
"""

import dataclasses
import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ankigen.check import check_card_html, check_chapters
from ankigen.errors import Report
from ankigen.model import Execution
from ankigen.profile import load_profile
from ankigen.read import read_chapter
from ankigen.render.markdown import Attachments
from ankigen.render.renderer import Renderer
from conftest import PROJECT_ROOT

PROFILE = load_profile(PROJECT_ROOT)
EXAMPLES = int(os.environ.get("ANKIGEN_FUZZ_EXAMPLES", "3000"))
PROBLEM_RE = re.compile(r"^source/05_fuzz\.md:\d+: ")

# Pieces that matter to the reader and renderer, mixed with arbitrary Unicode.
PIECES = [
    "## ", "### ", "# ", "{#c05-q01}", "{#c05-x01 tags=a,b}", "{#c05-q99}", "{#c٠٥-x01}", "{#", "}", "\n", "\n\n",
    "```python\n", "```python run\n", "```python run timeout=2\n", "```\n", "~~~\n", "````text\n", "    ```\n",
    "$x_1$", "$$\\sum_i$$", "$", "\\$", "`code`", "``", "*", "_", "[a](b)", "[a][r]", "[r]: javascript:x",
    "![i](../media/x.png)", "<b>", "<script>", "<!--", "-->", "&#106;", "| a | b |\n|---|---|\n", "- ", "1. ",
    "> ", "\t", " " * 40, "\x1f", "\x00", "\x0c", "\u2028", "[sound:x]", "\\href{x}{y}", "²", "é", "---\n",
]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=40).map("".join)
FRONT_MATTER = st.sampled_from([
    "---\nchapter: 5\ntitle: Fuzz\nnotebook: 05_fuzz.ipynb\n---\n",
    "---\nchapter: ²\ntitle: Fuzz\nnotebook: x\n---\n",
    "---\nchapter: 5\ntitle: A::B\nnotebook: <b>\n---\n",
    "---\nchapter: 5\n",
    "",
])


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(front=FRONT_MATTER, body=TEXT)
def test_reading_checking_and_rendering_never_raise(tmp_path_factory, front, body):
    root = tmp_path_factory.getbasetemp() / "fuzz"
    path = root / "source" / "05_fuzz.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(front + "\n## Seed? {#c05-q02}\n\nAnswer.\n\n" + body, encoding="utf-8", errors="surrogatepass")
    report = Report()
    profile = dataclasses.replace(PROFILE, path=root / "ankigen.toml")
    chapter = read_chapter(path, profile, report)
    chapters = [chapter] if chapter else []
    check_chapters(chapters, report)
    check_card_html(chapters, report)
    assert all(PROBLEM_RE.match(str(problem)) for problem in report.problems), report.problems
    if report.ok:
        renderer = Renderer()
        for card in chapters[0].cards if chapters else []:
            outputs = {block.code: Execution("out", False) for block in card.code_blocks if block.runs}
            renderer.render_inline(card.question, Attachments(outputs=outputs))
            renderer.render(card.answer, Attachments(image_names={i.src: "x.png" for i in card.images}, outputs=outputs))
