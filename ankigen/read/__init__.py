"""Stage 1, read: `source/*.md` -> Chapters. The only module that knows the card syntax.

It records every problem in the Report and resynchronises at the next card heading, so one
`check` run lists everything wrong in a file. It renders nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Location, Report, relative_path
from ..model import Card, CardId, Chapter, CodeBlock, Exclusion, Reference
from ..profile import Profile
from ..render.sanitize import ANKI_MARKUP_RE, FIELD_CONTROL_RE
from .fences import FENCE_OPEN_RE, is_closing_fence, parse_fence_info

FILE_NAME_RE = re.compile(r"^(?P<chapter>\d{2})_[\w.-]+\.md$")
FRONT_MATTER_DELIMITER = "---"
KEY_MEANINGS = {"chapter": "chapter number", "title": "chapter title"}  # other keys: those the source link names
EXCLUDE_KEY_RE = re.compile(r"^exclude\s+(?P<item>[a-z]\d{2,4})$", re.ASCII)  # `exclude q02: why it cannot be a card`

INDENTED_FENCE_RE = re.compile(r"^\s+(`{3,}|~{3,})")
CARD_HEADING_RE = re.compile(r"^##(?!#)(?P<space>\s*)(?P<text>.*)$")
CHAPTER_HEADING_RE = re.compile(r"^#(?!#)\s")
ATTRS_RE = re.compile(r"^#(?P<id>\S+)(?:\s+tags=(?P<tags>\S*))?$")
TAG_RE = re.compile(r"^[\w:-]+$")
# An image target may hold one level of parentheses.
_TARGET = r"\(\s*<?(?P<src>(?:[^()\s>]|\([^()\s]*\))+)>?(?:\s+[\"'].*?[\"'])?\s*\)"
MARKDOWN_IMAGE_RE = re.compile(r"!\[[^\]]*\]" + _TARGET)
CODE_SPAN_RE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)")


def read_sources(source_dir: Path, profile: Profile, report: Report) -> list[Chapter]:
    """Read every chapter file; files that cannot be read at all are reported and skipped."""
    chapters = []
    for path in sorted(source_dir.glob("*.md")):
        if not path.resolve().is_relative_to(source_dir.resolve()):
            shown = path.relative_to(profile.root).as_posix() if path.is_relative_to(profile.root) else path.as_posix()
            report.error(Location(shown, 1), "this chapter file is a link to a file outside source/: copy the file itself into source/")
            continue
        chapter = read_chapter(path, profile, report)
        if chapter is not None:
            chapters.append(chapter)
    return chapters


def read_chapter(path: Path, profile: Profile, report: Report) -> Chapter | None:
    root = profile.root
    shown_path = relative_path(path, root)
    text = _decode(path.read_bytes(), shown_path, report)
    if text is None:
        return None
    lines = _split_lines(text)
    _check_characters(lines, shown_path, report)
    file_match = FILE_NAME_RE.match(path.name)
    if not file_match:
        report.error(
            Location(shown_path, 1),
            f"file name {path.name!r} must start with the two-digit chapter number, "
            "e.g. 05_image_classification.md",
        )
    metadata, exclusions, body_start = _read_front_matter(lines, shown_path, profile, report)
    chapter = _make_chapter(metadata, file_match, path, shown_path, profile, report)
    if chapter is not None:
        chapter.exclusions = _check_exclusions(exclusions, chapter, profile, report)
    chapter_number = chapter.number if chapter else (int(file_match["chapter"]) if file_match else None)
    cards = _CardReader(shown_path, chapter_number, profile, report).read(lines, body_start)
    if chapter is None:
        return None
    chapter.cards = cards
    return chapter


def _split_lines(text: str) -> list[str]:
    """Lines as editors number them: only line feeds (and CR, CRLF) end a line, not a form feed or U+2028."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines




# Cards are short (the longest line of the first deck built with this has about 500 characters, its longest card
# about 2,000). Bounds past that keep every later step quick on any input: Python-Markdown's link
# parsing takes time quadratic in a run of '[' (19,000 of them took 36 s; 6,000 take about 3 s).
MAX_LINE_LENGTH = 2_000
MAX_CARD_LENGTH = 6_000


def _check_characters(lines: list[str], shown_path: str, report: Report) -> None:
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_LENGTH:
            report.error(Location(shown_path, number), f"this line has {len(line):,} characters: break it into lines of at most {MAX_LINE_LENGTH:,}")
        if found := FIELD_CONTROL_RE.search(line):
            report.error(Location(shown_path, number), f"control character U+{ord(found[0]):04X} in this line: delete it (cards hold text, tabs and line breaks only)")
        if found := ANKI_MARKUP_RE.search(line):
            tag = line[found.start() : line.index(":", found.start()) + 1]
            report.error(Location(shown_path, number), f"{tag!r} is Anki's own markup (it plays sound or speech): write it as `{tag}` text some other way, e.g. with a space after '['")


def _decode(data: bytes, shown_path: str, report: Report) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        report.error(
            Location(shown_path, line),
            f"file is not valid UTF-8 (byte 0x{data[err.start]:02x}): save it with UTF-8 encoding",
        )
        return None


def _read_front_matter(
    lines: list[str], shown_path: str, profile: Profile, report: Report
) -> tuple[dict[str, tuple[str, int]], list[Exclusion], int]:
    """Returns {key: (value, line)}, the exclusion lines, and the index of the first body line."""
    keys = profile.front_matter_keys
    if not lines or lines[0].strip() != FRONT_MATTER_DELIMITER:
        report.error(
            Location(shown_path, 1),
            "file must start with a metadata block: a '---' line, 'key: value' lines "
            f"({', '.join(keys)}) and a closing '---'",
        )
        return {}, [], 0
    metadata: dict[str, tuple[str, int]] = {}
    exclusions: list[Exclusion] = []
    for index in range(1, len(lines)):
        line_no = index + 1
        line = lines[index]
        if line.strip() == FRONT_MATTER_DELIMITER:
            return metadata, exclusions, index + 1
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        key = key.strip()
        excluded = EXCLUDE_KEY_RE.match(key)
        if sep and excluded:
            exclusions.append(Exclusion(excluded["item"], value.strip(), Location(shown_path, line_no)))
        elif not sep or key not in keys:
            report.error(
                Location(shown_path, line_no),
                f"unknown metadata line {line.strip()!r}: expected "
                + ", ".join(f"'{k}: <{KEY_MEANINGS.get(k, k)}>'" for k in keys)
                + " or 'exclude qNN: <why it cannot be a card>'",
            )
        elif key in metadata:
            report.error(
                Location(shown_path, line_no),
                f"metadata key {key!r} appears twice (first at line {metadata[key][1]})",
            )
        else:
            metadata[key] = (value.strip(), line_no)
    report.error(Location(shown_path, 1), "metadata block is never closed: add a '---' line after it")
    return {}, [], len(lines)


def _make_chapter(
    metadata: dict[str, tuple[str, int]],
    file_match: re.Match | None,
    path: Path,
    shown_path: str,
    profile: Profile,
    report: Report,
) -> Chapter | None:
    ok = True
    values: dict[str, object] = {}
    for key in profile.front_matter_keys:
        if key not in metadata:
            if metadata or ok:  # an unreadable block was reported already
                report.error(Location(shown_path, 1), f"metadata is missing '{key}: <{KEY_MEANINGS.get(key, key)}>'")
            ok = False
            continue
        value, line_no = metadata[key]
        if key == "chapter":
            if not re.fullmatch(r"[0-9]{1,4}", value):
                report.error(Location(shown_path, line_no), f"'{key}' must be a whole number, not {value!r}")
                ok = False
                continue
            values[key] = int(value)
        elif not value:
            report.error(Location(shown_path, line_no), f"'{key}' must not be empty")
            ok = False
        elif problem := _value_problem(key, value):
            report.error(Location(shown_path, line_no), problem)
            ok = False
        else:
            values[key] = value
    if "chapter" in values:
        number = values["chapter"]
        line_no = metadata["chapter"][1]
        if not 1 <= number <= profile.last_chapter:
            report.error(Location(shown_path, line_no), f"chapter must be between 1 and {profile.last_chapter}, not {number}")
            ok = False
        elif file_match and int(file_match["chapter"]) != number:
            report.error(
                Location(shown_path, line_no),
                f"chapter {number} does not match the file name's prefix {file_match['chapter']}: "
                "rename the file or fix the number",
            )
            ok = False
    if not ok or not file_match:
        return None
    return Chapter(
        number=values.pop("chapter"),
        title=values.pop("title"),
        metadata=values,
        path=path,
        location=Location(shown_path, 1),
    )


# A value the source link names is part of a URL: a file name or path, nothing that could leave it.
_LINK_VALUE_RE = re.compile(r"[A-Za-z0-9_.\-/]+")


def _value_problem(key: str, value: str) -> str | None:
    if key == "title":
        if "<" in value or ">" in value:
            return "'title' must be plain text, without '<' or '>': it names the deck and stands in its description"
        if "::" in value:
            return f"title {value!r} contains '::', which would make a deck inside a deck: use ':' or '-'"
        return None
    if not _LINK_VALUE_RE.fullmatch(value) or ".." in value.split("/"):
        return f"'{key}' names a file for the source link: use letters, digits, '.', '-', '_' and '/' only, not {value!r}"
    return None


def _check_exclusions(exclusions: list[Exclusion], chapter: Chapter, profile: Profile, report: Report) -> dict[str, Exclusion]:
    checked: dict[str, Exclusion] = {}
    for exclusion in exclusions:
        kind, number = profile.kind(exclusion.item[0]), int(exclusion.item[1:])
        limit = kind.count(chapter.number) if kind else 0
        if not 1 <= number <= limit:
            report.error(exclusion.location, f"cannot exclude {exclusion.item}: chapter {chapter.number} has items 01 to {limit:02d}")
        elif not exclusion.reason:
            report.error(exclusion.location, f"say why {exclusion.item} is excluded: 'exclude {exclusion.item}: <reason>'")
        elif exclusion.item in checked:
            report.error(exclusion.location, f"{exclusion.item} is excluded twice (first at {checked[exclusion.item].location})")
        else:
            checked[exclusion.item] = exclusion
    return checked


class _CardReader:
    """Splits the body into cards, line by line, keeping track of code fences."""

    def __init__(self, shown_path: str, chapter_number: int | None, profile: Profile, report: Report):
        self.path = shown_path
        self.chapter_number = chapter_number
        self.profile = profile
        self.report = report
        self.cards: list[Card] = []
        self.current: _PendingCard | None = None
        self.reported_preamble = False

    def read(self, lines: list[str], start: int) -> list[Card]:
        fence: _OpenFence | None = None
        for index in range(start, len(lines)):
            line = lines[index]
            line_no = index + 1
            if fence is not None:
                if is_closing_fence(line, fence.marker):
                    fence.block.code = "\n".join(fence.code_lines)
                    fence = None
                else:
                    if line.startswith("#") and self._looks_like_card_heading(line):
                        self._error(
                            line_no,
                            f"a card heading inside the code block opened at line {fence.block.location.line}: "
                            f"close that block with a {fence.marker} line above this heading",
                        )
                    fence.code_lines.append(line)
                self._add_line(line, line_no)
                continue
            first = line[:1]  # most lines are prose: test one character before any regex
            opening = FENCE_OPEN_RE.match(line) if first in "`~" and first else None
            if opening:
                fence = _OpenFence(opening["fence"], self._open_code_block(opening["info"], line_no))
                self._add_line(line, line_no)
                continue
            if first == "#" and line.startswith("###") and self._looks_like_card_heading(line):
                self._error(line_no, "a card heading starts with exactly '## ': this one would merge into the card above")
            heading = CARD_HEADING_RE.match(line) if first == "#" else None
            if heading:
                self._start_card(heading, line_no)
                continue
            if first == "#" and CHAPTER_HEADING_RE.match(line) and self.current is not None:
                self._error(
                    line_no,
                    "a level-1 heading inside a card: use '## ' to start a new card, "
                    "or '### ' for a heading within an answer",
                )
            elif first.isspace() and INDENTED_FENCE_RE.match(line):
                self._error(
                    line_no,
                    "code fence is indented: start the fence at the beginning of the line "
                    "(fences inside list items are not supported)",
                )
            self._scan_prose(line, line_no)
            self._add_line(line, line_no)
        if fence is not None:
            self._error(
                fence.block.location.line, f"code fence opened here is never closed: add a closing {fence.marker} line"
            )
        self._finish_card()
        return self.cards

    def _looks_like_card_heading(self, line: str) -> bool:
        """A heading line that ends in {#ID} with an ID of the profile's grammar (in code, or with ###)."""
        parsed = _split_heading(line.lstrip("#"))
        attrs = ATTRS_RE.match(parsed[1].strip()) if parsed else None
        return attrs is not None and self.profile.id_pattern.match(attrs["id"]) is not None

    def _error(self, line_no: int, message: str) -> None:
        self.report.error(Location(self.path, line_no), message)

    def _add_line(self, line: str, line_no: int) -> None:
        if self.current is not None:
            self.current.lines.append((line_no, line))
        elif line.strip() and not CHAPTER_HEADING_RE.match(line) and not self.reported_preamble:
            self.reported_preamble = True
            self._error(line_no, "text before the first card: start each card with '## <question> {#<card ID>}'")

    def _open_code_block(self, info: str, line_no: int) -> CodeBlock:
        block = parse_fence_info(info, Location(self.path, line_no))
        if self.current is not None:
            self.current.code_blocks.append(block)
        return block

    def _scan_prose(self, text: str, line_no: int) -> None:
        """Records the images of a line that is not code."""
        if self.current is None or "](" not in text:
            return
        if "`" in text:
            text = CODE_SPAN_RE.sub(lambda span: " " * len(span[0]), text)  # `![x](y)` in code is not an image
        location = Location(self.path, line_no)
        self.current.images += [Reference(m["src"], location) for m in MARKDOWN_IMAGE_RE.finditer(text)]

    def _start_card(self, heading: re.Match, line_no: int) -> None:
        self._finish_card()
        self.current = _PendingCard(line_no)
        if not heading["space"]:
            self._error(line_no, "put a space after '##' in a card heading")
        parsed = _split_heading(heading["text"])
        if parsed is None or not parsed[1].strip().startswith("#"):
            example = self.profile.example_id(self.chapter_number or 1)
            self._error(line_no, f"card has no ID: end the heading with {{#{example}}}")
            self.current.question = heading["text"].strip()
            return
        self.current.question, attribute_text = parsed
        attrs = ATTRS_RE.match(attribute_text.strip())
        if attrs is None:
            self._error(line_no, f"cannot read {{{attribute_text}}}: write {{#<card ID>}} or {{#<card ID> tags=a,b}}")
            return
        self.current.card_id = self._parse_id(attrs["id"], line_no)
        self.current.tags = self._parse_tags(attrs["tags"], line_no)
        self._scan_prose(self.current.question, line_no)

    def _parse_id(self, text: str, line_no: int) -> CardId | None:
        match = self.profile.id_pattern.match(text)
        kind = self.profile.kind(match["kind"]) if match else None
        if match is None or kind is None:
            self._error(line_no, f"malformed card ID {text!r}: use {self.profile.id_help}")
            return None
        card_id = CardId(
            text, int(match["chapter"]), kind.letter, int(match["number"]), match["part"] or "", kind.label, kind.counts is not None
        )
        if self.chapter_number is not None and card_id.chapter != self.chapter_number:
            example = self.profile.example_id(self.chapter_number, kind.letter)
            self._error(
                line_no,
                f"card ID {text} names chapter {card_id.chapter} but this file is chapter "
                f"{self.chapter_number}: use an ID such as {example}",
            )
            return None
        if card_id.number == 0:
            self._error(line_no, f"card ID {text}: item numbers start at 01")
            return None
        if card_id.counted:
            limit = kind.count(card_id.chapter)
            if limit == 0:
                free = next((k.letter for k in self.profile.kinds if k.counts is None), None)
                hint = f": use {self.profile.example_id(card_id.chapter, free)}" if free else ""
                self._error(line_no, f"card ID {text}: chapter {card_id.chapter} has no {kind.label}s{hint}")
                return None
            if card_id.number > limit:
                self._error(line_no, f"card ID {text}: chapter {card_id.chapter} has only {limit} {kind.label}s")
                return None
        return card_id

    def _parse_tags(self, text: str | None, line_no: int) -> list[str]:
        if text is None:
            return []
        tags = [tag for tag in text.split(",") if tag]
        bad = [tag for tag in tags if not TAG_RE.match(tag)]
        if bad or not tags:
            self._error(
                line_no,
                f"bad tags {text!r}: separate tags with commas; use letters, digits, '_', '-' and '::'",
            )
            return []
        return tags

    def _finish_card(self) -> None:
        pending = self.current
        self.current = None
        if pending is None:
            return
        if not pending.question:
            self._error(pending.line_no, "card has an empty question: write it after '## '")
        body = pending.lines
        while body and not body[0][1].strip():
            body = body[1:]
        while body and not body[-1][1].strip():
            body = body[:-1]
        label = pending.card_id or "card"
        if not body:
            self._error(pending.line_no, f"{label} has no answer: write it below the heading")
        if pending.card_id is None or not pending.question or not body:
            return
        length = len(pending.question) + sum(len(line) + 1 for _, line in body)
        if length > MAX_CARD_LENGTH:
            self._error(pending.line_no, f"{label} has {length:,} characters: split it into cards of at most {MAX_CARD_LENGTH:,}")
            return
        self.cards.append(
            Card(
                id=pending.card_id,
                question=pending.question,
                answer="\n".join(line for _, line in body),
                location=Location(self.path, pending.line_no),
                answer_line=body[0][0],
                tags=pending.tags,
                images=pending.images,
                code_blocks=pending.code_blocks,
            )
        )


def _split_heading(text: str) -> tuple[str, str] | None:
    """'Question? {#c05-q01 tags=a}' -> ('Question?', '#c05-q01 tags=a'); None without a final {…}.

    Found from the end in one pass: a regular expression would take time quadratic in a long run of spaces."""
    stripped = text.rstrip()
    start = stripped.rfind("{")
    if not stripped.endswith("}") or start < 0 or "}" in stripped[start + 1 : -1]:
        return None
    return stripped[:start].strip(), stripped[start + 1 : -1]


@dataclass
class _OpenFence:
    marker: str
    block: CodeBlock
    code_lines: list[str] = field(default_factory=list)


@dataclass
class _PendingCard:
    line_no: int
    question: str = ""
    card_id: CardId | None = None
    tags: list[str] = field(default_factory=list)
    lines: list[tuple[int, str]] = field(default_factory=list)  # (line number, text)
    images: list[Reference] = field(default_factory=list)
    code_blocks: list[CodeBlock] = field(default_factory=list)
