"""Package: the one note type every card uses, named and numbered by the profile.

Learners' collections match it by id and by its fields' and template's ids and names, so those
are frozen in the profile (and recorded in the identity lock at each release). The fields and
templates themselves are the engine's; CSS and template markup may change (Anki takes them when
the note type's modification time is newer). No JavaScript: the templates are plain HTML.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import TYPE_CHECKING

from ..errors import BuildError, Location
from ..profile import FIELD_NAMES, Profile
from ..render.sanitize import css_problems, sanitize_html

if TYPE_CHECKING:
    import genanki

FRONT = '<div class="question">{{Question}}</div>'
BACK = (
    "{{FrontSide}}\n"
    '<hr id="answer">\n'
    '<div class="answer">{{Answer}}</div>\n'
    '<div class="source">{{Source}}</div>'
)


LAYOUT_CSS = resources.files(__package__).joinpath("card_layout.css")


def card_css(profile: Profile) -> str:
    """ankigen's layout rules, the book's CSS and Pygments' palettes; CSS that could load or run
    anything stops the build."""
    from ..render.highlight import highlight_css  # Pygments: only needed when a package is written

    css = profile.css.read_text(encoding="utf-8")
    shown = profile.css.relative_to(profile.root).as_posix()
    for line, problem in css_problems(css):
        raise BuildError(f"{Location(shown, line)}: {problem}")
    return LAYOUT_CSS.read_text(encoding="utf-8") + css + highlight_css()


def templates() -> tuple[str, str]:
    """Front and back, through the same sanitiser as every field (they are plain HTML, so it keeps them)."""
    return sanitize_html(FRONT), sanitize_html(BACK)


@functools.cache  # one per profile and process: its CSS takes Pygments a few milliseconds
def build_note_type(profile: Profile) -> genanki.Model:
    import genanki  # only a build that writes a package needs it

    front, back = templates()
    return genanki.Model(
        profile.note_type_id,
        profile.note_type_name,
        fields=[{"name": name, "id": field_id} for name, field_id in zip(FIELD_NAMES, profile.field_ids)],
        templates=[{"name": profile.template_name, "id": profile.template_id, "qfmt": front, "afmt": back}],
        css=card_css(profile),
        sort_field_index=0,
    )
