"""The one definition of what shapes the output besides the cards themselves.

Every cache in dist/ (rendered cards, packages, the no-change build record) is keyed by this
fingerprint, so that no list kept by hand can forget a module: it hashes all of the engine's own
files, the book's profile and the CSS it names, and the installed versions of the libraries the
engine depends on.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from importlib import metadata
from pathlib import Path

from .profile import Profile

ENGINE_FOLDER = Path(__file__).resolve().parent


def output_fingerprint(profile: Profile) -> str:
    return _fingerprint(profile.path, profile.css)


@functools.cache  # one per process and profile: the files do not change during a build
def _fingerprint(profile_path: Path, css: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(path for path in ENGINE_FOLDER.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    for path in [*files, profile_path, css]:
        digest.update(f"\x1e{path.name}\x1f".encode())  # \x1e, \x1f: separators no name contains
        digest.update(path.read_bytes())
    digest.update(json.dumps(library_versions()).encode())
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """The installed version of each library ankigen itself requires (not the optional extras)."""
    try:
        requirements = metadata.requires("ankigen") or []
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        requirements = []
    names = [re.match(r"[A-Za-z0-9_.-]+", line)[0] for line in requirements if "extra ==" not in line]
    return {name: _version(name) for name in sorted(names)}


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"
