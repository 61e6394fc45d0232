"""The fence around the optional fast paths.

Each fast path (the plain-text Markdown path, the combined-rule lexer, direct collection rows,
parallel rendering) sits beside the plain implementation it replaces, and tests compare the two
on the real deck and the benchmark corpus. A fast path is used only while the libraries it imitates
or reaches into are at a version it was tested with; otherwise, or with ANKIGEN_SPEEDUPS=off, the
plain implementation runs. The output is the same either way.
"""

from __future__ import annotations

import functools
import os
import sys
from importlib import metadata

SWITCH = "ANKIGEN_SPEEDUPS"  # "off": use every plain reference implementation


def enabled() -> bool:
    return os.environ.get(SWITCH, "on").lower() not in ("off", "0", "no", "false")


def usable(tested: dict[str, tuple[str, ...]], python: tuple[tuple[int, int], ...] | None = None) -> bool:
    """Whether a fast path may run: speed-ups on, and each named library (and Python) at a tested version."""
    if not enabled():
        return False
    if python is not None and sys.version_info[:2] not in python:
        return False
    return all(_installed(name) in versions for name, versions in tested.items())


@functools.cache
def _installed(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None
