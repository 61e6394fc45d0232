from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_ROOT = Path(__file__).parent.parent
TIMESTAMP = 1_700_000_000


def copy_profile(root: Path, origin: Path = PROJECT_ROOT) -> Path:
    """The fastbook profile (ankigen.toml and the book's CSS and recipes) under root."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(origin / "ankigen.toml", root / "ankigen.toml")
    shutil.copytree(origin / "books", root / "books", ignore=shutil.ignore_patterns("__pycache__"))
    return root


def copy_project(origin: Path, root: Path) -> Path:
    """A project's profile, sources and media under root: builds of it write there, never into origin."""
    for folder in ("source", "media"):
        shutil.copytree(origin / folder, root / folder)
    return copy_profile(root, origin if (origin / "ankigen.toml").exists() else PROJECT_ROOT)


@pytest.fixture
def good_project(tmp_path: Path) -> Path:
    """A copy of the good fixture project: two chapters that use every card feature."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "good", root)
    return copy_profile(root)


@pytest.fixture
def make_project(tmp_path: Path):
    """Writes {relative path: text} into a fresh project folder and returns its root."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "made"
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        (root / "source").mkdir(parents=True, exist_ok=True)
        (root / "media").mkdir(exist_ok=True)
        if not (root / "ankigen.toml").exists():
            copy_profile(root)
        return root

    return make


@pytest.fixture
def fixed_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(TIMESTAMP))
    return TIMESTAMP


def chapter_text(body: str, chapter: int = 5, extra_metadata: str = "") -> str:
    """A chapter file with valid metadata; line 7 is the first line of `body` (without extra metadata)."""
    return (
        "---\n"
        f"chapter: {chapter}\n"
        "title: Image Classification\n"
        "notebook: 05_pet_breeds.ipynb\n"
        f"{extra_metadata}"
        "---\n"
        "\n"
        f"{body}"
    )


def set_version(root: Path, version: str) -> None:
    """Sets the decks' version in a project's ankigen.toml, as a maintainer cutting a release does."""
    profile = root / "ankigen.toml"
    text = re.sub(r'^version = "[^"]*"', f'version = "{version}"', profile.read_text(), count=1, flags=re.MULTILINE)
    assert f'version = "{version}"' in text
    profile.write_text(text)
