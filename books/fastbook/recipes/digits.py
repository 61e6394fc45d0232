"""scikit-learn's bundled 8x8 digits as images (chapters 4 and 7): one digit's pixel values, the mean
"ideal" 3 and 7 of the pixel-similarity baseline, and a Mixup blend of two digits.

load_digits stores each pixel as a count from 0 to 16: 0 is the background and 16 the darkest ink
of the stroke. Every image here is drawn with one colour ramp per palette, from the card's own
background (0) to a blue (16), so the stroke stands out in light and in night mode alike.
"""

from __future__ import annotations

from pathlib import Path

from ankigen import recipe

from .plotting import colour_ramp, image_axes, save_themed

MAX_PIXEL = 16  # load_digits' largest value

# The stroke colour of each ramp. With the pixel values written in the cells, the card's text colour
# has to read on every cell, so that ramp stops at a middle blue (contrast of at least 4.3 with the
# text and 3 with the background in both modes); without text, the ramp goes to the palette's first
# line colour, the strongest contrast with the background.
_WRITTEN_STROKE = {"light": "#3d8fcc", "night": "#1f6fa8"}


def pixel_cmap(palette, written: bool = False):
    """A colour map from the palette's background (pixel 0) to a blue (pixel 16)."""
    stroke = _WRITTEN_STROKE[palette.name] if written else palette.line(0)["color"]
    return colour_ramp(palette.background, stroke)


def _digits(device: str):
    import torch
    from sklearn.datasets import load_digits  # ships with scikit-learn: nothing is downloaded

    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32, device=device)  # (1797, 8, 8), 0..16
    return images, torch.tensor(digits.target, device=device)


def first_digit(label: int, device: str) -> list[list[float]]:
    """The pixel grid of the first image of `label` in load_digits, as stored (0..16)."""
    images, targets = _digits(device)
    return images[targets == label][0].cpu().tolist()


def mean_digits(labels: list[int], device: str) -> dict[int, tuple[list[list[float]], int]]:
    """For each label, the pixel-wise mean of all its images (the "ideal" digit) and how many there are."""
    images, targets = _digits(device)
    return {label: (images[targets == label].mean(dim=0).cpu().tolist(), int((targets == label).sum())) for label in labels}


def mixup(first: int, second: int, t: float, classes: int, device: str) -> tuple[list, list, list, list[float]]:
    """Mixup of the first image of each label: t * x1 + (1 - t) * x2 and t * y1 + (1 - t) * y2."""
    import torch

    images, targets = _digits(device)
    x1, x2 = images[targets == first][0], images[targets == second][0]
    y1 = torch.nn.functional.one_hot(torch.tensor(first, device=device), classes).float()
    y2 = torch.nn.functional.one_hot(torch.tensor(second, device=device), classes).float()
    mixed, target = t * x1 + (1 - t) * x2, t * y1 + (1 - t) * y2
    return x1.cpu().tolist(), x2.cpu().tolist(), mixed.cpu().tolist(), target.cpu().tolist()


@recipe("digit_pixels", label=3)
def plot_digit_pixels(out: Path, device: str, label: int) -> None:
    grid = first_digit(label, device)

    def draw(ax, palette):
        ax.imshow(grid, cmap=pixel_cmap(palette, written=True), vmin=0, vmax=MAX_PIXEL)
        for row, values in enumerate(grid):
            for column, value in enumerate(values):
                ax.text(column, row, f"{value:.0f}", ha="center", va="center")
        image_axes(ax)
        ax.set_title(f"A {label} from load_digits: 8 × 8 numbers")
        ax.set_xlabel("0 = background, 16 = full stroke")

    save_themed(out, draw, height=4.0)


@recipe("mean_digits", labels=[3, 7])
def plot_mean_digits(out: Path, device: str, labels: list[int]) -> None:
    means = mean_digits(labels, device)

    def draw(ax, palette):
        # One row of images under one colour bar: the panels are small pictures, not plots, and
        # side by side they compare at a glance.
        figure = ax.figure
        ax.remove()
        axes = figure.subplots(1, len(labels))
        cmap = pixel_cmap(palette)
        for image_ax, label in zip(axes, labels):
            grid, count = means[label]
            shown = image_ax.imshow(grid, cmap=cmap, vmin=0, vmax=MAX_PIXEL)
            image_axes(image_ax)
            image_ax.set_title(f"mean of {count} {label}s")
        bar = figure.colorbar(shown, ax=list(axes), location="bottom", ticks=[0, 4, 8, 12, 16], shrink=0.9)
        bar.set_label("mean pixel value")
        bar.outline.set_edgecolor(palette.muted)

    save_themed(out, draw, height=3.0)


@recipe("mixup_digits", first=3, second=7, t=0.3, classes=10)
def plot_mixup(out: Path, device: str, first: int, second: int, t: float, classes: int) -> None:
    x1, x2, mixed, target = mixup(first, second, t, classes, device)

    def draw(axes, palette):
        images_ax, target_ax = axes
        # The top panel holds three small pictures in a row; the bar chart of the target goes below.
        figure = images_ax.figure
        spec = images_ax.get_subplotspec()
        images_ax.remove()
        cmap = pixel_cmap(palette)
        panels = [figure.add_subplot(cell) for cell in spec.subgridspec(1, 3)]
        for image_ax, grid, label in zip(panels, (x1, x2, mixed), (f"{first}", f"{second}", "mix")):
            image_ax.imshow(grid, cmap=cmap, vmin=0, vmax=MAX_PIXEL)
            image_axes(image_ax)
            image_ax.set_xlabel(label)
        panels[1].set_title(f"mix = {t:g} × {first} + {1 - t:g} × {second}")
        target_ax.bar(range(classes), target, color=palette.line(0)["color"])
        for label, value in enumerate(target):
            if value > 0:
                target_ax.text(label, value, f"{value:g}", ha="center", va="bottom")
        target_ax.set_xticks(range(classes))
        target_ax.set_ylim(0, 1)
        target_ax.set_yticks([0, 0.5, 1])
        target_ax.set_xlabel("class")
        target_ax.grid(axis="x", visible=False)
        target_ax.set_title(f"its target: {t:g} and {1 - t:g}")

    save_themed(out, draw, rows=2, height=4.6)
