"""Facts about the book that the cards cover: how many questionnaire and further-research items
each chapter has. Coverage and ID checks are computed against this table."""

from __future__ import annotations

# chapter -> (questionnaire items, further-research items), in the book's numbering.
ITEM_COUNTS = {
    1: (33, 2), 2: (27, 4), 3: (18, 8), 4: (37, 2), 5: (23, 2), 6: (17, 2), 7: (14, 4),
    8: (31, 4), 9: (30, 4), 10: (22, 2), 11: (15, 2), 12: (39, 4), 13: (40, 3), 14: (22, 4),
    15: (18, 5), 16: (27, 4), 17: (40, 4), 18: (13, 2), 19: (34, 6),
}  # fmt: skip
# Chapters after the book's (an appendix, a bigger deck) may hold extra cards only.
LAST_CHAPTER = 99


def item_count(chapter: int, kind: str) -> int:
    """How many items of a kind ('q' questionnaire, 'r' further research) a chapter has (0 outside the book)."""
    questionnaire, further_research = ITEM_COUNTS.get(chapter, (0, 0))
    return {"q": questionnaire, "r": further_research}[kind]
