"""Every card of the real deck, as a learner sees it: imported by the real Anki engine, shown with the
note type's CSS and MathJax as Anki configures it, in real headless Chromium on a 360 px phone and
a 1000 px desktop, in light and in night mode. Nothing may reach past the screen, scroll sideways or
be cut off; no table cell may be squeezed; no figure may have text smaller than the card's small
print or glare in night mode. Failures name the cards. Screenshots for humans land in the test's
temporary folder (printed with -s).
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from anki.collection import Collection
from browser import DESKTOP, PHONE, TABLET, chrome, serve
from svg_text import text_sizes, view_width
from conftest import PROJECT_ROOT, TIMESTAMP, copy_project
from test_end_to_end import import_deck, without_css

from ankigen.cli import main
from ankigen.profile import load_profile
from ankigen.reports.preview import ANKI_TEX_SETTINGS, copy_mathjax

PROBE = (Path(__file__).parent / "layout_probe.js").read_text(encoding="utf-8")
MAX_FIGURE_ASPECT = 2.1  # "no wider than about 2:1": wider figures shrink their text on a phone
# Anki's MathJax build and settings, as the preview page uses them.
ANKI_MATHJAX_CONFIG = f"window.MathJax = {{tex: {ANKI_TEX_SETTINGS}, startup: {{typeset: false}}}};"
NIGHT_MODE_CLASSES = "nightMode night_mode"  # Anki desktop and AnkiMobile; AnkiDroid
# Anki's reviewer renders a card in a web view whose body is the card; the browser's default 8 px
# body margin stands for the app's own margin.
PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{css}</style>
<style>body {{ margin: 0; }} [data-card] {{ margin: 8px; min-height: 40px; }}</style>
<script>{config}</script><script src="mathjax/tex-chtml-full.js"></script>
</head><body>
{cards}
</body></html>
"""


@dataclass
class Deck:
    folder: Path  # Anki's media folder, where the test pages are served from
    pages: dict[str, str]  # mode -> page file name
    screenshots: Path


@pytest.fixture(scope="module")
def deck(tmp_path_factory) -> Deck:
    """The real deck, built, imported into a fresh Anki collection, each card's back on a page per mode."""
    root = copy_project(PROJECT_ROOT, tmp_path_factory.mktemp("deck") / "project")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOURCE_DATE_EPOCH", str(TIMESTAMP))
        assert main(["-q", "--root", str(root)]) == 0
    profile = load_profile(root)
    col = Collection(os.fspath(tmp_path_factory.mktemp("learner") / "collection.anki2"))
    try:
        import_deck(col, root / "dist" / profile.package_name)
        css = col.models.by_name(profile.note_type_name)["css"]
        backs = []
        for card_id in col.find_cards(""):
            card = col.get_card(card_id)
            backs.append((card.note()["ID"], without_css(card.answer())))
        media = Path(col.media.dir())
    finally:
        col.close()
    pages = write_pages(media, css, sorted(backs))
    return Deck(media, pages, tmp_path_factory.mktemp("screenshots"))


def write_pages(folder: Path, css: str, backs: list[tuple[str, str]]) -> dict[str, str]:
    """A light and a night page of these (card ID, back HTML), with MathJax beside them; {mode: file name}."""
    copy_mathjax(folder / "mathjax")
    pages = {}
    for mode, classes in (("light", ""), ("night", NIGHT_MODE_CLASSES)):
        cards = "\n".join(
            f'<div class="card card1 {classes}" data-card="{html.escape(card_id)}">{back}</div>' for card_id, back in backs
        )
        pages[mode] = f"layout-{mode}.html"
        (folder / pages[mode]).write_text(PAGE.format(css=css, config=ANKI_MATHJAX_CONFIG, cards=cards), encoding="utf-8")
    return pages


def measure(folder: Path, page: str, screen: dict, profile_dir: Path, screenshots: dict[str, Path] | None = None) -> dict:
    """The probe's findings for a page; screenshots {card ID: file} of some of its cards."""
    with serve(folder) as base, chrome(profile_dir, screen) as driver:
        driver.get(f"{base}/{page}")
        result = driver.execute_async_script(PROBE)
        assert "error" not in result, result.get("error")
        for card_id, shot in (screenshots or {}).items():
            driver.find_element("css selector", f'[data-card="{card_id}"]').screenshot(str(shot))
    assert result["viewport"] == screen["width"]
    return result


def card_problems(folder: Path, result: dict) -> dict[str, list[str]]:
    """{card ID: problems} for the cards that have any."""
    failures = {}
    for card in result["cards"]:
        problems = sorted({f"{what} ({where})" for what, where in card["problems"]}) + figure_problems(folder, card)
        if problems:
            failures[card["id"]] = problems
    return failures


# Cards a human may want to look at: long math, a wide table, a two-panel figure, long code.
SCREENSHOT_CARDS = ("c17-q34", "c02-q15a", "c13-q31", "c04-q10")


@pytest.mark.parametrize("mode", ["light", "night"])
@pytest.mark.parametrize("screen", [PHONE, TABLET, DESKTOP], ids=["phone", "tablet", "desktop"])
def test_every_card_is_readable(deck, screen, mode, tmp_path):
    screenshots = {card_id: deck.screenshots / f"{card_id}-{mode}.png" for card_id in SCREENSHOT_CARDS} if screen is PHONE else {}
    result = measure(deck.folder, deck.pages[mode], screen, tmp_path / "profile", screenshots)
    print(f"\nscreenshots: {deck.screenshots}")

    assert result["mathErrors"] == 0 and result["typeset"] > 100
    assert len(result["cards"]) > 500 and all(card["smallPrintPx"] for card in result["cards"])
    failing = card_problems(deck.folder, result)
    assert not failing, f"{len(failing)} cards unreadable at {screen['width']} px, {mode}:\n" + "\n".join(
        f"  {card_id}: {'; '.join(problems)}" for card_id, problems in sorted(failing.items())
    )
    assert result["pageScrollWidth"] <= screen["width"]


def figure_problems(media: Path, card: dict) -> list[str]:
    """Each image's shape; a figure's smallest text, as shown, against the card's small print."""
    problems = []
    for image in (image for image in card["images"] if image["loaded"]):  # one that did not load is reported already
        if image["width"] / image["height"] > MAX_FIGURE_ASPECT:
            problems.append(f"figure wider than {MAX_FIGURE_ASPECT}:1 ({image['src']})")
        path = media / image["src"]
        if path.suffix != ".svg":
            problems.append(f"{image['src']}: the size of its text cannot be measured (figures are matplotlib SVGs)")
            continue
        svg = path.read_text(encoding="utf-8")
        sizes, texts = text_sizes(svg)
        if not sizes or len(sizes) != texts:  # a text this test cannot read must not pass unmeasured
            problems.append(f"only {len(sizes)} of the {texts} texts of {image['src']} could be measured")
        elif (smallest := min(sizes) * image["width"] / view_width(svg)) < card["smallPrintPx"] - 0.05:
            problems.append(
                f"figure text {smallest:.1f} px, smaller than the card's small print "
                f"{card['smallPrintPx']:.1f} px ({image['src']})"
            )
    return problems


def wide_figure(path: Path, face: str) -> None:
    """A real matplotlib figure with text as paths: 8 x 2 inches, 6 pt labels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams.update({"svg.fonttype": "path", "font.size": 6})
    fig, ax = plt.subplots(figsize=(8, 2), facecolor=face)
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("x")
    ax.set_ylabel("y", color="#3366cc")  # coloured and rotated: written differently by matplotlib
    fig.savefig(path, format="svg", facecolor=face)
    plt.close(fig)


def test_the_probe_finds_each_kind_of_problem(tmp_path):
    """The checks above can fail: hand-made cards with each problem are caught, a good card is not."""
    from ankigen.package.notetype import card_css

    folder = tmp_path / "page"
    folder.mkdir()
    wide_figure(folder / "wide.svg", "white")
    words = "word " * 80
    sides = {
        "good": r"<p>Short text and \(x^2\).</p><pre>" + "code " * 40 + "</pre>",
        "wide-math": r"\[" + " + ".join(f"a_{{{i}}}" for i in range(40)) + r"\]",
        "scrolls": f'<div style="overflow-x: auto"><span style="white-space: nowrap">{words}</span></div>',
        "cut": f'<div style="overflow-x: hidden"><span style="white-space: nowrap">{words}</span></div>',
        "squeezed": "<table><tr>" + "<th>head</th>" * 8 + "</tr><tr>" + "<td>several words in every cell</td>" * 8 + "</tr></table>",
        "figure": '<img src="wide.svg">',
        # Both versions of a figure, with the mode switch broken by hand; a missing night version.
        "switch": '<img class="light-figure" src="wide.svg" style="display: none"><img class="night-figure" src="wide.svg" style="display: inline">',
        "missing": '<img class="light-figure" src="wide.svg"><img class="night-figure" src="missing.svg">',
    }
    backs = [(card_id, f'{body}<div class="source">Chapter 1</div>') for card_id, body in sides.items()]
    pages = write_pages(folder, card_css(load_profile(PROJECT_ROOT)), backs)

    phone = card_problems(folder, measure(folder, pages["night"], PHONE, tmp_path / "profile"))
    assert "good" not in phone
    assert any(p.startswith("reaches past the screen edge (mjx-") for p in phone["wide-math"])
    assert "scrolls sideways (div)" in phone["scrolls"] and "cuts off its content (div)" in phone["cut"]
    assert any(p.startswith("table cell squeezed") for p in phone["squeezed"])
    figure = " ".join(phone["figure"])
    assert "bright panel in night mode" in figure and "wider than 2.1:1" in figure and "smaller than the card's small print" in figure
    assert "image has no night version (wide.svg)" in phone["figure"]
    assert "image did not load (missing.svg)" in phone["missing"]
    desktop = card_problems(folder, measure(folder, pages["light"], DESKTOP, tmp_path / "profile"))
    assert "good" not in desktop and "wide-math" in desktop
    assert not any("bright" in p for p in desktop["figure"])  # a light card may show a light figure
    assert {"the light version of a figure is hidden (wide.svg)", "the night version of a figure shows (wide.svg)"} <= set(desktop["switch"])
