"""Gradient descent on f(x) = x² (chapter 4): the steps torch's autograd really takes with a good and
with a too-large learning rate."""

from __future__ import annotations

from pathlib import Path

from ankigen import recipe

from .plotting import save_themed


def descend(start: float, lr: float, steps: int, device: str) -> tuple[list[float], list[float]]:
    """x and f(x) = x² before each step and after the last: loss, backward, x -= lr * grad."""
    import torch

    x = torch.tensor(start, device=device, requires_grad=True)
    xs, losses = [], []
    for _ in range(steps + 1):
        loss = x**2
        xs.append(x.item())
        losses.append(loss.item())
        if len(xs) > steps:
            break
        loss.backward()
        with torch.no_grad():
            x -= lr * x.grad
        x.grad.zero_()
    return xs, losses


@recipe("gradient_descent_steps", start=1.0, lrs=[0.1, 1.1], steps=5)
def plot_descent(out: Path, device: str, start: float, lrs: list[float], steps: int) -> None:
    runs = [descend(start, lr, steps, device) for lr in lrs]
    titles = ("steadily downhill", "overshoots, diverges")

    def draw(axes, palette):
        # Each panel its own scale: the good run's steps would crowd together on the diverging one's.
        for index, (ax, lr, (xs, losses), title) in enumerate(zip(axes, lrs, runs, titles)):
            reach = max(abs(x) for x in xs) * 1.15
            curve = [-reach + 2 * reach * i / 200 for i in range(201)]
            ax.plot(curve, [x**2 for x in curve], color=palette.muted, linewidth=1.5)
            ax.plot(xs, losses, **palette.line(index), linewidth=1.2)
            ax.plot(xs, losses, **palette.marker(index))
            ax.annotate("start", (xs[0], losses[0]), xytext=(6, -6), textcoords="offset points", ha="left", va="top")
            ax.set_title(f"lr = {lr:g}: {title}")
            ax.set_ylabel("loss = x²")
            ax.set_xlim(-reach, reach)
            ax.set_ylim(-0.05 * reach**2, reach**2 * 1.05)
        axes[-1].set_xlabel("x (the weight)")

    save_themed(out, draw, rows=2, height=5.4)
