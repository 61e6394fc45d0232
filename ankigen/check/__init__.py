"""Stage 2, check: validators that look across cards and files. They record problems, never raise.

Problems inside one file (syntax, metadata, IDs) are found while reading, by `read`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from ..compute.execute import MAX_TIMEOUT_S, RUN_OPTIONS, block_timeout
from ..compute.figures import Recipe
from ..errors import Location, Report
from ..model import Card, Chapter, Execution
from ..read.fences import FENCE_OPEN_RE, is_closing_fence
from ..render.media import figure_references

MAX_ANSWER_WORDS = 150  # of prose: a short answer is learnt; a long one is skimmed


def check_chapters(chapters: list[Chapter], report: Report) -> None:
    _check_unique_chapters(chapters, report)
    _check_unique_ids(chapters, report)
    _check_code_languages(chapters, report)
    check_code_options(chapters, report)
    _check_exclusions_have_no_cards(chapters, report)
    _check_answer_length(chapters, report)


def _check_answer_length(chapters: list[Chapter], report: Report) -> None:
    for chapter in chapters:
        for card in chapter.cards:
            words = prose_words(card.answer)
            if words > MAX_ANSWER_WORDS:
                base = card.id.text[: len(card.id.text) - len(card.id.part)]
                report.error(
                    Location(card.location.path, card.answer_line),
                    f"the answer of {card.id} has {words} words of prose (code and display math not counted): "
                    f"keep it to {MAX_ANSWER_WORDS}: trim it, or split it into two cards, e.g. {base}a and {base}b",
                )


_DISPLAY_MATH_RE = re.compile(r"\$\$.+?\$\$", re.DOTALL)
_WORD_RE = re.compile(r"\S*[^\W_]\S*")  # a run of non-space holding a letter or digit: not a table's |---|


def prose_words(answer: str) -> int:
    """Words of an answer outside its fenced code blocks and display math."""
    prose, marker = [], None
    for line in answer.split("\n"):
        if marker is None and (opening := FENCE_OPEN_RE.match(line)):
            marker = opening["fence"]
        elif marker is not None:
            if is_closing_fence(line, marker):
                marker = None
        else:
            prose.append(line)
    return len(_WORD_RE.findall(_DISPLAY_MATH_RE.sub(" ", "\n".join(prose))))


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
    aliases = _pygments_aliases()
    for chapter in chapters:
        for card in chapter.cards:
            for block in card.code_blocks:
                if not block.language:
                    report.error(
                        block.location,
                        "code block has no language: write ```python (or ```text for plain output)",
                    )
                    continue
                if block.language.lower() not in aliases:
                    report.error(
                        block.location,
                        f"unknown code language {block.language!r}: use a Pygments lexer name such as python or text",
                    )


def _pygments_aliases() -> set[str]:
    """Every name Pygments knows a lexer by, read from its registry without loading any lexer."""
    from pygments.lexers import get_all_lexers

    return {alias.lower() for _, names, _, _ in get_all_lexers(plugins=False) for alias in names}


def check_code_options(chapters: list[Chapter], report: Report) -> None:
    """`run` only on python blocks; `raises` and `timeout=N` only with `run`; nothing else."""
    for chapter in chapters:
        for card in chapter.cards:
            for block in card.code_blocks:
                for option in block.options:
                    if option not in ("run", "raises") and not option.startswith("timeout="):
                        report.error(block.location, f"unknown code block option {option!r}: use {', '.join(RUN_OPTIONS)}")
                if block.options and not block.runs:
                    report.error(block.location, "'raises' and 'timeout=' only apply to blocks marked 'run'")
                if block.runs and block.language != "python":
                    report.error(block.location, f"only python blocks can run, not {block.language!r}")
                if block.runs and block_timeout(block) is None:
                    report.error(block.location, f"timeout must be a whole number of seconds from 1 to {MAX_TIMEOUT_S}, e.g. timeout=120")


def check_figure_references(
    chapters: list[Chapter], figures_dir: Path, registry: Mapping[str, Recipe], report: Report
) -> None:
    """An image in media/figures/ must be the output of a registered recipe."""
    for ref, path in figure_references(chapters, figures_dir):
        item = registry.get(path.stem)
        if item is None:
            report.error(
                ref.location,
                f"no figure recipe named {path.stem!r}: add one to the book's recipes (known: {', '.join(sorted(registry)) or 'none'})",
            )
        elif item.file_name != path.name:
            report.error(ref.location, f"figure {path.stem!r} is written as {item.file_name}, not {path.name}")


def _check_exclusions_have_no_cards(chapters: list[Chapter], report: Report) -> None:
    for chapter in chapters:
        for card in chapter.cards:
            exclusion = chapter.exclusions.get(f"{card.id.kind}{card.id.number:02d}")
            if exclusion is not None:
                report.error(
                    exclusion.location,
                    f"{exclusion.item} is excluded but card {card.id} ({card.location}) covers it: remove the exclusion",
                )


# What in prose can produce markup the sanitiser might change: raw HTML and autolinks, entities,
# inline and reference links. Code (fenced blocks and spans) is escaped whole, so it is left out.
_MARKUP_SIGNS = ("<", "&", "](", "][", "]:")
_CODE_RE = re.compile(r"^(`{3,}|~{3,}).*?^\1|(`+).*?\2", re.M | re.S)
_IMAGE = "markdown-image.png"  # the media name Markdown images get while checking: any other <img> is raw HTML


def check_card_html(chapters: list[Chapter], report: Report) -> None:
    """Renders each card that could hold markup as the renderer does, before sanitising, and reports
    at its line everything the sanitiser would remove: the same allowlist decides both."""
    from ..render.markdown import Attachments, render_markdown
    from ..render.sanitize import TEX_FORBIDDEN_RE, html_problems

    for chapter in chapters:
        for card in chapter.cards:
            if not any(_may_hold_markup(text) or TEX_FORBIDDEN_RE.search(text) for text in (card.question, card.answer)):
                continue
            attachments = Attachments(
                image_names={image.src: _IMAGE for image in card.images},  # the files are checked by resolve_media
                outputs={block.code: Execution("", False) for block in card.code_blocks if block.runs},
            )
            for text in (card.question, card.answer):
                for message, needles in html_problems(render_markdown(text, attachments), frozenset([_IMAGE])):
                    report.error(_find(card, needles), message)


def _may_hold_markup(text: str) -> bool:
    if not any(sign in text for sign in _MARKUP_SIGNS):
        return False
    prose = _CODE_RE.sub("", text) if "`" in text or "~~~" in text else text
    return any(sign in prose for sign in _MARKUP_SIGNS)


def _find(card: Card, needles: tuple[str, ...]) -> Location:
    """The first line of the card that holds the first needle found (case-insensitive), else its heading."""
    lines = [(card.location.line, card.question)]
    lines += [(card.answer_line + offset, text) for offset, text in enumerate(card.answer.splitlines())]
    for needle in needles:
        for line, text in lines:
            if needle.lower() in text.lower():
                return Location(card.location.path, line)
    return card.location
