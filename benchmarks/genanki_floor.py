"""The floor: a plain genanki script, one note per card and no rendering at all.

Usage: python genanki_floor.py CARDS.jsonl OUT.apkg
"""

import json
import sys

import genanki

MODEL = genanki.Model(
    1843600001,
    "floor",
    fields=[{"name": "Question"}, {"name": "Answer"}],
    templates=[{"name": "Card", "qfmt": "{{Question}}", "afmt": "{{FrontSide}}<hr id=answer>{{Answer}}"}],
)


def main(cards_path: str, out_path: str) -> None:
    deck = genanki.Deck(1843600002, "floor")
    with open(cards_path, encoding="utf-8") as lines:
        for line in lines:
            card = json.loads(line)
            deck.add_note(genanki.Note(MODEL, [card["question"], card["answer"]], guid=genanki.guid_for(card["id"])))
    genanki.Package(deck).write_to_file(out_path, timestamp=1_700_000_000)


if __name__ == "__main__":
    main(*sys.argv[1:3])
