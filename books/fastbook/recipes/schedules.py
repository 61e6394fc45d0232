"""1cycle training (chapters 13 and 16): learning rate and momentum per batch, from torch's own scheduler."""

from __future__ import annotations

from pathlib import Path

from ankigen import recipe

from .plotting import save_themed


def one_cycle_schedule(
    steps: int, lr_max: float, pct_start: float, div: float, div_final: float, moms: tuple[float, float]
) -> tuple[list[float], list[float]]:
    """Steps an SGD optimizer under OneCycleLR, set up like fastai's fit_one_cycle, and records both values."""
    import torch

    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=lr_max, momentum=moms[0])
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer,
        max_lr=lr_max,
        total_steps=steps,
        pct_start=pct_start,
        div_factor=div,
        final_div_factor=div_final / div,  # torch divides the starting lr, fastai the maximum
        base_momentum=moms[1],
        max_momentum=moms[0],
        anneal_strategy="cos",
    )
    lrs, momentums = [], []
    for _ in range(steps):
        group = optimizer.param_groups[0]
        lrs.append(group["lr"])
        momentums.append(group["momentum"])
        optimizer.step()
        scheduler.step()
    return lrs, momentums


@recipe("one_cycle", steps=200, lr_max=1e-2, pct_start=0.25, div=25.0, div_final=1e5, moms=[0.95, 0.85])
def plot_one_cycle(out: Path, device: str, moms: list[float], **params) -> None:
    lrs, momentums = one_cycle_schedule(moms=tuple(moms), **params)

    def draw(axes, palette):
        # Stacked, one panel per value on a shared batch axis: side by side, each would be half as
        # wide and its text too small on a phone.
        lr_ax, mom_ax = axes
        lr_ax.plot(lrs, **palette.line(0))
        lr_ax.set_title("warm up, then anneal")
        lr_ax.set_ylabel("learning rate")
        mom_ax.plot(momentums, **palette.line(1))
        mom_ax.set_title("momentum: the mirror image")
        mom_ax.set_ylabel("momentum")
        mom_ax.set_xlabel("batch")

    save_themed(out, draw, rows=2, height=4.8, sharex=True)
