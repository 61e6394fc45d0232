"""A real learning-rate range test (chapter 5): a small net on scikit-learn's bundled digits.

The learning rate grows exponentially batch by batch while the loss is recorded; the smoothed loss
against the learning rate gives the two rules of thumb: the minimum divided by 10, and the point
of steepest descent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from ankigen import recipe

from .plotting import save_themed


@dataclass
class RangeTest:
    lrs: list[float]
    losses: list[float]  # smoothed, bias-corrected
    lr_min: float  # learning rate at the minimum loss, divided by 10
    lr_steep: float  # learning rate where the loss falls fastest

    @property
    def minimum_index(self) -> int:
        return min(range(len(self.losses)), key=self.losses.__getitem__)


def lr_range_test(
    device: str,
    start_lr: float = 1e-5,
    end_lr: float = 10.0,
    iterations: int = 100,
    batch_size: int = 64,
    beta: float = 0.98,
    seed: int = 0,
) -> RangeTest:
    import torch

    # The digits ship with scikit-learn: nothing is downloaded.
    from sklearn.datasets import load_digits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same sums in the same order on every CPU
    try:
        torch.manual_seed(seed)
        digits = load_digits()
        inputs = torch.tensor(digits.data, dtype=torch.float32, device=device) / 16
        targets = torch.tensor(digits.target, device=device)
        model = torch.nn.Sequential(torch.nn.Linear(64, 50), torch.nn.ReLU(), torch.nn.Linear(50, 10)).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=start_lr, momentum=0.9)
        order = torch.Generator().manual_seed(seed)
        batches = torch.randperm(len(inputs), generator=order)
        growth = (end_lr / start_lr) ** (1 / (iterations - 1))
        lrs, losses = [], []
        average = 0.0
        for step in range(iterations):
            lr = start_lr * growth**step
            for group in optimizer.param_groups:
                group["lr"] = lr
            start = (step * batch_size) % (len(inputs) - batch_size)
            index = batches[start : start + batch_size].to(device)
            loss = torch.nn.functional.cross_entropy(model(inputs[index]), targets[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            average = beta * average + (1 - beta) * loss.item()
            smoothed = average / (1 - beta ** (step + 1))
            lrs.append(lr)
            losses.append(smoothed)
            if smoothed > 4 * min(losses) or math.isnan(smoothed):  # diverged: stop, as fastai does
                break
    finally:
        torch.set_num_threads(threads)
    return _suggest(lrs, losses)


def _suggest(lrs: list[float], losses: list[float]) -> RangeTest:
    lowest = min(range(len(losses)), key=losses.__getitem__)
    log_lrs = [math.log(lr) for lr in lrs]
    # Slope of the loss against log(lr) up to the minimum; the steepest descent is its most negative value.
    slopes = [(losses[i + 1] - losses[i - 1]) / (log_lrs[i + 1] - log_lrs[i - 1]) for i in range(1, lowest)]
    steepest = 1 + min(range(len(slopes)), key=slopes.__getitem__)
    return RangeTest(lrs, losses, lr_min=lrs[lowest] / 10, lr_steep=lrs[steepest])


@recipe("lr_finder")
def plot_lr_finder(out: Path, device: str) -> None:
    test = lr_range_test(device)
    suggestions = []
    for lr, label in ((test.lr_min, "minimum ÷ 10"), (test.lr_steep, "steepest descent")):
        nearest = min(range(len(test.lrs)), key=lambda i: abs(math.log(test.lrs[i] / lr)))
        suggestions.append((lr, test.losses[nearest], f"{label}: {lr:.1e}"))

    def draw(ax, palette):
        ax.plot(test.lrs, test.losses, **palette.line(0))
        for index, (lr, loss, label) in enumerate(suggestions, start=1):
            ax.plot([lr], [loss], **palette.marker(index), markersize=9, label=label)
        ax.set_xscale("log")
        # Plain "1e-5" labels: matplotlib's 10^-5 sets the exponent in a smaller size, too small on a phone.
        ax.xaxis.set_major_formatter(lambda lr, _: f"{lr:.0e}".replace("e-0", "e-").replace("e+0", "e"))
        ax.set_ylim(min(test.losses) * 0.9, test.losses[0] * 1.25)  # the diverging tail would flatten the rest
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel("smoothed loss")
        ax.set_title("Learning-rate finder, digits")
        ax.figure.legend(loc="outside lower center")  # below the axes: it covers nothing

    save_themed(out, draw, height=3.6)
