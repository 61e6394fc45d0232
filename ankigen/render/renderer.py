"""Render: the one renderer. Every card field goes Markdown -> HTML (tables labelled for
phones) -> the sanitiser, on its way to a deck."""

from __future__ import annotations

from .. import speedups
from . import fast_markdown
from .markdown import Attachments, render_markdown
from .sanitize import sanitize_html
from .tables import label_tables


class Renderer:
    """Renders card fields; plain text takes the fast path where it is usable (same HTML, a test checks)."""

    def __init__(self) -> None:
        self.fast = speedups.usable(fast_markdown.TESTED)

    def render(self, text: str, attachments: Attachments = Attachments()) -> str:
        """Sanitised HTML for a card field."""
        html = fast_markdown.render_plain(text, attachments) if self.fast else None
        if html is None:
            html = render_markdown(text, attachments)
        return sanitize_html(label_tables(html))

    def render_inline(self, text: str, attachments: Attachments = Attachments()) -> str:
        """Renders a one-line text (a question) without the wrapping paragraph."""
        rendered = self.render(text, attachments)
        if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
            return rendered[3:-4]
        return rendered
