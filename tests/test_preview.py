"""The preview page in real headless Chromium: cards are drawn as they come near the screen, with
images and typeset math; the filter and search cover every card and live in the URL; the page
never scrolls sideways."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs

import pytest
from browser import DESKTOP, PHONE, chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from ankigen.cli import main
from ankigen.wording import plural

WIDE_CARD = f"""
## Which wide things stay inside the preview's card box? {{#c01-x01}}

A word that cannot wrap: {"unbreakable" * 40}.

$$\\sum_{{i=1}}^{{n}} {" + ".join(f"x_{{{i}}}^{{2}}" for i in range(60))}$$
"""

# What the page shows, read from the page: the fragment, the controls, the count and the card boxes.
STATE = """
const boxes = [...document.querySelectorAll('.preview-card')];
return {
  fragment: location.hash,
  chapter: document.getElementById('chapter').value,
  search: document.getElementById('search').value,
  count: document.getElementById('count').textContent,
  shown: boxes.filter(box => !box.hidden).map(box => [box.id, box.dataset.chapter]),
  drawn: boxes.filter(box => !box.classList.contains('pending')).map(box => box.id),
  ids: boxes.map(box => box.id),
};
"""

# Card boxes whose right edge reaches past the white box of their card.
STICKING_OUT = """
return [...document.querySelectorAll('.side > .card')]
  .filter(card => card.getBoundingClientRect().right > card.closest('.preview-card').getBoundingClientRect().right)
  .map(card => card.closest('.preview-card').id);
"""


def make_preview(project: Path, capsys, cards: int = 8) -> Path:
    assert main(["preview", "--root", str(project)]) == 0
    assert f"Wrote dist/preview/index.html: {plural(cards, 'card')}" in capsys.readouterr().out
    return project / "dist/preview/index.html"


def open_page(driver, page: Path, fragment: str = "") -> dict:
    """Opens the page and waits for its first screen of cards to be drawn and typeset."""
    driver.get("about:blank")  # a load, not a same-page jump, even where only the fragment differs
    driver.get(page.as_uri() + fragment)
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body.dataset.ready"))
    return driver.execute_script(STATE)


def draw_every_card(driver) -> None:
    """Scrolls each card box into view in turn and waits until every box is drawn and all math typeset."""
    for box in driver.find_elements(By.CSS_SELECTOR, ".preview-card:not([hidden])"):
        driver.execute_script("arguments[0].scrollIntoView()", box)
        WebDriverWait(driver, 30).until(lambda _, box=box: "pending" not in box.get_attribute("class"))
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script(r"return !document.querySelector('main').textContent.match(/\\[(\[]/)")
    )


def fragment_of(state: dict) -> dict[str, list[str]]:
    return parse_qs(state["fragment"].removeprefix("#"))


def shows(state: dict, count: int) -> bool:
    return len(state["shown"]) == count and state["count"] == plural(count, "card")


def test_cards_are_drawn_near_the_screen_with_typeset_math_and_images(good_project, capsys, tmp_path):
    page = make_preview(good_project, capsys)
    with chrome(tmp_path / "profile", PHONE) as driver:
        first = open_page(driver, page)
        assert 0 < len(first["drawn"]) < len(first["ids"]) == 8
        assert first["drawn"] == first["ids"][: len(first["drawn"])]  # the boxes at the top, in order
        assert not driver.find_elements(By.CSS_SELECTOR, ".preview-card.pending .card")  # waiting boxes are empty
        # The first screen's math is typeset by the time the page says it is ready.
        assert driver.execute_script(r"return document.getElementById('c01-q01').textContent.includes('\\(')") is False
        assert driver.find_elements(By.CSS_SELECTOR, "#c01-q01 mjx-container")

        draw_every_card(driver)
        assert driver.execute_script(STATE)["drawn"] == first["ids"]
        assert len(driver.find_elements(By.CSS_SELECTOR, "main mjx-container")) >= 8
        assert len(driver.find_elements(By.CSS_SELECTOR, ".card.nightMode.night_mode")) == 2 * 8  # front and back
        assert "## not a new card" in driver.find_element(By.CSS_SELECTOR, "#c01-q02 .c1").text
        assert not driver.find_elements(By.CSS_SELECTOR, "main script")  # cards carry no JavaScript
        images = driver.find_elements(By.CSS_SELECTOR, "main img")
        in_backs = "return Object.values(cards).map(card => card.back.split('<img ').length - 1).reduce((a, b) => a + b)"
        assert len(images) == 2 * driver.execute_script(in_backs) >= 6  # the 3 images at least, light and night
        WebDriverWait(driver, 30).until(lambda d: all(d.execute_script("return arguments[0].complete", i) for i in images))
        assert all(driver.execute_script("return arguments[0].naturalWidth", image) > 0 for image in images)


def test_filter_and_search_cover_every_card_and_live_in_the_url(good_project, capsys, tmp_path):
    page = make_preview(good_project, capsys)
    with chrome(tmp_path / "profile", DESKTOP) as driver:
        state = open_page(driver, page)
        assert state["fragment"] == "" and shows(state, 8)

        Select(driver.find_element(By.ID, "chapter")).select_by_value("2")
        state = driver.execute_script(STATE)
        assert fragment_of(state) == {"chapter": ["2"]}
        assert shows(state, 4) and {chapter for _, chapter in state["shown"]} == {"2"}
        # Boxes the filter brings to the screen are drawn, though they were far down at first.
        WebDriverWait(driver, 30).until(lambda d: state["shown"][0][0] in d.execute_script(STATE)["drawn"])

        driver.find_element(By.ID, "search").send_keys("snake_case")
        state = driver.execute_script(STATE)
        assert fragment_of(state) == {"chapter": ["2"], "q": ["snake_case"]} and shows(state, 0)

        Select(driver.find_element(By.ID, "chapter")).select_by_value("")
        state = driver.execute_script(STATE)
        assert fragment_of(state) == {"q": ["snake_case"]} and state["shown"] == [["c01-q01", "1"]]
        assert state["count"] == "1 card"  # searched in the cards not drawn yet too

        driver.find_element(By.ID, "search").send_keys(Keys.CONTROL + "a", Keys.BACKSPACE)
        assert driver.execute_script(STATE)["fragment"] == ""

        driver.execute_script("location.hash = '#chapter=2&q=summing+the'")  # a link followed on the page
        WebDriverWait(driver, 10).until(lambda d: d.execute_script(STATE)["search"] == "summing the")
        state = driver.execute_script(STATE)
        assert state["chapter"] == "2" and state["shown"] == [["c02-q02", "2"]]

    with chrome(tmp_path / "profile", DESKTOP) as driver:  # a fresh browser opening a filtered link
        state = open_page(driver, page, "#chapter=1&q=image")
        assert (state["chapter"], state["search"]) == ("1", "image")
        assert state["shown"] == [["c01-q03", "1"]] and state["drawn"] == ["c01-q03"]
        assert shows(open_page(driver, page, "#chapter=2"), 4)
        assert shows(open_page(driver, page, "#chapter=2&q=snake_case"), 0)


@pytest.mark.parametrize("screen", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_page_never_scrolls_sideways(good_project, capsys, tmp_path, screen):
    # A chapter title too long for a phone's menu, and a card far wider than any screen.
    source = good_project / "source/01_first_steps.md"
    text = source.read_text().replace("title: First Steps", "title: First Steps" + ", and a great many more steps" * 4)
    source.write_text(text + WIDE_CARD)
    page = make_preview(good_project, capsys, cards=9)
    with chrome(tmp_path / "profile", screen) as driver:
        open_page(driver, page)
        overflow = "return document.documentElement.scrollWidth - innerWidth"
        assert driver.execute_script(overflow) <= 0
        draw_every_card(driver)
        widest = "return Math.max(...[...document.querySelectorAll('#c01-x01 .card')].map(card => card.scrollWidth))"
        assert driver.execute_script(widest) > 2 * screen["width"]  # the card's content is that wide
        assert driver.execute_script(overflow) <= 0
        assert driver.execute_script(STICKING_OUT) == []


def test_preview_is_replaced_whole_and_a_failed_preview_keeps_the_old_one(good_project, capsys):
    page = make_preview(good_project, capsys)
    before = page.read_text()
    source = good_project / "source/01_first_steps.md"
    source.write_text(source.read_text().replace("{#c01-q02", "{#c01-q01"))
    assert main(["preview", "--root", str(good_project)]) == 1
    assert page.read_text() == before
    assert not list((good_project / "dist").glob(".preview-*"))  # no half-written preview left behind
