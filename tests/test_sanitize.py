"""Hostile or broken markup never reaches learners: check names it at file:line, nh3 strips it."""

import pytest

from ankigen.cli import main
from ankigen.render.markdown import Attachments
from ankigen.render.renderer import Renderer
from ankigen.render.sanitize import sanitize_html
from conftest import chapter_text

GOOD = "## A fine question? {#c05-q01}\n\nA **fine** answer with `<b>` in code and a [link](https://docs.fast.ai).\n\n"

HOSTILE = {
    "reference-style link": (
        "[r]: javascript:alert(1)\n\nSee [this][r].",  # reported where the target is written
        "link to 'javascript:alert(1)' is not allowed: use an http(s) or mailto link",
    ),
    "entity-encoded link scheme": (
        "[x](&#106;avascript:alert(1))",
        "link to 'javascript:alert(1)' is not allowed: use an http(s) or mailto link",
    ),
    "url() in an allowed style": (
        '<table><tr><td style="text-align:center; background:url(https://example.com/t)">a</td></tr></table>',
        "style 'text-align:center; background:url(https://example.com/t)' is not allowed: only text-align may be set",
    ),
    "comment trick": (
        "A <!--> <script>alert(1)</script> b",
        "HTML tag <script> is not allowed in cards (scripts, frames, embeds and styles could reach every learner)",
    ),
    "TeX link": (
        "$\\href{javascript:alert(1)}{x}$",
        "TeX command \\href is not allowed: in math it could link, style or load something in learners' Anki",
    ),
    "TeX style loading a URL": (
        "$$\\style{background:url(https://example.com/t)}{x}$$",
        "TeX command \\style is not allowed: in math it could link, style or load something in learners' Anki",
    ),
    "TeX html attribute": (
        "$\\htmlData{x=1}{y}$",
        "TeX command \\htmlData is not allowed: in math it could link, style or load something in learners' Anki",
    ),
    "script tag": (
        "<script>alert(1)</script>",
        "HTML tag <script> is not allowed in cards (scripts, frames, embeds and styles could reach every learner)",
    ),
    "iframe": (
        '<iframe src="https://example.com"></iframe>',
        "HTML tag <iframe> is not allowed in cards (scripts, frames, embeds and styles could reach every learner)",
    ),
    "embed": (
        '<embed src="x.swf">',
        "HTML tag <embed> is not allowed in cards (scripts, frames, embeds and styles could reach every learner)",
    ),
    "style tag with a remote import": (
        "<style>@import url(https://example.com/x.css);</style>",
        "HTML tag <style> is not allowed in cards (scripts, frames, embeds and styles could reach every learner)",
    ),
    "event handler": (
        '<span onmouseover="steal()">hover me</span>',
        "event-handler attribute onmouseover= on <span> is not allowed: cards carry no JavaScript",
    ),
    "raw image with onerror": (
        '<img src="x" onerror="steal()">',
        "raw <img> tag: use Markdown image syntax, e.g. ![description](../media/plot.png)",
    ),
    "style attribute": (
        '<span style="background:url(https://example.com/t.gif)">x</span>',
        "attribute style= on <span> is not allowed",
    ),
    "javascript link in Markdown": (
        "[click](javascript:alert(1))",
        "link to 'javascript:alert(1)' is not allowed: use an http(s) or mailto link",
    ),
    "javascript link in HTML": (
        '<a href="javascript:alert(1)">click</a>',
        "link to 'javascript:alert(1)' is not allowed: use an http(s) or mailto link",
    ),
    "remote image": (
        "![tracker](https://example.com/pixel.png)",
        "image https://example.com/pixel.png (card c05-q02) is not a local file: save it under media/ and link it as ../media/<name>",
    ),
    "absolute image path": (
        "![secret](/etc/passwd.png)",
        "image /etc/passwd.png (card c05-q02) is an absolute path: link it relative to the source file, as ../media/<name>",
    ),
    "image path escaping the repository": (
        "![secret](../../../etc/hostname.png)",
        "image ../../../etc/hostname.png (card c05-q02) lies outside media/: move it into media/ and link it as ../media/<name>",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_each_hostile_construct_is_reported_at_its_line_and_good_cards_are_untouched(case, make_project, capsys):
    hostile, message = HOSTILE[case]
    text = chapter_text(GOOD + f"## A hostile card? {{#c05-q02}}\n\nLooks harmless.\n\n{hostile}\n\n" + GOOD.replace("q01", "q03"))
    root = make_project({"source/05_x.md": text})
    assert main(["check", "--root", str(root)]) == 1
    problems = [line for line in capsys.readouterr().err.splitlines() if line.startswith("source/")]
    assert problems == [f"source/05_x.md:15: {message}"]  # nothing about the good cards on lines 7 and 19


def test_a_tag_split_over_lines_is_still_found(make_project, capsys):
    text = chapter_text('## Q? {#c05-q01}\n\n<div\n  onclick="steal()">x</div>\n')
    root = make_project({"source/05_x.md": text})
    assert main(["check", "--root", str(root)]) == 1
    assert "source/05_x.md:9: event-handler attribute onclick= on <div> is not allowed" in capsys.readouterr().err


def test_harmless_inline_html_is_allowed(make_project, capsys):
    text = chapter_text("## Q? {#c05-q01}\n\nPress <kbd>Shift</kbd>+<kbd>Enter</kbd>; H<sub>2</sub>O.\n")
    root = make_project({"source/05_x.md": text})
    assert main(["check", "--root", str(root)]) == 0


def test_the_sanitiser_strips_everything_hostile_even_if_check_were_skipped():
    html_cases = [hostile for name, (hostile, _) in HOSTILE.items() if not name.startswith("TeX")]
    clean = sanitize_html(Renderer().render("\n\n".join(html_cases)))
    for needle in ("<script", "<iframe", "<embed", "<style", "onmouseover", "onerror", "javascript:", "https://example.com", "@import", "/etc/"):
        assert needle not in clean, needle
    tex = sanitize_html(Renderer().render("\n\n".join(hostile for name, (hostile, _) in HOSTILE.items() if name.startswith("TeX"))))
    assert tex.count("\\(") + tex.count("\\[") == 3  # still math, but with no command that writes HTML
    for needle in ("\\href", "\\style", "\\htmlData"):
        assert needle not in tex, needle


def test_the_sanitiser_keeps_what_cards_are_made_of():
    html = Renderer().render(
        "**b** `c` $x_1$\n\n```python\nx = 1\n```\n\n| a | b |\n|:-:|--:|\n| 1 | 2 |\n\n"
        "![plot](p.svg)\n\n[docs](https://docs.fast.ai)",
        Attachments(image_names={"p.svg": "fastbook-p-12.svg"}),
    )
    clean = sanitize_html(html)
    for kept in ('<div class="highlight">', '<span class="n">x</span>', '<td style="text-align:center">',
                 '<img alt="plot" src="fastbook-p-12.svg">', '<a href="https://docs.fast.ai">docs</a>',
                 r"\(x_1\)", "<strong>b</strong>", "<code>c</code>"):
        assert kept in clean, kept


def test_the_sanitiser_defuses_ankis_own_markup_and_drops_control_characters():
    clean = sanitize_html("<p>[sound:x.mp3] [anki:tts lang=en_US]hi[/anki:tts] a\x1fb\x0cc\u2028d [x](y)</p>")
    assert "[sound:" not in clean and "[anki:" not in clean.lower() and "&#91;sound:x.mp3]" in clean
    assert not any(character in clean for character in "\x1f\x0c\u2028") and "abcd [x](y)" in clean
