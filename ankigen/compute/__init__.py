"""Stage 3, compute: figures and code outputs. What shapes computed content: the pinned library versions and the torch device.

Cache keys use the pinned versions (not the installed ones), so a contributor without torch can
still tell that committed figures and outputs are up to date. Nothing here imports torch until a
device is actually needed.
"""

from __future__ import annotations

import hashlib
import json
import logging

from ..errors import BuildError

log = logging.getLogger(__name__)

# Keep equal to the pins in pyproject.toml (tests/test_figures.py checks it).
PINNED_LIBRARIES = {"matplotlib": "3.11.2", "numpy": "2.4.6", "scikit-learn": "1.9.1", "torch": "2.13.0"}
DEVICE_CHOICES = ("auto", "cpu", "cuda")


def cache_key(**parts: object) -> str:
    """A content hash of everything that shapes a computed result, the pinned libraries included."""
    payload = json.dumps({**parts, "libraries": PINNED_LIBRARIES}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def resolve_device(requested: str = "auto") -> str:
    """'cuda' when asked for or available, else 'cpu'; asking for a missing GPU is an error."""
    import torch

    if requested == "cuda" and not torch.cuda.is_available():
        raise BuildError("--device cuda was requested but torch sees no CUDA GPU: use --device cpu or auto")
    if requested == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return requested


def warn_about_unpinned_libraries() -> None:
    """Different library versions can change figure bytes; say so before generating anything."""
    from importlib import metadata

    for name, pinned in PINNED_LIBRARIES.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            raise BuildError(f"{name} is needed to compute figures and outputs: install the figures extra: pip install -e '.[figures]'") from None
        if installed.split("+")[0] != pinned:
            log.warning("warning: %s %s is installed but figures are pinned to %s; their bytes may differ", name, installed, pinned)
