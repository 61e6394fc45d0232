"""The text sizes in an SVG that matplotlib wrote with text as paths (svg.fonttype "path").

matplotlib draws each piece of text as a group scaled by its size / 100 (its TextPath draws glyphs
at 100 units), y flipped: `<g [style="fill: …"] transform="translate(…) [rotate(…)] scale(s -s)">`;
a sub- or superscript glyph inside is scaled down once more (`<use … transform="… scale(k)"/>`).
Every text sits in a `<g id="text_N">` group, so what this cannot read is counted, not skipped.
"""

from __future__ import annotations

import re

_TEXT_GROUP_RE = re.compile(r'<g (?:style="[^"]*" )?transform="translate\([^)]*\)(?: rotate\([^)]*\))? scale\(([\d.]+) -[\d.]+\)"')
_GLYPH_SCALE_RE = re.compile(r'<use [^>]*transform="translate\([^)]*\) scale\(([\d.]+)\)"')
_VIEW_BOX_RE = re.compile(r'viewBox="[\d.]+ [\d.]+ ([\d.]+) [\d.]+"')


def text_sizes(svg: str) -> tuple[list[float], int]:
    """The font size of each text it could read, in the SVG's own units, smallest glyph scale applied
    to all (a bound from below), and how many texts the SVG holds."""
    glyph_scale = min([1.0, *map(float, _GLYPH_SCALE_RE.findall(svg))])
    sizes = [float(scale) * 100 * glyph_scale for scale in _TEXT_GROUP_RE.findall(svg)]
    return sizes, svg.count('<g id="text_')


def view_width(svg: str) -> float:
    """The SVG's width in its own units (matplotlib: points)."""
    return float(_VIEW_BOX_RE.search(svg)[1])
