"""Choosing the multi-label threshold (chapter 6): a small multi-label model on scikit-learn's digits,
trained with binary cross-entropy, and its validation accuracy_multi for thresholds from 0.05 to 0.95.

Each digit gets three yes/no labels ("even", "greater than 4", "multiple of 3"), so an image can
have several labels or none, as in a multi-label dataset.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ankigen import recipe

from .plotting import save_themed

LABELS = ("even", "> 4", "multiple of 3")


@dataclass
class ThresholdSweep:
    thresholds: list[float]
    accuracies: list[float]  # accuracy_multi on the validation set, one per threshold
    probabilities: list[list[float]]  # the validation set's sigmoid outputs, one row per image
    targets: list[list[float]]  # the validation set's 0/1 targets

    @property
    def best(self) -> int:
        return max(range(len(self.accuracies)), key=self.accuracies.__getitem__)


def digit_labels(digit):
    """The three 0/1 targets of each digit (a tensor of digits)."""
    import torch

    return torch.stack([digit % 2 == 0, digit > 4, digit % 3 == 0], dim=1).float()


def accuracy_multi(probabilities, targets, threshold: float) -> float:
    """fastai's accuracy_multi on probabilities (the sigmoid already applied): the share of all
    (image, label) pairs where "above the threshold" agrees with the target."""
    return ((probabilities > threshold) == targets.bool()).float().mean().item()


def threshold_sweep(device: str, epochs: int = 200, lr: float = 0.1, valid_share: float = 0.2, seed: int = 0) -> ThresholdSweep:
    import torch
    from sklearn.datasets import load_digits  # ships with scikit-learn: nothing is downloaded

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same sums in the same order on every CPU
    try:
        torch.manual_seed(seed)
        digits = load_digits()
        inputs = torch.tensor(digits.data, dtype=torch.float32) / 16
        targets = digit_labels(torch.tensor(digits.target))
        order = torch.randperm(len(inputs), generator=torch.Generator().manual_seed(seed))
        cut = int(len(inputs) * (1 - valid_share))
        train, valid = order[:cut], order[cut:]
        x_train, y_train = inputs[train].to(device), targets[train].to(device)
        x_valid, y_valid = inputs[valid].to(device), targets[valid].to(device)
        model = torch.nn.Sequential(torch.nn.Linear(64, 30), torch.nn.ReLU(), torch.nn.Linear(30, len(LABELS))).to(device)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        loss_func = torch.nn.BCEWithLogitsLoss()
        for _ in range(epochs):  # full batch: one step per epoch
            loss = loss_func(model(x_train), y_train)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            probabilities = model(x_valid).sigmoid()
    finally:
        torch.set_num_threads(threads)
    thresholds = [round(0.05 * i, 2) for i in range(1, 20)]
    accuracies = [accuracy_multi(probabilities, y_valid, threshold) for threshold in thresholds]
    return ThresholdSweep(thresholds, accuracies, probabilities.cpu().tolist(), y_valid.cpu().tolist())


@recipe("multi_label_threshold", epochs=200, lr=0.1)
def plot_threshold(out: Path, device: str, epochs: int, lr: float) -> None:
    sweep = threshold_sweep(device, epochs=epochs, lr=lr)
    best = sweep.best

    def draw(ax, palette):
        ax.plot(sweep.thresholds, sweep.accuracies, **palette.line(0))
        ax.plot(sweep.thresholds, sweep.accuracies, **palette.marker(0), markersize=5)
        ax.plot([sweep.thresholds[best]], [sweep.accuracies[best]], **palette.marker(1), markersize=10,
                label=f"best: {sweep.thresholds[best]:g} → {sweep.accuracies[best]:.3f}")
        ax.set_xlim(0, 1)
        ax.set_xlabel("threshold")
        ax.set_ylabel("accuracy_multi")
        ax.set_title("Validation accuracy, 3 labels")
        ax.figure.legend(loc="outside lower center")  # below the axes: it covers nothing

    save_themed(out, draw, height=3.8)
