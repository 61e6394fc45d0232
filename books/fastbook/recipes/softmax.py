"""The softmax table of chapter 5: three activations with their exp and softmax, computed with torch."""

from __future__ import annotations

from pathlib import Path

from ankigen import recipe

from .plotting import html_table


def softmax_columns(activations: list[float], device: str) -> tuple[list[float], list[float]]:
    import torch

    acts = torch.tensor(activations, device=device)
    return acts.exp().cpu().tolist(), torch.softmax(acts, dim=0).cpu().tolist()


@recipe("softmax_table", suffix=".html", activations=[0.02, -2.49, 1.25])
def softmax_table(out: Path, device: str, activations: list[float]) -> None:
    exps, probabilities = softmax_columns(activations, device)
    rows = [[f"{a:.2f}", f"{e:.2f}", f"{p:.2f}"] for a, e, p in zip(activations, exps, probabilities)]
    footer = ["sum", f"{sum(exps):.2f}", f"{sum(probabilities):.2f}"]
    out.write_text(html_table(["activation", "exp", "softmax"], rows, footer), encoding="utf-8")
