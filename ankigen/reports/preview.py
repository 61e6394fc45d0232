"""Report: a static page showing every card's front and back as Anki shows them, in light and dark.

Reviewers check a pull request here without Anki: same templates and CSS as the note type, the
same rendered fields and media, and MathJax (from the `django-static-mathjax` package, so nothing
is downloaded) to typeset math as Anki does. The page's own script (filter, search) is not part
of any card.
"""

from __future__ import annotations

import html
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from ..model import Chapter
from ..package.notetype import card_css, templates
from ..profile import FIELD_NAMES, Profile
from ..render import RenderedCard

MATHJAX_SCRIPT = "static/mathjax/es5/tex-svg.js"  # inside the `mathjax` package: self-contained, SVG output
NIGHT_MODE_CLASSES = "nightMode night_mode"

PAGE_CSS = """
body { margin: 0; font-family: system-ui, sans-serif; background: #eef0f3; }
header { position: sticky; top: 0; z-index: 1; display: flex; gap: 0.8em; align-items: center; flex-wrap: wrap;
         padding: 0.6em 1em; background: #22272e; color: #fff; }
header select, header input { font-size: 1em; padding: 0.25em 0.4em; }
main { padding: 1em; display: grid; gap: 1.2em; }
.preview-card { background: #fff; border-radius: 8px; padding: 0.6em 0.8em 0.8em; }
.preview-card h2 { font-size: 0.9em; margin: 0 0 0.5em; color: #444; }
.modes { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0.8em; }
.side-label { font-size: 0.75em; color: #666; margin: 0.4em 0 0.2em; }
.side > .card { border: 1px solid #d0d4da; border-radius: 6px; padding: 0.6em; max-width: 480px; }
"""

PAGE_SCRIPT = """
const chapter = document.getElementById('chapter'), search = document.getElementById('search');
function applyFilter() {
  const wanted = chapter.value, words = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
  let shown = 0;
  for (const card of document.querySelectorAll('.preview-card')) {
    const visible = (!wanted || card.dataset.chapter === wanted) && words.every(w => card.dataset.text.includes(w));
    card.hidden = !visible;
    shown += visible;
  }
  document.getElementById('count').textContent = shown + ' cards';
  document.body.dataset.shown = shown;
}
const start = new URLSearchParams(location.hash.slice(1));
chapter.value = start.get('chapter') || '';
search.value = start.get('q') || '';
chapter.addEventListener('change', applyFilter);
search.addEventListener('input', applyFilter);
applyFilter();
window.addEventListener('load', () => {
  const loaded = [...document.images].filter(image => image.complete && image.naturalWidth > 0);
  document.body.dataset.imagesLoaded = loaded.length;
});
"""

MATHJAX_CONFIG = """
window.MathJax = {startup: {pageReady: () => MathJax.startup.defaultPageReady().then(() => {
  document.body.dataset.mathTypeset = document.querySelectorAll('mjx-container').length;
})}};
"""


def write_preview(rendered: list[tuple[Chapter, list[RenderedCard]]], profile: Profile, out_dir: Path) -> Path:
    """Writes the page, its media and MathJax into out_dir, replacing an earlier preview only when complete."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=".preview-"))
    try:
        for _, cards in rendered:
            for card in cards:
                for media in card.media:
                    if not media.inline:
                        shutil.copyfile(media.path, staging / media.name)
        (staging / "mathjax").mkdir()
        with resources.as_file(resources.files("mathjax").joinpath(MATHJAX_SCRIPT)) as script:
            shutil.copyfile(script, staging / "mathjax" / "tex-svg.js")
        (staging / "index.html").write_text(_page(rendered, profile), encoding="utf-8")
        _swap_in(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"


def _swap_in(staging: Path, out_dir: Path) -> None:
    old = out_dir.with_name(f".{out_dir.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if out_dir.exists():
        out_dir.rename(old)
    staging.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)


def _page(rendered: list[tuple[Chapter, list[RenderedCard]]], profile: Profile) -> str:
    name = html.escape(profile.deck_name)
    options = "".join(
        f'<option value="{chapter.number}">{chapter.number:02d} {html.escape(chapter.title)}</option>'
        for chapter, _ in rendered
    )
    front, back = templates()
    sections = "\n".join(_card_section(chapter, card, front, back) for chapter, cards in rendered for card in cards)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} cards: preview</title>
<style>{card_css(profile)}{PAGE_CSS}</style>
<script>{MATHJAX_CONFIG}</script>
<script id="MathJax-script" async src="mathjax/tex-svg.js"></script>
</head>
<body>
<header>
<strong>{name} cards</strong>
<select id="chapter" aria-label="Chapter"><option value="">All chapters</option>{options}</select>
<input id="search" type="search" placeholder="Search questions and answers" aria-label="Search">
<span id="count"></span>
</header>
<main>
{sections}
</main>
<script>{PAGE_SCRIPT}</script>
</body>
</html>
"""


def _card_section(chapter: Chapter, item: RenderedCard, front_template: str, back_template: str) -> str:
    fields = dict(zip(FIELD_NAMES, (item.card.id.text, item.question_html, item.answer_html, item.source_html)))
    front = _fill(front_template, fields)
    back = _fill(back_template.replace("{{FrontSide}}", front), fields)
    searchable = html.escape(f"{item.card.id} {item.card.question} {item.card.answer}".lower(), quote=True)
    modes = "".join(
        '<div class="mode">'
        + "".join(
            f'<div class="side"><div class="side-label">{label}, {mode}</div><div class="{classes}">{content}</div></div>'
            for label, content in (("Front", front), ("Back", back))
        )
        + "</div>"
        for classes, mode in (("card", "light"), (f"card {NIGHT_MODE_CLASSES}", "night mode"))
    )
    return (
        f'<section class="preview-card" id="{item.card.id}" data-chapter="{chapter.number}" data-text="{searchable}">'
        f'<h2>{item.card.id} &middot; chapter {chapter.number}</h2><div class="modes">{modes}</div></section>'
    )


def _fill(template: str, fields: dict[str, str]) -> str:
    """Anki's field substitution for our templates, which use plain {{Field}} references only."""
    for name, value in fields.items():
        template = template.replace("{{" + name + "}}", value)
    return template
