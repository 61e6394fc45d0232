"""Shared plotting helpers: one look for every figure, and byte-reproducible files."""

from __future__ import annotations

from pathlib import Path

FIGURE_SIZE = (5.0, 3.2)
LINE_COLOR = "#1f6fb2"
ACCENT_COLOR = "#d1495b"


def new_figure(ncols: int = 1):
    import matplotlib

    matplotlib.use("Agg")  # no display, no GUI backend
    import matplotlib.pyplot as plt

    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "ankigen",  # fixed ids inside the SVG: same figure, same bytes
            "svg.fonttype": "path",
            "font.size": 10,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    width, height = FIGURE_SIZE
    fig, axes = plt.subplots(1, ncols, figsize=(width * ncols, height), facecolor="white")
    return fig, axes


def save_figure(fig, out: Path) -> None:
    """Writes SVG or PNG without dates or version stamps; a white background reads in night mode too."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fmt = out.suffix.lstrip(".")
    metadata = {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
    fig.savefig(out, format=fmt, metadata=metadata, facecolor="white", dpi=150)
    plt.close(fig)


def html_table(header: list[str], rows: list[list[str]], footer: list[str] | None = None) -> str:
    head = "".join(f"<th>{cell}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    foot = "<tfoot><tr>" + "".join(f"<td>{cell}</td>" for cell in footer) + "</tr></tfoot>" if footer else ""
    return f'<table class="computed">\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n{foot}</table>\n'
