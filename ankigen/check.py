"""Stage 4, check: validators that look across cards and files. They record problems, never raise.

Problems inside one file (syntax, metadata, IDs) are found while reading, by `sources`.
"""

from __future__ import annotations

from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from .cards import Chapter
from .errors import Location, Report


def check_chapters(chapters: list[Chapter], report: Report) -> None:
    _check_unique_chapters(chapters, report)
    _check_unique_ids(chapters, report)
    _check_code_languages(chapters, report)


def _check_unique_chapters(chapters: list[Chapter], report: Report) -> None:
    seen: dict[int, Location] = {}
    for chapter in chapters:
        if chapter.number in seen:
            report.error(
                chapter.location,
                f"chapter {chapter.number} is already defined in {seen[chapter.number].path}: one file per chapter",
            )
        else:
            seen[chapter.number] = chapter.location


def _check_unique_ids(chapters: list[Chapter], report: Report) -> None:
    seen: dict[str, Location] = {}
    for chapter in chapters:
        for card in chapter.cards:
            first = seen.setdefault(card.id.text, card.location)
            if first is not card.location:
                report.error(
                    card.location,
                    f"duplicate card ID {card.id} (first used at {first}): give this card a new ID",
                )


def _check_code_languages(chapters: list[Chapter], report: Report) -> None:
    known: dict[str, bool] = {}
    for chapter in chapters:
        for card in chapter.cards:
            for block in card.code_blocks:
                if not block.language:
                    report.error(
                        block.location,
                        "code block has no language: write ```python (or ```text for plain output)",
                    )
                    continue
                if block.language not in known:
                    known[block.language] = _is_known_language(block.language)
                if not known[block.language]:
                    report.error(
                        block.location,
                        f"unknown code language {block.language!r}: use a Pygments lexer name such as python or text",
                    )


def _is_known_language(name: str) -> bool:
    try:
        get_lexer_by_name(name)
    except ClassNotFound:
        return False
    return True
