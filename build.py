#!/usr/bin/env python3
"""Builds the fastbook Anki decks: `python build.py` (build) or `python build.py check`. See --help."""

import sys
from pathlib import Path

from ankigen.cli import main

if __name__ == "__main__":
    sys.exit(main(default_root=Path(__file__).resolve().parent))
