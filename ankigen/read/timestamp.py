"""The build timestamp: it must grow from release to release, yet be the same for two builds of one commit.

Anki updates an existing note on import only when the incoming note is newer, so every note and
the note type carry this time.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

from ..errors import BuildError


def build_timestamp(root: Path, environ: Mapping[str, str]) -> tuple[int, str]:
    """Returns (seconds since the epoch, where it came from): SOURCE_DATE_EPOCH, else the last commit."""
    if "SOURCE_DATE_EPOCH" in environ:
        value = environ["SOURCE_DATE_EPOCH"].strip()
        if not (value.isascii() and value.isdigit()):
            raise BuildError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC, not {value!r}")
        return int(value), "SOURCE_DATE_EPOCH"
    try:
        result = subprocess.run(
            ["git", "log", "-1", "--format=%ct"], cwd=root, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        result = None
    if result is None or result.returncode != 0 or not result.stdout.strip().isascii() or not result.stdout.strip().isdigit():
        raise BuildError(
            "cannot tell the build time: build inside a git checkout with at least one commit, "
            "or set SOURCE_DATE_EPOCH (e.g. SOURCE_DATE_EPOCH=$(date +%s))"
        )
    return int(result.stdout.strip()), "last git commit"
