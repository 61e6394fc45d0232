"""log(x) for chapter 5: defined only for x > 0, so log(-2) has no real value."""

from __future__ import annotations

import math
from pathlib import Path

from ankigen import recipe

from .plotting import save_themed


def log_curve(low: float, high: float, points: int, device: str) -> tuple[list[float], list[float], float]:
    """The curve on (0, high], and what torch returns for log(-2)."""
    import torch

    x = torch.linspace(low, high, points, device=device)
    at_minus_two = torch.log(torch.tensor(-2.0, device=device)).item()
    return x.cpu().tolist(), torch.log(x).cpu().tolist(), at_minus_two


@recipe("log_curve", low=0.02, high=5.0, points=250)
def plot_log(out: Path, device: str, low: float, high: float, points: int) -> None:
    xs, ys, at_minus_two = log_curve(low, high, points, device)
    shown = "nan" if math.isnan(at_minus_two) else f"{at_minus_two:.3f}"

    def draw(ax, palette):
        ax.axvspan(-3, 0, color=palette.muted, alpha=0.3, linewidth=0, label="x ≤ 0: no real log")
        ax.axhline(0, color=palette.muted, linewidth=0.8)
        ax.axvline(0, color=palette.muted, linewidth=0.8)
        ax.plot(xs, ys, **palette.line(0), label="ln(x)")
        ax.axvline(-2, **palette.line(1), label=f"torch.log(-2) = {shown}")
        ax.set_xlim(-3, high)
        ax.set_xlabel("x")
        ax.set_ylabel("ln(x)")
        ax.set_title("ln(x) exists only for x > 0")
        ax.figure.legend(loc="outside lower center")  # below the axes: it covers nothing

    save_themed(out, draw, height=3.6)
