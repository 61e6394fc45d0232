"""Render, reference: a card's Markdown -> HTML by Python-Markdown, with Pygments classes and MathJax delimiters.

Knows nothing about files: callers pass the text plus its Attachments (packaged image names,
HTML figures to inline, outputs of executed code blocks). Its HTML is not sanitised yet: the
renderer (`renderer.py`) sanitises every field, and `check` explains what sanitising would change.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from ..model import Execution
from ..read.fences import FENCE_OPEN_RE, is_closing_fence, parse_fence_info
from .highlight import LINE_CLASS, highlight_code
from .sanitize import LIGHT_FIGURE_CLASS, NIGHT_FIGURE_CLASS

# One scan finds, left to right, whichever comes first: a code span (skipped whole), an escaped
# dollar, display math or inline math. Inline math follows Pandoc's rule so that "$5 and $10"
# stays text: no space after the opening $, none before the closing one, no digit after it; and it
# holds no backtick, so a code span after a lone dollar is still code.
_MATH_TOKEN_RE = re.compile(
    r"(?P<code>`+)"
    r"|(?P<escaped>\\\$)"
    r"|\$\$(?P<display>.+?)\$\$"
    r"|\$(?P<inline>[^\s$`](?:[^$\n`]*?[^\s\\$`])?)\$(?!\d)",
    re.DOTALL,
)


# A line holding nothing but an image reference: where an HTML figure (a table) is inlined.
_LONE_IMAGE_RE = re.compile(r"^\s*!\[[^\]]*\]\(\s*<?(?P<src>[^)\s>]+)>?\s*\)\s*$")


@dataclass(frozen=True)
class Attachments:
    """What a card's Markdown refers to beyond itself, keyed as the Markdown writes it."""

    image_names: Mapping[str, str] = field(default_factory=dict)  # src -> packaged media name
    night_image_names: Mapping[str, str] = field(default_factory=dict)  # src -> its night version's media name
    inline_html: Mapping[str, str] = field(default_factory=dict)  # src of an .html figure -> its HTML
    outputs: Mapping[str, Execution] = field(default_factory=dict)  # code of a `run` block -> result


class _CodeFencePreprocessor(Preprocessor):
    """Highlights each fenced block and puts an executed block's output below it.

    It does the work of Python-Markdown's fenced_code + codehilite extensions (same HTML; a test
    compares them), but reuses one formatter and one lexer per language, which is several times faster.
    It also understands our info strings (`python run`), which fenced_code would not take as a fence.
    """

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self.attachments = Attachments()

    def run(self, lines: list[str]) -> list[str]:
        return replace_fences(lines, self.attachments.outputs, lambda make_html: self.md.htmlStash.store(make_html()))


def replace_fences(
    lines: list[str], outputs: Mapping[str, Execution], stash: Callable[[Callable[[], str]], str]
) -> list[str]:
    """Each fenced block becomes its highlighted HTML (and its output's), stashed as paragraphs of
    their own; an unclosed fence stays text to the end, as in Python-Markdown. The stash gets a
    function that makes the HTML, so that it can skip highlighting code it will not use."""
    out: list[str] = []
    marker = None
    for line in lines:
        if marker is None:
            opening = FENCE_OPEN_RE.match(line)
            if opening:
                marker, block, code = opening["fence"], parse_fence_info(opening["info"], None), []
            else:
                out.append(line)
        elif is_closing_fence(line, marker):
            marker = None
            source = "\n".join(code)
            out += ["", stash(functools.partial(highlight_code, source, block.language)), ""]
            if block.runs:
                out += [stash(functools.partial(_output_html, outputs[source])), ""]
        else:
            code.append(line)
    if marker is not None:
        out += [marker + block.language, *code]
    return out


def _output_html(result: Execution) -> str:
    """What a block printed, line by line like its code (see highlight.LineFormatter)."""
    kind = "output error" if result.raised else "output"
    lines = html.escape(result.output.rstrip(), quote=False).split("\n")
    return f'<pre class="{kind}">' + "".join(f'<span class="{LINE_CLASS}">{line}\n</span>' for line in lines) + "</pre>"


class _InlineFigurePreprocessor(Preprocessor):
    """Replaces a lone `![...](figure.html)` line with the figure's HTML (e.g. a computed table)."""

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self.inline_html: Mapping[str, str] = {}

    def run(self, lines: list[str]) -> list[str]:
        if not self.inline_html:
            return lines
        out = []
        for line in lines:
            match = _LONE_IMAGE_RE.match(line)
            if match and match["src"] in self.inline_html:
                line = self.md.htmlStash.store(self.inline_html[match["src"]])
            out.append(line)
        return out


class _MathPreprocessor(Preprocessor):
    """Stashes math before Markdown sees it, so `_`, `*` and `\\` inside it survive untouched.

    Runs after fenced code is stashed, so `$` in code blocks is never math.
    """

    def run(self, lines: list[str]) -> list[str]:
        text = replace_math("\n".join(lines), lambda tex: self.md.htmlStash.store(html.escape(tex, quote=False)))
        return text.split("\n")


def replace_math(text: str, stash: Callable[[str], str]) -> str:
    """Each math span becomes stash(its MathJax form); code spans and escaped dollars are left alone."""
    if "$" not in text:
        return text  # what the loop below returns for it, found without scanning
    out = []
    position = 0
    while (match := _MATH_TOKEN_RE.search(text, position)) is not None:
        out.append(text[position : match.start()])
        if match["code"]:
            end = _code_span_end(text, match)
            out.append(text[match.start() : end])
            position = end
            continue
        if match["escaped"]:
            replacement = "&#36;"
        elif match["display"] is not None:
            replacement = stash(r"\[" + match["display"] + r"\]")
        else:
            replacement = stash(r"\(" + match["inline"] + r"\)")
        out.append(replacement)
        position = match.end()
    out.append(text[position:])
    return "".join(out)


def _code_span_end(text: str, opener: re.Match) -> int:
    """End of the code span opened by a run of backticks, or of the run itself if it never closes."""
    ticks = opener["code"]
    closer = re.compile(rf"(?<!`){ticks}(?!`)")
    found = closer.search(text, opener.end())
    return found.end() if found else opener.end()


class _ImageSourceTreeprocessor(Treeprocessor):
    """Points every <img> at its packaged media name (Anki keeps media in one flat folder); a figure
    with a night version gets a second <img> beside it, and the card's CSS shows the one for its mode."""

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self.attachments = Attachments()

    def run(self, root: Element) -> None:
        for parent in list(root.iter()):
            for index, image in reversed(list(enumerate(parent))):
                if image.tag != "img":
                    continue
                src = image.get("src", "")
                if src in self.attachments.night_image_names:
                    night = Element("img", {**image.attrib, "src": self.attachments.night_image_names[src], "class": NIGHT_FIGURE_CLASS})
                    night.tail, image.tail = image.tail, None
                    image.set("class", LIGHT_FIGURE_CLASS)
                    parent.insert(index + 1, night)
                if src in self.attachments.image_names:
                    image.set("src", self.attachments.image_names[src])


class _AnkiExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(_CodeFencePreprocessor(md), "ankigen_code_fences", 28)
        md.preprocessors.register(_InlineFigurePreprocessor(md), "ankigen_inline_figures", 16)
        md.preprocessors.register(_MathPreprocessor(md), "ankigen_math", 15)
        md.treeprocessors.register(_ImageSourceTreeprocessor(md), "ankigen_images", 5)


def render_markdown(text: str, attachments: Attachments = Attachments()) -> str:
    """Python-Markdown's HTML for a card field, before sanitising: every text's reference rendering."""
    md = _markdown()
    md.reset()
    md.preprocessors["ankigen_code_fences"].attachments = attachments
    md.preprocessors["ankigen_inline_figures"].inline_html = attachments.inline_html
    md.treeprocessors["ankigen_images"].attachments = attachments
    return md.convert(text)


@functools.cache  # one per process, built on first use: building it costs more than rendering a card
def _markdown() -> markdown.Markdown:
    return markdown.Markdown(extensions=["tables", "sane_lists", _AnkiExtension()], output_format="html")
