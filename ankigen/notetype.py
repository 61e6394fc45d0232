"""The one note type every card uses. Frozen: learners' collections match it by id and field names.

Changing a field or template name, their order, or the model id makes Anki refuse to update
existing notes for every learner, so none of the constants below may ever change. CSS and
template markup may change (Anki updates them when the note type's modification time is newer).
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import genanki

MODEL_ID = 1843409101
MODEL_NAME = "fastbook (ankigen)"
# Explicit ids let Anki recognise the fields and template even if a learner renames them locally.
FIELDS = [
    {"name": "ID", "id": 1843409111},
    {"name": "Question", "id": 1843409112},
    {"name": "Answer", "id": 1843409113},
    {"name": "Source", "id": 1843409114},
]
TEMPLATE_NAME = "Recall"
TEMPLATE_ID = 1843409121
FRONT = '<div class="question">{{Question}}</div>'
BACK = (
    "{{FrontSide}}\n"
    '<hr id="answer">\n'
    '<div class="answer">{{Answer}}</div>\n'
    '<div class="source">{{Source}}</div>'
)


def card_css() -> str:
    from .highlight import highlight_css  # Pygments' palettes: only needed when a package is written

    return resources.files(__package__).joinpath("card.css").read_text(encoding="utf-8") + highlight_css()


@functools.cache  # one per process: its CSS takes Pygments a few milliseconds
def build_note_type() -> genanki.Model:
    import genanki  # only a build that writes a package needs it

    return genanki.Model(
        MODEL_ID,
        MODEL_NAME,
        fields=[dict(field) for field in FIELDS],
        templates=[{"name": TEMPLATE_NAME, "id": TEMPLATE_ID, "qfmt": FRONT, "afmt": BACK}],
        css=card_css(),
        sort_field_index=0,
    )
