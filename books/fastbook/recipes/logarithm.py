"""log(x) for chapter 5: defined only for x > 0, so log(-2) has no real value."""

from __future__ import annotations

import math
from pathlib import Path

from ankigen import recipe

from .plotting import ACCENT_COLOR, LINE_COLOR, new_figure, save_figure


def log_curve(low: float, high: float, points: int, device: str) -> tuple[list[float], list[float], float]:
    """The curve on (0, high], and what torch returns for log(-2)."""
    import torch

    x = torch.linspace(low, high, points, device=device)
    at_minus_two = torch.log(torch.tensor(-2.0, device=device)).item()
    return x.cpu().tolist(), torch.log(x).cpu().tolist(), at_minus_two


@recipe("log_curve", low=0.02, high=5.0, points=250)
def plot_log(out: Path, device: str, low: float, high: float, points: int) -> None:
    xs, ys, at_minus_two = log_curve(low, high, points, device)
    fig, ax = new_figure()
    ax.plot(xs, ys, color=LINE_COLOR, linewidth=2, label="ln(x)")
    ax.axvspan(-3, 0, color="#999999", alpha=0.25, label="x ≤ 0: no real log")
    ax.axhline(0, color="black", linewidth=0.6)
    ax.axvline(0, color="black", linewidth=0.6)
    shown = "nan" if math.isnan(at_minus_two) else f"{at_minus_two:.3f}"
    ax.axvline(-2, color=ACCENT_COLOR, linestyle=":", linewidth=2, label=f"torch.log(-2) = {shown}")
    ax.set_xlim(-3, high)
    ax.set_xlabel("x")
    ax.set_ylabel("ln(x)")
    ax.set_title("The natural log exists only for x > 0")
    ax.legend(loc="lower right")
    save_figure(fig, out)
