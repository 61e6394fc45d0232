"""Shared plotting helpers: figures sized for a phone, drawn twice (light and night), byte-reproducible.

A recipe computes its data once, then hands `save_themed` a function that draws one version on a
given palette; `save_themed` calls it once per palette and writes `out` (light) and
`night_variant(out)` (night). Every figure has the same width and one font size, so that its text is
never smaller than the card's small print on a phone (tests/test_layout.py measures it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ankigen import night_variant

# The card is 336 CSS px wide on a 360 px phone, and its small print is 14.25 px (0.75 x 19 px).
# A figure WIDTH_IN wide is shrunk to 336 px there, so text of FONT_PT shows at
# FONT_PT * 336 / (72 * WIDTH_IN) = 15.6 px: above the small print with room to spare. Wider figures
# would need larger fonts for the same result; a figure keeps its width and grows in height instead
# (several panels are stacked, never put side by side), and stays under 2:1.
WIDTH_IN = 3.6
FONT_PT = 12.0
HEIGHT_IN = 2.7  # one panel


@dataclass(frozen=True)
class LineStyle:
    color: str
    linestyle: str
    marker: str  # for points and for lines with few points; curves use no marker


@dataclass(frozen=True)
class Palette:
    """One version's colours. The backgrounds are the card's own, so a figure sits on its card as if
    drawn there, and still reads if opened on its own. `lines` differ in hue and in dash pattern, so
    two lines stay apart in either mode and for readers who do not tell the hues apart."""

    name: str
    background: str
    text: str
    muted: str  # reference lines (the axes at 0), raw data points, shaded regions
    grid: str
    lines: tuple[LineStyle, ...]

    def line(self, index: int) -> dict[str, str]:
        """`ax.plot` keyword arguments for the index-th line of a figure."""
        style = self.lines[index % len(self.lines)]
        return {"color": style.color, "linestyle": style.linestyle}

    def marker(self, index: int) -> dict[str, str]:
        """`ax.plot` keyword arguments for the index-th set of marked points."""
        style = self.lines[index % len(self.lines)]
        return {"color": style.color, "marker": style.marker, "linestyle": "none"}


# Okabe and Ito's colour-blind-safe hues: darker ones on the light card, lighter ones on the night
# card, each at least 3:1 against its background (WCAG's contrast for graphics).
LIGHT = Palette(
    name="light",
    background="#fdfdfd",
    text="#1d1d1f",
    muted="#8a8a8f",
    grid="#dcdce0",
    lines=(
        LineStyle("#0072b2", "solid", "o"),  # blue
        LineStyle("#d55e00", "dashed", "s"),  # vermillion
        LineStyle("#009e73", "dashdot", "^"),  # bluish green
        LineStyle("#a23b72", "dotted", "D"),  # reddish purple
    ),
)
NIGHT = Palette(
    name="night",
    background="#1e1e1e",
    text="#e6e6e6",
    muted="#8a8a8f",
    grid="#3a3a3d",
    lines=(
        LineStyle("#56b4e9", "solid", "o"),  # sky blue
        LineStyle("#e69f00", "dashed", "s"),  # orange
        LineStyle("#3fc79a", "dashdot", "^"),  # bluish green
        LineStyle("#e78ac3", "dotted", "D"),  # pink
    ),
)


def save_themed(out: Path, draw: Callable, *, rows: int = 1, height: float = HEIGHT_IN, sharex: bool = False) -> None:
    """Draws a figure once per palette and writes the light one to `out`, the night one beside it.

    `draw(axes, palette)` draws one version: `axes` is one Axes, or a column of `rows` Axes. It must
    take every colour from the palette (or leave the default, which the palette sets)."""
    import matplotlib

    matplotlib.use("Agg")  # no display, no GUI backend
    import matplotlib.pyplot as plt

    for palette, path in ((LIGHT, out), (NIGHT, night_variant(out))):
        # rc_context: each version's colours apply to its own figure only and never leak into the next.
        with matplotlib.rc_context(_rc(palette)):
            fig, axes = plt.subplots(rows, 1, figsize=(WIDTH_IN, height), sharex=sharex, layout="constrained")
            draw(axes, palette)
            _save(fig, path)
            plt.close(fig)


def colour_ramp(*colours: str):
    """A matplotlib colour map running through the colours given, e.g. from background to ink."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("ramp-" + "-".join(colours), list(colours))


def image_axes(ax, frame: str | None = None) -> None:
    """Makes an axes show an image: no ticks or grid, and a frame only in the colour given."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(frame is not None)
        if frame is not None:
            spine.set_color(frame)


def _rc(palette: Palette) -> dict[str, object]:
    return {
        "svg.hashsalt": "ankigen",  # fixed ids inside the SVG: same figure, same bytes
        "svg.fonttype": "path",  # text as shapes: no font needed on the phone, and sizes the test can read
        # One size for all text: the smallest text decides whether a figure reads on a phone.
        "font.size": FONT_PT,
        "axes.titlesize": FONT_PT,
        "axes.labelsize": FONT_PT,
        "xtick.labelsize": FONT_PT,
        "ytick.labelsize": FONT_PT,
        "legend.fontsize": FONT_PT,
        "legend.title_fontsize": FONT_PT,
        "figure.titlesize": FONT_PT,
        "lines.linewidth": 2.0,
        "lines.markersize": 7,
        "axes.grid": True,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.facecolor": palette.background,
        "axes.facecolor": palette.background,
        "savefig.facecolor": palette.background,
        "text.color": palette.text,
        "axes.labelcolor": palette.text,
        "axes.titlecolor": palette.text,
        "axes.edgecolor": palette.muted,
        "xtick.color": palette.text,
        "ytick.color": palette.text,
        "grid.color": palette.grid,
        "legend.facecolor": palette.background,
        "legend.edgecolor": palette.grid,
        "legend.framealpha": 1.0,
    }


def _save(fig, out: Path) -> None:
    """Writes SVG or PNG without dates or version stamps, at the figure's own size (no tight bbox:
    the width is what keeps the text large enough)."""
    fmt = out.suffix.lstrip(".")
    metadata = {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
    fig.savefig(out, format=fmt, metadata=metadata, dpi=150)


def html_table(header: list[str], rows: list[list[str]], footer: list[str] | None = None) -> str:
    head = "".join(f"<th>{cell}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    foot = "<tfoot><tr>" + "".join(f"<td>{cell}</td>" for cell in footer) + "</tr></tfoot>" if footer else ""
    return f'<table class="computed">\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n{foot}</table>\n'
