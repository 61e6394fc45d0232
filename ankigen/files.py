"""Small file helpers every stage shares: atomic writes, forgiving cache reads, content hashes, a build lock, SQLite page size."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

# For the SQLite files builds write (collections, the render cache), whose rows are rendered cards
# of a kilobyte or two: 4 KiB pages (SQLite's default) leave a fifth of such a file empty, and
# 16 KiB pages make it that much smaller and quicker to write and to compress. Any page size opens
# in Anki: it is written in the file's header.
SQLITE_PAGE_SIZE = 16384


def write_atomically(path: Path, content: str | bytes) -> None:
    """Writes a sibling temporary file, then renames it: readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    os.replace(staging, path)


def read_json_or_empty(path: Path) -> dict:
    """For caches and manifests: a missing or broken file only means recomputing, never a crash."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_matches(path: Path, sha256: str) -> bool:
    """Whether the file is still there with the content recorded as sha256."""
    return path.is_file() and file_sha256(path) == sha256


@contextlib.contextmanager
def exclusive(lock_path: Path) -> Iterator[None]:
    """Holds an exclusive lock on an existing file (opened to read: it is not changed)."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; concurrent builds are the user's care
        yield
        return
    with lock_path.open("rb") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("Waiting for another build of this project to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
