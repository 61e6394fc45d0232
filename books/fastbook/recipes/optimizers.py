"""Optimizers (chapter 16): the paths of SGD, SGD with momentum and Adam across a narrow valley.

The loss is the quadratic f(x, y) = (a*x^2 + b*y^2) / 2 with b much larger than a: steep across the
valley (y), almost flat along its floor (x). Each optimizer is torch's own, run from the same start
for the same number of steps on the exact gradient.
"""

from __future__ import annotations

from pathlib import Path

from ankigen import recipe

from .plotting import save_themed


def valley_loss(point, a: float, b: float):
    return 0.5 * (a * point[0] ** 2 + b * point[1] ** 2)


def optimizer_paths(a: float, b: float, start: list[float], steps: int, settings: list[dict], device: str) -> list[list[tuple[float, float]]]:
    """For each setting ({"name": "SGD" or "Adam", plus that optimizer's keyword arguments}), the
    points the optimizer visits, start included."""
    import torch

    paths = []
    for setting in settings:
        options = {key: value for key, value in setting.items() if key != "name"}
        if "betas" in options:
            options["betas"] = tuple(options["betas"])
        point = torch.tensor(start, dtype=torch.float64, device=device, requires_grad=True)
        optimizer = getattr(torch.optim, setting["name"])([point], **options)
        path = [tuple(point.tolist())]
        for _ in range(steps):
            optimizer.zero_grad()
            valley_loss(point, a, b).backward()
            optimizer.step()
            path.append(tuple(point.tolist()))
        paths.append(path)
    return paths


def _label(setting: dict) -> str:
    if setting["name"] == "Adam":
        return f"Adam, lr {setting['lr']:g}"
    if setting.get("momentum"):
        return f"momentum {setting['momentum']:g}, lr {setting['lr']:g}"
    return f"SGD, lr {setting['lr']:g}"


@recipe(
    "optimizer_paths",
    a=1.0,
    b=50.0,
    start=[-4.0, 1.0],
    steps=30,
    settings=[{"name": "SGD", "lr": 0.038}, {"name": "SGD", "lr": 0.038, "momentum": 0.7}, {"name": "Adam", "lr": 0.3}],
)
def plot_optimizer_paths(out: Path, device: str, a: float, b: float, start: list[float], steps: int, settings: list[dict]) -> None:
    import numpy as np

    paths = optimizer_paths(a, b, start, steps, settings, device)
    xs = np.linspace(-4.6, 2.6, 200)
    ys = np.linspace(-1.4, 1.4, 120)
    grid_x, grid_y = np.meshgrid(xs, ys)
    surface = 0.5 * (a * grid_x**2 + b * grid_y**2)

    def draw(axes, palette):
        for index, (ax, setting, path) in enumerate(zip(axes, settings, paths)):
            ax.contour(grid_x, grid_y, surface, levels=[0.5, 2, 4.5, 8, 12.5], colors=palette.muted, linewidths=0.8)
            style = palette.marker(index)
            ax.plot([p[0] for p in path], [p[1] for p in path], **palette.line(index), marker=style["marker"], markersize=4, linewidth=1.5)
            ax.plot([0], [0], marker="+", markersize=12, markeredgewidth=2, color=palette.text, linestyle="none")
            ax.set_title(_label(setting))
            ax.set_ylim(ys[0], ys[-1])
            ax.set_yticks([-1, 0, 1])
            ax.grid(False)
        axes[-1].set_xlabel(f"x (flat direction), {steps} steps each")
        axes[1].set_ylabel("y (steep direction)")

    save_themed(out, draw, rows=len(settings), height=6.6, sharex=True)
