"""Render: code blocks highlighted by Pygments, with CSS classes, and the CSS for its palettes."""

from __future__ import annotations

import functools

import pygments
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from .fast_lexer import accelerate

HIGHLIGHT_CLASS = "highlight"
LIGHT_CODE_STYLE = "friendly"
DARK_CODE_STYLE = "monokai"
NIGHT_MODE_SELECTORS = (".nightMode", ".night_mode")  # Anki desktop/AnkiMobile, AnkiDroid
LINE_CLASS = "line"


class LineFormatter(HtmlFormatter):
    """Pygments' HTML with each line of code in a span of its own (its newline inside), so that the
    card's CSS can continue a wrapped line indented under itself in every web view."""

    def wrap(self, source):
        return super().wrap((kind, f'<span class="{LINE_CLASS}">{text}</span>' if kind == 1 else text) for kind, text in source)


_FORMATTER = LineFormatter(cssclass=HIGHLIGHT_CLASS, wrapcode=True)  # as Markdown's codehilite configures it


def highlight_code(code: str, language: str) -> str:
    """Pygments HTML with CSS classes for one code block."""
    return pygments.highlight(code.strip("\n"), lexer_for(language), _FORMATTER)


def highlight_css() -> str:
    """Pygments rules for code blocks: a light palette, and a dark one under Anki's night-mode classes."""
    light = HtmlFormatter(style=LIGHT_CODE_STYLE).get_style_defs(f".{HIGHLIGHT_CLASS}")
    dark_prefixes = [f"{mode} .{HIGHLIGHT_CLASS}" for mode in NIGHT_MODE_SELECTORS]
    dark = HtmlFormatter(style=DARK_CODE_STYLE).get_style_defs(dark_prefixes)
    return f"{light}\n{dark}\n"


@functools.cache  # building a lexer costs more than highlighting a block
def lexer_for(language: str) -> Lexer:
    """Pygments' lexer for a language (plain text if it has none), on the fast path where that is usable."""
    try:
        return accelerate(get_lexer_by_name(language))
    except ClassNotFound:
        return TextLexer()
