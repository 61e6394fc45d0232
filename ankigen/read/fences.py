"""Fenced-code syntax, shared by the reader (which records blocks) and the renderer (which shows them).

Python-Markdown only recognises fences that start in column 0 and whose info string is a single
word, so the words after the language (`python run raises`) are ours to read and to strip.
"""

from __future__ import annotations

import re

from ..errors import Location
from ..model import CodeBlock

FENCE_OPEN_RE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")


def parse_fence_info(info: str, location: Location) -> CodeBlock:
    """`python run raises` -> language 'python', options ['run', 'raises']."""
    words = info.split()
    return CodeBlock(language=words[0] if words else "", options=words[1:], location=location)


def is_closing_fence(line: str, marker: str) -> bool:
    """A closing fence uses the opening's character, at least as many times, and nothing else."""
    stripped = line.rstrip()
    return stripped.startswith(marker) and not stripped.strip(marker[0])
