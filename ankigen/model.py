"""The data shapes that flow between stages: chapters, cards and their IDs. No I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Location


@dataclass(frozen=True)
class CardId:
    """A card's permanent ID, taken apart by the profile's ID grammar (e.g. c05-q13)."""

    text: str
    chapter: int
    kind: str  # a kind letter of the profile, e.g. "q"
    number: int
    part: str
    label: str  # the kind's wording, e.g. "questionnaire item"
    counted: bool  # whether the number is an item of the book (or a free number)

    def describe(self) -> str:
        """Human wording of what the card covers, e.g. 'questionnaire item 13'."""
        return f"{self.label} {self.number}" if self.counted else self.label

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Reference:
    """An image source as written in a card's Markdown, with its line."""

    src: str
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
    answer_line: int  # the line the answer starts on
    tags: list[str] = field(default_factory=list)
    images: list[Reference] = field(default_factory=list)
    code_blocks: list[CodeBlock] = field(default_factory=list)
    release: str = ""  # the deck version that last changed the card, from the identity lock (check stage)


@dataclass(frozen=True)
class Exclusion:
    """An item deliberately left without a card, e.g. 'complete the online appendix'."""

    item: str  # "q02"
    reason: str
    location: Location


@dataclass
class Chapter:
    number: int
    title: str
    metadata: dict[str, str]  # the front matter's other keys, e.g. the notebook the source link names
    path: Path  # absolute path of the source file
    location: Location  # line 1 of the file
    cards: list[Card] = field(default_factory=list)
    exclusions: dict[str, Exclusion] = field(default_factory=dict)  # item ("q02") -> why

    @property
    def slug(self) -> str:
        words = re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")
        return f"{self.number:02d}-{words}"

