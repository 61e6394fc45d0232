"""Render, tables: label every cell with its column's header, and mark the tables too wide for a phone.

On a narrow screen the card's CSS shows a marked ("stacked") table as one block per row, each cell
under its label (`td[data-label]::before`), instead of squeezing columns or scrolling them out of
sight. Works on the HTML of any table a card holds: from Markdown, computed, or written by hand.
"""

from __future__ import annotations

import html
import itertools
import re

STACKED_CLASS = "stacked"
# Characters of text a phone shows on one line of a card (about 340 px of text at 19 px, the size
# `ankigen init` projects start with): a table whose columns need more than that, with each cell's
# padding, is stacked on narrow screens (see card_layout.css).
PHONE_LINE_CHARACTERS = 32
CELL_PADDING_CHARACTERS = 2

_TABLE_RE = re.compile(r"<table(?P<attributes>[^>]*)>(?P<body>.*?)</table>", re.DOTALL)
_ROW_RE = re.compile(r"<tr[^>]*>.*?</tr>", re.DOTALL)
_CELL_RE = re.compile(r"<(?P<tag>t[dh])(?P<attributes>[^>]*)>(?P<content>.*?)</t[dh]>", re.DOTALL)
_TAG_RE = re.compile(r"<[^>]*>")
_CLASS_RE = re.compile(r'\bclass="(?P<classes>[^"]*)"')
_OWN_LABEL_RE = re.compile(r'\sdata-label="[^"]*"')


def label_tables(text: str) -> str:
    """The HTML with each table's body cells labelled by their header, and wide tables marked."""
    return _TABLE_RE.sub(_label_table, text) if "<table" in text else text


def _cell_text(content: str) -> str:
    return " ".join(html.unescape(_TAG_RE.sub("", content)).split())


def _label_table(table: re.Match) -> str:
    body = _OWN_LABEL_RE.sub("", table["body"])  # a label is the header's, never written by hand
    unlabelled = f"<table{table['attributes']}>{body}</table>"
    rows = _ROW_RE.findall(body)
    if not rows or "<table" in body or "colspan" in body or "<th" not in rows[0]:
        return unlabelled  # nested, merged or headless: its cells cannot be matched to a header
    header = [_cell_text(cell["content"]) for cell in _CELL_RE.finditer(rows[0])]
    widths: dict[int, int] = {}
    for row in rows:
        for column, cell in enumerate(_CELL_RE.finditer(row)):
            widths[column] = max(widths.get(column, 0), len(_cell_text(cell["content"])))
    needed = sum(width + CELL_PADDING_CHARACTERS for width in widths.values())
    if needed <= PHONE_LINE_CHARACTERS:
        return unlabelled

    row_numbers = itertools.count()

    def label_row(row: re.Match) -> str:
        if next(row_numbers) == 0:
            return row[0]  # the header row itself
        columns = itertools.count()

        def label_cell(cell: re.Match) -> str:
            column = next(columns)
            label = header[column] if column < len(header) else ""
            if cell["tag"] == "th" or not label:
                return cell[0]
            attributes = f'{cell["attributes"]} data-label="{html.escape(label)}"'
            return f'<{cell["tag"]}{attributes}>{cell["content"]}</{cell["tag"]}>'

        return _CELL_RE.sub(label_cell, row[0])

    return f"<table{_add_class(table['attributes'])}>{_ROW_RE.sub(label_row, body)}</table>"


def _add_class(attributes: str) -> str:
    found = _CLASS_RE.search(attributes)
    if found is None:
        return f'{attributes} class="{STACKED_CLASS}"'
    classes = f'{found["classes"]} {STACKED_CLASS}'.strip()
    return attributes[: found.start()] + f'class="{classes}"' + attributes[found.end() :]
