"""Activation functions of chapter 4: sigmoid and ReLU, computed with torch."""

from __future__ import annotations

from pathlib import Path

from ankigen import recipe

from .plotting import save_themed


def activation_curve(function: str, low: float, high: float, points: int, device: str) -> tuple[list[float], list[float]]:
    import torch

    x = torch.linspace(low, high, points, device=device)
    y = {"sigmoid": torch.sigmoid, "relu": torch.relu}[function](x)
    return x.cpu().tolist(), y.cpu().tolist()


def plot_activation(out: Path, device: str, function: str, low: float, high: float, points: int, title: str) -> None:
    xs, ys = activation_curve(function, low, high, points, device)

    def draw(ax, palette):
        ax.axhline(0, color=palette.muted, linewidth=0.8)
        ax.axvline(0, color=palette.muted, linewidth=0.8)
        ax.plot(xs, ys, **palette.line(0))
        ax.set_title(title)
        ax.set_xlabel("x")
        ax.set_ylabel(f"{function}(x)")

    save_themed(out, draw)


@recipe("sigmoid", low=-4.0, high=4.0, points=161)
def sigmoid(out: Path, device: str, **params) -> None:
    plot_activation(out, device, "sigmoid", title="sigmoid(x) = 1 / (1 + e^(-x))", **params)


@recipe("relu", low=-2.0, high=2.0, points=161)
def relu(out: Path, device: str, **params) -> None:
    plot_activation(out, device, "relu", title="ReLU(x) = max(0, x)", **params)
