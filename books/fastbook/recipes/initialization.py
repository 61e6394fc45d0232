"""Weight initialization (chapter 17): the standard deviation of the activations, layer by layer,
through 50 random layers of 100 units, for three scales of the same random weights.

Top panel, linear layers only (x @ w): weights of standard deviation 1 (naive) and 1/sqrt(n_in)
(Xavier, as the book defines it). Bottom panel, each linear layer followed by ReLU: 1/sqrt(n_in)
again and sqrt(2/n_in) (Kaiming). Every curve uses the same input and the same standard-normal
matrices, only scaled, in float32 as a model would; a curve stops where the activations overflow.
"""

from __future__ import annotations

import math
from pathlib import Path

from ankigen import recipe

from .plotting import save_themed


def activation_stds(layers: int, width: int, rows: int, scale: float, relu: bool, seed: int, device: str) -> list[float]:
    """The standard deviation of the input and of each layer's output (float32; inf or nan once it overflows)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same sums in the same order on every CPU
    try:
        generator = torch.Generator().manual_seed(seed)
        x = torch.randn(rows, width, generator=generator).to(device)
        weights = [torch.randn(width, width, generator=generator).to(device) for _ in range(layers)]
        stds = [x.std().item()]
        for weight in weights:
            x = x @ (weight * scale)
            if relu:
                x = x.clamp_min(0.0)
            stds.append(x.std().item())
    finally:
        torch.set_num_threads(threads)
    return stds


def _finite(stds: list[float]) -> list[float]:
    """The values up to the first that overflowed."""
    end = next((i for i, s in enumerate(stds) if not math.isfinite(s)), len(stds))
    return stds[:end]


def _power_of_ten(value: float, _position=None) -> str:
    # Plain "1e-8" labels: matplotlib's 10^-8 sets the exponent in a smaller size, too small on a phone.
    return f"{value:.0e}".replace("e+0", "e").replace("e-0", "e-").replace("e+", "e").replace("1e0", "1")


@recipe("init_activation_stds", layers=50, width=100, rows=200, seed=0)
def plot_init_activation_stds(out: Path, device: str, layers: int, width: int, rows: int, seed: int) -> None:
    panels = [
        ("linear layers", False, [("std 1", 1.0), ("Xavier: 1/√n_in", 1 / math.sqrt(width))]),
        ("linear + ReLU", True, [("1/√n_in", 1 / math.sqrt(width)), ("Kaiming: √(2/n_in)", math.sqrt(2 / width))]),
    ]
    curves = [
        [(label, _finite(activation_stds(layers, width, rows, scale, relu, seed, device))) for label, scale in lines]
        for _, relu, lines in panels
    ]

    def draw(axes, palette):
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

        style = 0
        for ax, (title, _, _), lines in zip(axes, panels, curves):
            values = [s for _, stds in lines for s in stds]
            low, high = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
            step = max(1, math.ceil((high - low) / 4))
            ticks = [e for e in range(step * (low // step), high + step, step)]
            for label, stds in lines:
                ax.plot(range(len(stds)), stds, **palette.line(style))
                style += 1
                # Each curve labelled beside itself, so no legend hides a curve.
                ratio = stds[-1] / stds[0]
                if ratio > 100:  # rising: the label below and to the right of the curve
                    at = len(stds) // 3
                    ax.text(at + 2, stds[at], label, ha="left", va="top")
                elif ratio < 0.01:  # falling: above and to the right
                    at = len(stds) // 2
                    ax.text(at + 2, stds[at] * 3, label, ha="left", va="bottom")
                else:  # about flat: above its right end
                    ax.text(len(stds) - 1, max(stds) * 3, label, ha="right", va="bottom")
                if len(stds) <= layers:  # overflowed: mark the last finite value
                    ax.plot([len(stds) - 1], [stds[-1]], marker="x", markersize=10, markeredgewidth=2, linestyle="none",
                            color=palette.line(style - 1)["color"])
                    ax.text(len(stds) - 3, stds[-1], f"inf after layer {len(stds) - 1}", ha="right", va="center")
            ax.set_yscale("log")
            ax.set_ylim(10.0 ** ticks[0], 10.0 ** ticks[-1])
            ax.yaxis.set_major_locator(FixedLocator([10.0**e for e in ticks]))
            ax.yaxis.set_minor_locator(NullLocator())
            ax.yaxis.set_major_formatter(FuncFormatter(_power_of_ten))
            ax.set_title(title)
            ax.set_ylabel("std of activations")
        axes[-1].set_xlabel(f"layer ({width} units each)")

    save_themed(out, draw, rows=2, height=6.4, sharex=True)
