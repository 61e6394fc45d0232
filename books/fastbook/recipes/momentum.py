"""Momentum (chapter 16): exponentially weighted moving averages of noisy gradients for several betas."""

from __future__ import annotations

from pathlib import Path

from ankigen import recipe

from .plotting import ACCENT_COLOR, LINE_COLOR, new_figure, save_figure

BETA_COLORS = ("#2a9d8f", LINE_COLOR, ACCENT_COLOR)


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
    fig, ax = new_figure()
    ax.scatter(range(points), samples, s=6, color="#999999", label="noisy gradients")
    for beta, color in zip(betas, BETA_COLORS):
        ax.plot(averages[beta], color=color, linewidth=2, label=f"average, beta = {beta}")
    ax.set_title("Higher beta: smoother, but slower to follow")
    ax.set_xlabel("step")
    ax.legend(loc="lower center", fontsize=8)
    save_figure(fig, out)
