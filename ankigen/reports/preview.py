"""Report: a static page showing every card's front and back as Anki shows them, in light and dark.

Reviewers check a pull request here without Anki: same templates and CSS as the note type, the
same rendered fields and media, and MathJax (from the `django-static-mathjax` package, so nothing
is downloaded) to typeset math as Anki does. The page's own script (filter, search, drawing cards)
is not part of any card.

The real deck has hundreds of cards, each shown four times; drawing and typesetting them all made
the page take seconds to open. So the page holds one empty box per card and the cards' HTML as
JSON, and draws (and typesets) a card only when its box comes near the screen. The chapter filter
and the search work on the JSON, so they cover every card, drawn or not.
"""

from __future__ import annotations

import html
import json
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from ..model import Chapter
from ..package.notetype import card_css, templates
from ..profile import FIELD_NAMES, Profile
from ..render import RenderedCard

# Anki's own MathJax 3 build and settings (ankitects/anki, ts/mathjax/index.ts), from the `mathjax`
# package: math shows here exactly as in Anki, and nothing is downloaded.
MATHJAX_FOLDER = "static/mathjax/es5"
MATHJAX_FILES = ("tex-chtml-full.js", "output/chtml/fonts")
ANKI_TEX_SETTINGS = """{displayMath: [["\\\\[", "\\\\]"]], processEscapes: false, processEnvironments: false, processRefs: false,
        packages: {"[+]": ["noerrors", "mathtools", "mhchem"], "[-]": ["textmacros"]}}"""
NIGHT_MODE_CLASSES = "nightMode night_mode"

# Grid items get min-width: 0 and card boxes scroll sideways on their own, so that however wide a
# card's content is, the page itself never scrolls sideways (Anki's own overflow is the card CSS's job).
PAGE_CSS = """
body { margin: 0; font-family: system-ui, sans-serif; background: #eef0f3; }
header { position: sticky; top: 0; z-index: 1; display: flex; gap: 0.8em; align-items: center; flex-wrap: wrap;
         padding: 0.6em 1em; background: #22272e; color: #fff; }
header select, header input { font-size: 1em; padding: 0.25em 0.4em; min-width: 0; max-width: 100%; }
main { padding: 1em; display: grid; grid-template-columns: minmax(0, 1fr); gap: 1.2em; }
.preview-card { background: #fff; border-radius: 8px; padding: 0.6em 0.8em 0.8em; min-width: 0; }
.preview-card.pending { min-height: 24em; }  /* under most drawn cards' height: a screen draws a few */
.preview-card h2 { font-size: 0.9em; margin: 0 0 0.5em; color: #444; }
.modes { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(320px, 100%), 1fr)); gap: 0.8em; }
.mode, .side { min-width: 0; }
.side-label { font-size: 0.75em; color: #666; margin: 0.4em 0 0.2em; }
.side > .card { border: 1px solid #d0d4da; border-radius: 6px; padding: 0.6em; max-width: 480px; overflow-x: auto; }
"""

# Before the MathJax script: it loads asynchronously and typesets nothing by itself; the page
# typesets each card as it draws it, once MathJax is ready.
MATHJAX_CONFIG = """
const mathJaxReady = new Promise(resolve => {
  window.MathJax = {tex: ANKI_TEX_SETTINGS,
                    startup: {typeset: false, pageReady: () => MathJax.startup.defaultPageReady().then(resolve)}};
});
""".replace("ANKI_TEX_SETTINGS", ANKI_TEX_SETTINGS)

PAGE_SCRIPT = """
const cards = JSON.parse(document.getElementById('card-data').textContent);
const boxes = [...document.querySelectorAll('.preview-card')];
const chapter = document.getElementById('chapter'), search = document.getElementById('search');
const MODES = [['light', 'card'], ['night mode', 'card NIGHT_MODE_CLASSES']];

function draw(box) {
  const card = cards[box.id];
  const side = (label, mode, classes, content) =>
    `<div class="side"><div class="side-label">${label}, ${mode}</div><div class="${classes}">${content}</div></div>`;
  const modes = MODES.map(([mode, classes]) =>
    `<div class="mode">${side('Front', mode, classes, card.front)}${side('Back', mode, classes, card.back)}</div>`);
  box.insertAdjacentHTML('beforeend', `<div class="modes">${modes.join('')}</div>`);
  box.classList.remove('pending');
  return box;
}

// MathJax wants one typesetting at a time: each batch waits for the one before.
let typesetting = mathJaxReady;
function typeset(elements) {
  typesetting = typesetting.then(() => MathJax.typesetPromise(elements)).catch(console.error);
  return typesetting;
}

// The benchmark's mark: when no box on the first screen is still waiting to be drawn and typeset.
function firstScreenDone() {
  return !boxes.some(box => {
    if (!box.classList.contains('pending') || box.hidden) return false;
    const place = box.getBoundingClientRect();
    return place.bottom > 0 && place.top < innerHeight;
  });
}

const nearScreen = new IntersectionObserver(entries => {
  const near = entries.filter(entry => entry.isIntersecting).map(entry => entry.target);
  near.forEach(box => nearScreen.unobserve(box));
  typeset(near.map(draw)).then(() => {
    if (!document.body.dataset.ready && firstScreenDone()) document.body.dataset.ready = Math.round(performance.now());
  });
}, {rootMargin: '50% 0px'});  // draw half a screen ahead, so scrolling rarely shows an empty box

function applyFilter() {
  const wanted = chapter.value, words = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
  let shown = 0;
  for (const box of boxes) {
    box.hidden = !((!wanted || box.dataset.chapter === wanted) && words.every(word => cards[box.id].text.includes(word)));
    shown += !box.hidden;
  }
  document.getElementById('count').textContent = shown + (shown === 1 ? ' card' : ' cards');
}

// The filter lives in the fragment (#chapter=2&q=word), so a filtered view can be linked to.
function readFragment() {
  const wanted = new URLSearchParams(location.hash.slice(1));
  chapter.value = wanted.get('chapter') || '';
  search.value = wanted.get('q') || '';
  applyFilter();
}
function writeFragment() {
  const chosen = new URLSearchParams();
  if (chapter.value) chosen.set('chapter', chapter.value);
  if (search.value) chosen.set('q', search.value);
  const fragment = chosen.toString();
  history.replaceState(null, '', fragment ? '#' + fragment : location.pathname + location.search);
}
for (const [control, event] of [[chapter, 'change'], [search, 'input']]) {
  control.addEventListener(event, () => { applyFilter(); writeFragment(); });
}
window.addEventListener('hashchange', readFragment);
readFragment();
boxes.forEach(box => nearScreen.observe(box));
""".replace("NIGHT_MODE_CLASSES", NIGHT_MODE_CLASSES)


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
        copy_mathjax(staging / "mathjax")
        (staging / "index.html").write_text(_page(rendered, profile), encoding="utf-8")
        _swap_in(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir / "index.html"


def copy_mathjax(target: Path) -> None:
    """Anki's MathJax build and its fonts into target."""
    with resources.as_file(resources.files("mathjax").joinpath(MATHJAX_FOLDER)) as folder:
        target.mkdir()
        for name in MATHJAX_FILES:
            copy = shutil.copytree if (folder / name).is_dir() else shutil.copyfile
            copy(folder / name, target / name)


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
    boxes = "\n".join(
        f'<section class="preview-card pending" id="{item.card.id}" data-chapter="{chapter.number}">'
        f"<h2>{item.card.id} &middot; chapter {chapter.number}</h2></section>"
        for chapter, cards in rendered
        for item in cards
    )
    cards = {str(item.card.id): _sides(item, front, back) for _, cards in rendered for item in cards}
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} cards: preview</title>
<style>{card_css(profile)}{PAGE_CSS}</style>
<script>{MATHJAX_CONFIG}</script>
<script id="MathJax-script" async src="mathjax/tex-chtml-full.js"></script>
</head>
<body>
<header>
<strong>{name} cards</strong>
<select id="chapter" aria-label="Chapter"><option value="">All chapters</option>{options}</select>
<input id="search" type="search" placeholder="Search questions and answers" aria-label="Search">
<span id="count"></span>
</header>
<main>
{boxes}
</main>
<script type="application/json" id="card-data">{_script_safe_json(cards)}</script>
<script>{PAGE_SCRIPT}</script>
</body>
</html>
"""


def _sides(item: RenderedCard, front_template: str, back_template: str) -> dict[str, str]:
    """A card's front and back as Anki fills them in, and the lower-case text the search looks in."""
    fields = dict(zip(FIELD_NAMES, (item.card.id.text, item.question_html, item.answer_html, item.source_html)))
    front = _fill(front_template, fields)
    back = _fill(back_template.replace("{{FrontSide}}", front), fields)
    return {"front": front, "back": back, "text": f"{item.card.id} {item.card.question} {item.card.answer}".lower()}


def _fill(template: str, fields: dict[str, str]) -> str:
    """Anki's field substitution for our templates, which use plain {{Field}} references only."""
    for name, value in fields.items():
        template = template.replace("{{" + name + "}}", value)
    return template


def _script_safe_json(value: object) -> str:
    """JSON that cannot end its <script> element early: "</" and "<!--" are written with escapes JSON reads back."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/").replace("<!--", "\\u003c!--")
