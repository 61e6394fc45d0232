"""The preview page in real headless Chromium: cards, images and typeset math are there, and filters work."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from ankigen.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# No network here: keep Chromium from trying to reach update and sync services.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--virtual-time-budget=20000",
]  # fmt: skip


def chromium(page: Path, profile: Path, *args: str, fragment: str = "") -> str:
    assert CHROMIUM, "the preview tests need Chromium: apt-get install chromium"
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri() + fragment]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


def body_data(dom: str) -> dict[str, str]:
    body = re.search(r"<body([^>]*)>", dom)[1]
    return dict(re.findall(r'data-([\w-]+)="([^"]*)"', body))


def make_preview(good_project: Path, capsys) -> Path:
    assert main(["preview", "--root", str(good_project)]) == 0
    assert "Wrote dist/preview/index.html: 8 cards" in capsys.readouterr().out
    return good_project / "dist/preview/index.html"


def test_preview_shows_every_card_with_images_and_typeset_math(good_project, capsys, tmp_path):
    page = make_preview(good_project, capsys)
    dom = chromium(page, tmp_path / "profile", "--dump-dom")
    data = body_data(dom)
    assert data["shown"] == "8"
    assert dom.count('class="preview-card"') == 8
    images = dom.count("<img ")
    assert images == 6 and data["images-loaded"] == str(images)  # 3 images, each on a light and a dark back
    assert int(data["math-typeset"]) >= 8 and "<mjx-container" in dom
    assert r"\(a_1" not in dom.split("<main>")[1]  # every formula was typeset, none left as source
    assert 'class="card nightMode night_mode"' in dom and '<span class="c1">## not a new card</span>' in dom

    screenshot = tmp_path / "preview.png"
    chromium(page, tmp_path / "profile", "--window-size=1200,1600", f"--screenshot={screenshot}")
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 20_000


def test_filters_by_chapter_and_by_text(good_project, capsys, tmp_path):
    page = make_preview(good_project, capsys)
    assert body_data(chromium(page, tmp_path / "p", "--dump-dom", fragment="#chapter=2"))["shown"] == "4"
    assert body_data(chromium(page, tmp_path / "p", "--dump-dom", fragment="#q=snake_case"))["shown"] == "1"
    assert body_data(chromium(page, tmp_path / "p", "--dump-dom", fragment="#chapter=2&q=snake_case"))["shown"] == "0"


def test_preview_is_replaced_whole_and_a_failed_preview_keeps_the_old_one(good_project, capsys):
    page = make_preview(good_project, capsys)
    before = page.read_text()
    source = good_project / "source/01_first_steps.md"
    source.write_text(source.read_text().replace("{#c01-q02", "{#c01-q01"))
    assert main(["preview", "--root", str(good_project)]) == 1
    assert page.read_text() == before
    assert not list((good_project / "dist").glob(".preview-*"))  # no half-written preview left behind
