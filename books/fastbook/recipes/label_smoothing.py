"""Label smoothing (chapter 7): the one-hot target next to its smoothed version, computed with torch."""

from __future__ import annotations

from pathlib import Path

from ankigen import recipe

from .plotting import html_table


def smoothed_targets(classes: int, target: int, epsilon: float, device: str) -> tuple[list[float], list[float]]:
    """One-hot target and (1 - epsilon) * one_hot + epsilon / classes."""
    import torch

    one_hot = torch.nn.functional.one_hot(torch.tensor(target, device=device), classes).float()
    smoothed = one_hot * (1 - epsilon) + epsilon / classes
    return one_hot.cpu().tolist(), smoothed.cpu().tolist()


@recipe("label_smoothing", suffix=".html", classes=5, target=2, epsilon=0.1)
def label_smoothing_table(out: Path, device: str, classes: int, target: int, epsilon: float) -> None:
    one_hot, smoothed = smoothed_targets(classes, target, epsilon, device)
    header = ["class"] + [str(i) + (" (correct)" if i == target else "") for i in range(classes)]
    rows = [["one-hot"] + [f"{v:g}" for v in one_hot], [f"smoothed, ε = {epsilon}"] + [f"{v:.2f}" for v in smoothed]]
    out.write_text(html_table(header, rows), encoding="utf-8")
