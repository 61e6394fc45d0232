"""Synthetic card corpora for the benchmarks, written in each tool's own input format.

Same content for every tool: cards spread over 20 chapter files; one answer in four holds a
10-line Python code block, one in five inline math, the rest 2-4 sentences. Deterministic.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass
from pathlib import Path

CHAPTERS = 20
WORDS = (
    "model gradient tensor layer batch loss weight bias activation epoch training data label "
    "feature kernel channel embedding token vocabulary sequence optimizer momentum schedule"
).split()


@dataclass(frozen=True)
class SyntheticCard:
    chapter: int
    number: int
    question: str
    prose: str  # sentences, or a sentence with math written as {math}
    math: str | None
    code: str | None

    @property
    def card_id(self) -> str:
        return f"c{self.chapter:02d}-x{self.number:04d}"

BOOK = Path(__file__).resolve().parent.parent  # the repository: its profile is the corpus's


def make_cards(count: int, seed: int = 0) -> list[SyntheticCard]:
    rng = random.Random(seed)
    cards = []
    for index in range(count):
        chapter, number = index % CHAPTERS + 1, index // CHAPTERS + 1

        def sentence() -> str:
            return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 14))).capitalize() + "."

        question = f"What does the {rng.choice(WORDS)} do with the {rng.choice(WORDS)} in case {index}?"
        code = math = None
        if index % 4 == 0:
            prose = sentence()
            code = "\n".join(
                [f"def step_{index}(x, y):", "    total = 0"]
                + [f"    total += x * {k} + y ** 2  # term {k}" for k in range(1, 7)]
                + ["    return total", f"print(step_{index}(2, 3))"]
            )
        elif index % 5 == 0:
            math = f"x_{{{index % 7}}} = \\frac{{a_i * b_i}}{{\\sum_j e^{{z_j}}}}"
            prose = f"{sentence()} It is {{math}} for each item."
        else:
            prose = " ".join(sentence() for _ in range(rng.randint(2, 4)))
        cards.append(SyntheticCard(chapter, number, question, prose, math, code))
    return cards


def _answer(card: SyntheticCard, math_open: str, math_close: str) -> str:
    text = card.prose.replace("{math}", f"{math_open}{card.math}{math_close}") if card.math else card.prose
    return f"{text}\n\n```python\n{card.code}\n```" if card.code else text


def write_ankigen(cards: list[SyntheticCard], root: Path) -> None:
    """A project with the fastbook profile (its ids, CSS and ID grammar) and synthetic chapters."""
    source = root / "source"
    source.mkdir(parents=True)
    (root / "media").mkdir()
    shutil.copyfile(BOOK / "ankigen.toml", root / "ankigen.toml")
    shutil.copytree(BOOK / "books", root / "books", ignore=shutil.ignore_patterns("__pycache__"))
    for chapter in range(1, CHAPTERS + 1):
        body = [f"---\nchapter: {chapter}\ntitle: Synthetic Chapter {chapter}\nnotebook: synthetic_{chapter:02d}.ipynb\n---\n"]
        for card in (c for c in cards if c.chapter == chapter):
            body.append(f"## {card.question} {{#{card.card_id}}}\n\n{_answer(card, '$', '$')}\n")
        (source / f"{chapter:02d}_synthetic_chapter_{chapter}.md").write_text("\n".join(body), encoding="utf-8")


def write_ankdown(cards: list[SyntheticCard], root: Path) -> None:
    root.mkdir(parents=True)
    for chapter in range(1, CHAPTERS + 1):
        entries = [f"{c.question}\n\n%\n\n{_answer(c, chr(92) + '(', chr(92) + ')')}\n" for c in cards if c.chapter == chapter]
        (root / f"chapter_{chapter:02d}.md").write_text("\n---\n\n".join(entries), encoding="utf-8")


def write_md2anki(cards: list[SyntheticCard], root: Path) -> list[Path]:
    root.mkdir(parents=True)
    files = []
    for chapter in range(1, CHAPTERS + 1):
        notes = [f"## {c.question} ({c.card_id})\n\n{_answer(c, '$', '$')}\n" for c in cards if c.chapter == chapter]
        path = root / f"chapter_{chapter:02d}.md"
        path.write_text(f"# Synthetic Chapter {chapter} ({1843500000 + chapter})\n\n" + "\n".join(notes), encoding="utf-8")
        files.append(path)
    return files


def write_plain(cards: list[SyntheticCard], path: Path) -> None:
    """The floor's input: one JSON object per card, unrendered."""
    path.write_text(
        "\n".join(json.dumps({"id": c.card_id, "question": c.question, "answer": _answer(c, "$", "$")}) for c in cards),
        encoding="utf-8",
    )
