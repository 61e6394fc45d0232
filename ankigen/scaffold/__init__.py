"""`ankigen init`: a new deck project for another book, from the templates beside this module,
with ids and a GUID namespace drawn fresh for that deck alone.
"""

from __future__ import annotations

import json
import os
import random
import re
import secrets
import shutil
import string
import tempfile
from importlib import resources
from pathlib import Path

from .. import __version__
from ..errors import BuildError, ProfileError
from ..profile import load_profile

# Template name -> where it goes in the project. Package data globs skip dot files, so the
# templates have plain names and get their dots here.
FILES = {
    "ankigen.toml": "ankigen.toml",
    "style/card.css": "style/card.css",
    "source/01_getting_started.md": "source/01_getting_started.md",
    "README.md": "README.md",
    "requirements.txt": "requirements.txt",
    "gitignore": ".gitignore",
    "github/workflows/ci.yml": ".github/workflows/ci.yml",
}
# Only these are string.Template files; the others hold '$' of their own (math, workflow expressions).
TEMPLATED = {"ankigen.toml", "README.md", "requirements.txt"}
EMPTY_FILES = ("media/.gitkeep",)  # git keeps no empty folder
# A deck name becomes the root deck, every tag's root and the packages' file names.
NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")
ID_NAMES = ("deck_id", "note_type_id", "template_id", "field_id", "question_id", "answer_id", "source_id")


def scaffold(directory: Path, title: str = "My Book", name: str | None = None) -> list[str]:
    """Writes a deck project into directory (new, or empty) and returns the created files' relative paths.

    Everything is written into a temporary sibling folder and checked there (the profile must load),
    then moved into place, so a failure leaves nothing behind.
    """
    directory = Path(directory).resolve()
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise BuildError(f"{directory} already exists and is not an empty folder: pick a new folder for the project")
    name = name if name is not None else _slug(directory.name)
    if not NAME_RE.match(name):
        raise BuildError(f"deck name {name!r} is not usable: use letters, digits, '-' and '_' only (--name)")

    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}-", suffix=".init", dir=directory.parent))
    except OSError as err:
        raise BuildError(f"cannot create the project in {directory}: {err}") from None
    try:
        created = _write(staging, _values(title, name))
        try:
            load_profile(staging)
        except ProfileError as err:
            problems = "; ".join(problem.message for problem in err.problems)
            raise BuildError(f"these settings make no valid profile ({problems}): pick another --title or --name") from None
        _move_into_place(staging, directory)
    except OSError as err:
        raise BuildError(f"cannot create the project in {directory}: {err}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return created


def _slug(folder_name: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", folder_name.lower()).strip("-")
    if not slug:
        raise BuildError(f"cannot make a deck name from the folder name {folder_name!r}: pass --name (letters, digits, '-', '_')")
    return slug


def _values(title: str, name: str) -> dict[str, str]:
    """What the templates are filled with: names, the engine version, and fresh random ids."""
    draw = random.SystemRandom()
    ids: list[int] = []
    while len(ids) < len(ID_NAMES):  # all distinct, so that no two can be mistaken for each other
        value = draw.randrange(1 << 30, 1 << 31)
        if value not in ids:
            ids.append(value)
    return {
        "title": title,
        "title_toml": json.dumps(title, ensure_ascii=False),  # a JSON string is a valid TOML basic string
        "name": name,
        "version": __version__,
        "guid_namespace": f"{name}.{secrets.token_hex(8)}",  # unique, so no note can clash with another deck's
        **{key: str(value) for key, value in zip(ID_NAMES, ids)},
    }


def _write(root: Path, values: dict[str, str]) -> list[str]:
    templates = resources.files(__package__) / "template"
    for template, target in FILES.items():
        text = templates.joinpath(*template.split("/")).read_text(encoding="utf-8")
        if template in TEMPLATED:
            text = string.Template(text).substitute(values)
        path = root / target
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")
    for target in EMPTY_FILES:
        (root / target).parent.mkdir(parents=True, exist_ok=True)
        (root / target).touch()
    return sorted([*FILES.values(), *EMPTY_FILES])


def _move_into_place(staging: Path, directory: Path) -> None:
    """One rename for a new folder; into an existing empty one (maybe the working directory, which must
    stay the same folder), its entries one by one, taken back if a move fails."""
    if not directory.exists():
        staging.rename(directory)
        return
    moved: list[Path] = []
    try:
        for entry in sorted(staging.iterdir()):
            os.replace(entry, directory / entry.name)
            moved.append(directory / entry.name)
    except OSError:
        for path in moved:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        raise
