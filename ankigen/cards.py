"""The data shapes that flow between stages: chapters, cards and their IDs. No I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Location

# c05-q01: questionnaire item; c05-q11a: part of a split item; c05-r01: further research; c05-x01: extra.
# Up to four digits, so a chapter (or a deck far bigger than the book) can hold thousands of extra cards.
CARD_ID_RE = re.compile(r"^c(?P<chapter>\d{2})-(?P<kind>[qrx])(?P<number>\d{2,4})(?P<part>[a-z]?)$")
ITEM_KINDS = {"q": "questionnaire item", "r": "further-research item", "x": "extra card"}


@dataclass(frozen=True)
class CardId:
    text: str
    chapter: int
    kind: str  # "q", "r" or "x"
    number: int
    part: str

    @classmethod
    def parse(cls, text: str) -> CardId | None:
        match = CARD_ID_RE.match(text)
        if not match:
            return None
        return cls(
            text=text,
            chapter=int(match["chapter"]),
            kind=match["kind"],
            number=int(match["number"]),
            part=match["part"],
        )

    def describe(self) -> str:
        """Human wording of what the card covers, e.g. 'questionnaire item 13'."""
        if self.kind == "x":
            return ITEM_KINDS["x"]
        return f"{ITEM_KINDS[self.kind]} {self.number}"

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Reference:
    """An image source or link target as written in a card's Markdown, with its line."""

    src: str
    location: Location


@dataclass(frozen=True)
class HtmlTag:
    """A raw HTML start tag written in a card (outside code), with its attributes and line."""

    name: str
    attrs: tuple[tuple[str, str | None], ...]
    location: Location


@dataclass
class CodeBlock:
    """A fenced code block: its language, the further words of its info string (e.g. `run`), its code."""

    language: str
    options: list[str]
    location: Location  # the opening fence
    code: str = ""

    @property
    def runs(self) -> bool:
        return "run" in self.options


@dataclass(frozen=True)
class Execution:
    """What running a code block printed: its output, or the exception it raised."""

    output: str
    raised: bool


@dataclass
class Card:
    id: CardId
    question: str  # Markdown (inline)
    answer: str  # Markdown (block)
    location: Location  # the heading line
    tags: list[str] = field(default_factory=list)
    images: list[Reference] = field(default_factory=list)
    links: list[Reference] = field(default_factory=list)
    html_tags: list[HtmlTag] = field(default_factory=list)
    code_blocks: list[CodeBlock] = field(default_factory=list)


@dataclass(frozen=True)
class Exclusion:
    """A questionnaire item deliberately left without a card, e.g. 'complete the online appendix'."""

    item: str  # "q02"
    reason: str
    location: Location


@dataclass
class Chapter:
    number: int
    title: str
    notebook: str
    path: Path  # absolute path of the source file
    location: Location  # line 1 of the file
    cards: list[Card] = field(default_factory=list)
    exclusions: dict[str, Exclusion] = field(default_factory=dict)  # item ("q02") -> why

    @property
    def slug(self) -> str:
        words = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")
        return f"{self.number:02d}-{words}"

    @property
    def tag(self) -> str:
        return f"fastbook::ch{self.number:02d}"
