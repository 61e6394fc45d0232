"""Fast path: the HTML of text made only of plain paragraphs, math and fenced code, without Python-Markdown.

Most questions and many answers are such text. Their HTML is just their paragraphs, code blocks and
math, built here from escaped pieces; any text that might hold another Markdown construct goes to
Python-Markdown (the reference, `markdown.py`). Tests check that the result is exactly the
reference's on every card of the deck, on the benchmark corpus and on generated text. Because it
imitates Python-Markdown's output, it runs only on the Markdown versions it was tested with.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from .markdown import Attachments, replace_fences, replace_math

TESTED = {"Markdown": ("3.11.3",)}

# Plain prose (most questions, many answers) needs none of Markdown's machinery. Text qualifies only
# if nothing in it could start a Markdown construct: no special character, no line that could open
# a list, quote, heading, rule, code block or hard break. Its HTML is then just its paragraphs
# (a test checks this against Python-Markdown on every card and on generated text).
_SPECIAL_CHARACTERS = set("\\`*_[]<>&#|$~={}!\t\r")  # tabs: Markdown expands them to tab stops
# A line starting a list or quote, or any line with a leading or trailing space (indented code,
# hard breaks, and Markdown's own whitespace rules) keeps the text on the full path. Searched for in
# "\n" + text + "\n", so that every line start and end is a newline the engine can skip to.
_BLOCK_START_RE = re.compile(r"\n(?:[-+>]|\d+[.)]| )| \n")


def _plain_paragraphs(text: str) -> list[str] | None:
    """The paragraphs of text that Markdown would leave as plain paragraphs; None if it might not."""
    if not _SPECIAL_CHARACTERS.isdisjoint(text) or _BLOCK_START_RE.search(f"\n{text}\n"):
        return None
    return [p for p in re.split(r"\n{2,}", text.strip("\n")) if p]


# Stands for a stashed piece of HTML while the rest is checked: characters Markdown treats as text.
_PLACEHOLDER = "\x02ankigen:{}\x03"
_PLACEHOLDER_RE = re.compile("\x02ankigen:(\\d+)\x03")


def _normalize_whitespace(text: str) -> str:
    """What Python-Markdown does to its input first: line ends, tab stops, blank lines emptied."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(4) + "\n\n"
    return re.sub(r"(?<=\n) +\n", "\n", text) if " \n" in text else text


def render_plain(text: str, attachments: Attachments) -> str | None:
    """The HTML of text made of nothing but plain paragraphs, math and fenced code: what Python-Markdown
    would make of it, built from escaped pieces. None for any other text."""
    if "\x02" in text or "\x03" in text:
        return None
    text = _normalize_whitespace(text)
    stashed: list[str] = []
    blocks: dict[int, Callable[[], str]] = {}  # code and outputs, which stand as blocks, not in a paragraph

    def stash(piece: str) -> str:
        stashed.append(piece)
        return _PLACEHOLDER.format(len(stashed) - 1)

    def stash_block(make_html: Callable[[], str]) -> str:
        blocks[len(stashed)] = make_html
        return stash("")

    if "```" in text or "~~~" in text:  # a fence needs at least three of either
        text = "\n".join(replace_fences(text.split("\n"), attachments.outputs, stash_block))
    text = replace_math(text, lambda tex: stash(html.escape(tex, quote=False)))
    paragraphs = _plain_paragraphs(text)
    if paragraphs is None:
        return None
    for index, make_html in blocks.items():  # only now, when the HTML will be used
        stashed[index] = make_html()
    out = []
    for paragraph in paragraphs:
        pieces = [int(number) for number in _PLACEHOLDER_RE.findall(paragraph)]
        if len(pieces) == 1 and pieces[0] in blocks and _PLACEHOLDER_RE.fullmatch(paragraph):
            out.append(stashed[pieces[0]])
        elif blocks.keys().isdisjoint(pieces):
            out.append("<p>" + _PLACEHOLDER_RE.sub(lambda m: stashed[int(m[1])], html.escape(paragraph, quote=False)) + "</p>")
        else:
            return None  # a code block inside a paragraph: past this simple form
    rendered = "\n".join(out).strip()  # as Markdown ends its output
    return None if "\x02" in rendered else rendered  # e.g. display math around a code block


