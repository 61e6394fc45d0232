"""Stage 2, render: a card's Markdown -> HTML for Anki, with Pygments classes and MathJax delimiters.

Knows nothing about files: callers pass the text plus its Attachments (packaged image names,
HTML figures to inline, outputs of executed code blocks).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from pygments.formatters import HtmlFormatter

from .cards import Execution
from .fences import FENCE_OPEN_RE, is_closing_fence, parse_fence_info

HIGHLIGHT_CLASS = "highlight"
LIGHT_CODE_STYLE = "friendly"
DARK_CODE_STYLE = "monokai"
NIGHT_MODE_SELECTORS = (".nightMode", ".night_mode")  # Anki desktop/AnkiMobile, AnkiDroid

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
    inline_html: Mapping[str, str] = field(default_factory=dict)  # src of an .html figure -> its HTML
    outputs: Mapping[str, Execution] = field(default_factory=dict)  # code of a `run` block -> result


class _CodeFencePreprocessor(Preprocessor):
    """Strips our words from fence info strings and puts each executed block's output below it.

    Runs before Python-Markdown's fenced-code preprocessor, which would not see `python run` as a fence.
    """

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self.attachments = Attachments()

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        marker = None
        for line in lines:
            if marker is None:
                opening = FENCE_OPEN_RE.match(line)
                if opening:
                    marker, block, code = opening["fence"], parse_fence_info(opening["info"], None), []
                    line = marker + block.language
            elif is_closing_fence(line, marker):
                marker = None
                out.append(line)
                if block.runs:
                    out += ["", self.md.htmlStash.store(_output_html(self.attachments.outputs["\n".join(code)])), ""]
                continue
            else:
                code.append(line)
            out.append(line)
        return out


def _output_html(result: Execution) -> str:
    kind = "output error" if result.raised else "output"
    return f'<pre class="{kind}">{html.escape(result.output.rstrip(), quote=False)}</pre>'


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
        text = "\n".join(lines)
        if "$" not in text:
            return lines
        return self._replace_math(text).split("\n")

    def _replace_math(self, text: str) -> str:
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
                replacement = self._stash(r"\[" + match["display"] + r"\]")
            else:
                replacement = self._stash(r"\(" + match["inline"] + r"\)")
            out.append(replacement)
            position = match.end()
        out.append(text[position:])
        return "".join(out)

    def _stash(self, tex: str) -> str:
        return self.md.htmlStash.store(html.escape(tex, quote=False))


def _code_span_end(text: str, opener: re.Match) -> int:
    """End of the code span opened by a run of backticks, or of the run itself if it never closes."""
    ticks = opener["code"]
    closer = re.compile(rf"(?<!`){ticks}(?!`)")
    found = closer.search(text, opener.end())
    return found.end() if found else opener.end()


class _ImageSourceTreeprocessor(Treeprocessor):
    """Points every <img> at its packaged media name (Anki keeps media in one flat folder)."""

    def __init__(self, md: markdown.Markdown):
        super().__init__(md)
        self.image_names: Mapping[str, str] = {}

    def run(self, root: Element) -> None:
        for image in root.iter("img"):
            src = image.get("src", "")
            if src in self.image_names:
                image.set("src", self.image_names[src])


class _AnkiExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.register(_CodeFencePreprocessor(md), "ankigen_code_fences", 28)
        md.preprocessors.register(_InlineFigurePreprocessor(md), "ankigen_inline_figures", 16)
        md.preprocessors.register(_MathPreprocessor(md), "ankigen_math", 15)
        md.treeprocessors.register(_ImageSourceTreeprocessor(md), "ankigen_images", 5)


class Renderer:
    """Reuses one configured Markdown instance, since building it costs more than rendering a card."""

    def __init__(self) -> None:
        self._md = markdown.Markdown(
            extensions=["fenced_code", "codehilite", "tables", "sane_lists", _AnkiExtension()],
            extension_configs={
                "codehilite": {"css_class": HIGHLIGHT_CLASS, "guess_lang": False, "use_pygments": True}
            },
            output_format="html",
        )

    def render(self, text: str, attachments: Attachments = Attachments()) -> str:
        self._md.reset()
        self._md.preprocessors["ankigen_code_fences"].attachments = attachments
        self._md.preprocessors["ankigen_inline_figures"].inline_html = attachments.inline_html
        self._md.treeprocessors["ankigen_images"].image_names = attachments.image_names
        return self._md.convert(text)

    def render_inline(self, text: str, attachments: Attachments = Attachments()) -> str:
        """Renders a one-line text (a question) without the wrapping paragraph."""
        rendered = self.render(text, attachments)
        if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
            return rendered[3:-4]
        return rendered


def highlight_css() -> str:
    """Pygments rules for code blocks: a light palette, and a dark one under Anki's night-mode classes."""
    light = HtmlFormatter(style=LIGHT_CODE_STYLE).get_style_defs(f".{HIGHLIGHT_CLASS}")
    dark_prefixes = [f"{mode} .{HIGHLIGHT_CLASS}" for mode in NIGHT_MODE_SELECTORS]
    dark = HtmlFormatter(style=DARK_CODE_STYLE).get_style_defs(dark_prefixes)
    return f"{light}\n{dark}\n"
