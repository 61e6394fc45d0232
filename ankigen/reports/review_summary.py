"""A pull request's cards for its reviewers: added, changed (old and new text) and retired, as
GitHub-flavoured Markdown for the CI job summary.

Card text is the contributor's: questions shown as Markdown are HTML-escaped, and old and new
text sits in fenced code blocks whose fence is longer than any run of backticks in it, so nothing
a card holds can add HTML to the summary or break out of its block.
"""

from __future__ import annotations

import html
import re

from ..model import Card, Chapter
from .release_notes import compare_cards

# GitHub drops a job summary over 1 MiB; past this many characters of old and new text, changed
# cards are listed by ID and question only.
TEXT_BUDGET = 600_000


def format_review_summary(before: list[Chapter], after: list[Chapter], since: str) -> str:
    """The summary of what `after` adds, changes and retires compared with `before` (the sources at `since`)."""
    changes = compare_cards(before, after)
    # compare_cards looks only at today's cards; a card deleted outright (allowed before its first
    # release) would otherwise go unseen by the reviewers.
    current_ids = {card.id.text for chapter in after for card in chapter.cards}
    removed = [card for chapter in before for card in chapter.cards if card.id.text not in current_ids]
    counts = len(changes.added), len(changes.changed), len(changes.retired)
    if not any(counts) and not removed:
        return "## No card is added, changed or retired\n"
    headline = "## Cards changed by this pull request: {} added, {} changed, {} retired".format(*counts)
    lines = [headline + (f", {len(removed)} removed" if removed else "")]
    if changes.added:
        lines += ["", "### Added", "", *(_item(card) for card in changes.added)]
    old = {card.id.text: card for chapter in before for card in chapter.cards}
    budget = TEXT_BUDGET
    for title, cards in (("Changed", changes.changed), ("Retired", changes.retired)):
        if cards:
            lines += ["", f"### {title}"]
        for card in cards:
            lines += ["", _item(card)]
            previous = old[card.id.text]
            if title == "Retired" and (previous.question, previous.answer) == (card.question, card.answer):
                continue  # only the tag changed: the heading says it all
            texts = _old_and_new(previous, card)
            size = sum(len(text) for text in texts)
            if size > budget:
                lines += ["", f"Text left out: the summary would be too long. Run `python build.py changes --since {since}` to see it."]
                continue
            budget -= size
            lines += ["", "<details><summary>Old and new text</summary>", "", *texts, "</details>"]
    if removed:
        lines += ["", "### Removed from the sources", "", *(_item(card) for card in removed)]
    return "\n".join(lines) + "\n"


def _item(card: Card) -> str:
    return f"- `{card.id}` {html.escape(card.question, quote=False)}"


def _old_and_new(old: Card, new: Card) -> list[str]:
    """Fenced blocks of the question (when it changed), the answer and the tags (when they changed)."""
    texts = []
    if old.question != new.question:
        texts += _fenced("Old question", old.question) + _fenced("New question", new.question)
    if old.answer != new.answer:
        texts += _fenced("Old answer", old.answer) + _fenced("New answer", new.answer)
    else:
        texts += ["The answer is unchanged.", ""]
    if old.tags != new.tags:
        texts += _fenced("Old tags", " ".join(old.tags)) + _fenced("New tags", " ".join(new.tags))
    return texts


def _fenced(label: str, text: str) -> list[str]:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{label}:", "", f"{fence}markdown", text, fence, ""]
