"""Stage 4, check: validators that look across cards and files. They record problems, never raise.

Problems inside one file (syntax, metadata, IDs) are found while reading, by `sources`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .cards import Chapter
from .errors import Location, Report
from .execute import RUN_OPTIONS, block_timeout
from .figures import Recipe
from .media import figure_references
from .sanitize import link_problem, tag_problems


def check_chapters(chapters: list[Chapter], report: Report) -> None:
    _check_unique_chapters(chapters, report)
    _check_unique_ids(chapters, report)
    _check_code_languages(chapters, report)
    check_code_options(chapters, report)
    _check_exclusions_have_no_cards(chapters, report)
    _check_card_markup(chapters, report)


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
                    report.error(block.location, "timeout must be a whole number of seconds, e.g. timeout=120")


def check_figure_references(
    chapters: list[Chapter], figures_dir: Path, registry: Mapping[str, Recipe], report: Report
) -> None:
    """An image in media/figures/ must be the output of a registered recipe."""
    for ref, path in figure_references(chapters, figures_dir):
        item = registry.get(path.stem)
        if item is None:
            report.error(
                ref.location,
                f"no figure recipe named {path.stem!r}: add one in ankigen/recipes/ (known: {', '.join(sorted(registry))})",
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


def _check_card_markup(chapters: list[Chapter], report: Report) -> None:
    """Raw HTML and links that the sanitiser would strip are reported where they are written."""
    for chapter in chapters:
        for card in chapter.cards:
            for tag in card.html_tags:
                for problem in tag_problems(tag.name, tag.attrs):
                    report.error(tag.location, problem)
            for link in card.links:
                if problem := link_problem(link.src):
                    report.error(link.location, problem)
