"""Cross-entropy against the probability of the correct class (chapter 5): -log(p), computed by torch's
own F.cross_entropy from raw activations, grows without bound as p goes to 0."""

from __future__ import annotations

import math
from pathlib import Path

from ankigen import recipe

from .plotting import save_themed


def loss_against_probability(probabilities: list[float], classes: int, device: str) -> tuple[list[float], list[float]]:
    """For each p: -log(p), and F.cross_entropy of activations whose softmax gives the correct class
    (index 0) probability p and shares 1 - p evenly among the other classes."""
    import torch

    p = torch.tensor(probabilities, dtype=torch.float64, device=device)
    others = ((1 - p) / (classes - 1)).unsqueeze(1).expand(-1, classes - 1)
    activations = torch.cat([p.unsqueeze(1), others], dim=1).log()  # softmax(log q) = q when q sums to 1
    targets = torch.zeros(len(probabilities), dtype=torch.long, device=device)
    cross_entropy = torch.nn.functional.cross_entropy(activations, targets, reduction="none")
    return (-p.log()).cpu().tolist(), cross_entropy.cpu().tolist()


@recipe("cross_entropy_curve", low=0.005, points=200, marked=[0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.99], classes=3)
def plot_cross_entropy(out: Path, device: str, low: float, points: int, marked: list[float], classes: int) -> None:
    curve = [low + (1 - low) * i / (points - 1) for i in range(points)]
    neg_log, _ = loss_against_probability(curve, classes, device)
    _, marked_losses = loss_against_probability(marked, classes, device)

    def draw(ax, palette):
        ax.axhline(0, color=palette.muted, linewidth=0.8)
        ax.plot(curve, neg_log, **palette.line(0), label="−log(p)")
        ax.plot(marked, marked_losses, **palette.marker(1), label="F.cross_entropy")
        ax.plot(curve, [1 - p for p in curve], **palette.line(2), label="1 − p (chapter 4's loss)")
        first = marked_losses[0]
        ax.annotate(f"p = {marked[0]:g}: {first:.1f}", (marked[0], first), xytext=(12, 0), textcoords="offset points", va="center")
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.2, math.ceil(max(neg_log)))
        ax.set_xlabel("p, probability of the correct class")
        ax.set_ylabel("loss")
        ax.set_title("Cross-entropy soars as p → 0")
        ax.figure.legend(loc="outside lower center")  # below the axes: it covers nothing

    save_themed(out, draw, height=4.4)
