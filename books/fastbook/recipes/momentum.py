"""Momentum (chapter 16): exponentially weighted moving averages of noisy gradients for several betas."""

from __future__ import annotations

from pathlib import Path

from ankigen import recipe

from .plotting import save_themed


def moving_averages(points: int, betas: list[float], noise: float, seed: int, device: str) -> tuple[list[float], dict[float, list[float]]]:
    """Noisy samples of a smooth curve, and for each beta the running average avg = beta*avg + (1-beta)*x."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    x = torch.linspace(-1, 1, points)
    samples = (1 - x**2 + noise * torch.randn(points, generator=generator)).to(device)
    averages = {}
    for beta in betas:
        average, trace = torch.zeros((), device=device), []
        for sample in samples:
            average = beta * average + (1 - beta) * sample
            trace.append(average.item())
        averages[beta] = trace
    return samples.cpu().tolist(), averages


@recipe("momentum_averages", points=100, betas=[0.5, 0.7, 0.99], noise=0.3, seed=0)
def plot_momentum(out: Path, device: str, points: int, betas: list[float], noise: float, seed: int) -> None:
    samples, averages = moving_averages(points, betas, noise, seed, device)

    def draw(ax, palette):
        ax.scatter(range(points), samples, s=10, color=palette.muted, label="noisy gradients")
        # Each beta its own hue and dash pattern, and the lower one thinner and drawn on top: the
        # two low betas both follow the noise, so their lines lie close together.
        for index, beta in enumerate(betas):
            ax.plot(averages[beta], **palette.line(index), linewidth=1.5 if index == 0 else 2.5, zorder=3 - index,
                    label=f"β = {beta}")
        ax.set_title("Higher β: smoother, but slower")
        ax.set_xlabel("step")
        ax.figure.legend(loc="outside lower center", ncols=2)  # below the axes: it covers nothing

    save_themed(out, draw, height=3.8)
