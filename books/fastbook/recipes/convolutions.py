"""Convolutions (chapter 13): a top-edge kernel applied to a digit, and the output size of a
convolution for several strides and paddings, read from real torch layers.

The digit is one of scikit-learn's bundled 8x8 digits (pixel values 0 to 16), framed by a pixel of
background and upsampled four times with bilinear interpolation, so that its strokes have edges a
3x3 kernel can follow.
"""

from __future__ import annotations

from pathlib import Path

from ankigen import recipe

from .plotting import colour_ramp, image_axes, save_themed

TOP_EDGE = [[-1.0, -1.0, -1.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]


def edge_response(label: int, scale: int, kernel: list[list[float]], device: str) -> tuple[list[list[float]], list[list[float]]]:
    """The first digit `label` of load_digits, framed by one pixel of background and upsampled `scale`
    times, and F.conv2d of it with `kernel` (no padding, stride 1): (input, output) as nested lists."""
    import torch
    import torch.nn.functional as F
    from sklearn.datasets import load_digits

    digits = load_digits()
    image = torch.tensor(digits.images[digits.target == label][0], dtype=torch.float32, device=device)
    # A one-pixel border of background first: strokes that touch the 8x8 frame get an edge too.
    image = F.interpolate(F.pad(image, (1, 1, 1, 1))[None, None], scale_factor=scale, mode="bilinear", align_corners=False)
    weight = torch.tensor(kernel, dtype=torch.float32, device=device)[None, None]
    output = F.conv2d(image, weight)
    return image[0, 0].cpu().tolist(), output[0, 0].cpu().tolist()


@recipe("edge_kernel", label=7, scale=4)
def plot_edge_kernel(out: Path, device: str, label: int, scale: int) -> None:
    image, output = edge_response(label, scale, TOP_EDGE, device)
    size, out_size = len(image), len(output)
    limit = max(abs(v) for row in output for v in row)

    def draw(axes, palette):
        figure = axes[0].figure
        for ax in axes:  # three panels of different heights: the kernel is a small grid of numbers
            ax.remove()
        grid = figure.add_gridspec(3, 1, height_ratios=[3, 1.6, 3])
        image_ax, kernel_ax, output_ax = (figure.add_subplot(grid[i]) for i in range(3))
        # Pixels from the card's background (0, no ink) to blue (16, full ink); the output from
        # orange (negative) through the background (0) to blue (positive), so flat regions vanish
        # into the card in light and night mode alike.
        ink = colour_ramp(palette.background, palette.line(0)["color"])
        signed = colour_ramp(palette.line(1)["color"], palette.background, palette.line(0)["color"])

        shown = image_ax.imshow(image, cmap=ink, vmin=0, vmax=16)
        image_axes(image_ax)
        image_ax.set_title(f"input: a {label}, {size} × {size}")
        figure.colorbar(shown, ax=image_ax, ticks=[0, 8, 16], shrink=0.9).outline.set_edgecolor(palette.muted)

        # The kernel's cells tinted half as strongly as the output's extremes, so that the numbers
        # written on them (in the card's text colour) stay readable.
        kernel_ax.imshow(TOP_EDGE, cmap=signed, vmin=-2, vmax=2)
        for row, values in enumerate(TOP_EDGE):
            for column, value in enumerate(values):
                kernel_ax.text(column, row, f"{value:+.0f}".replace("-", "−") if value else "0", ha="center", va="center")
        image_axes(kernel_ax)
        kernel_ax.set_title("kernel: top edge")

        shown = output_ax.imshow(output, cmap=signed, vmin=-limit, vmax=limit)
        image_axes(output_ax)
        output_ax.set_title(f"output ({out_size} × {out_size}): top edges blue")
        output_ax.set_xlabel("orange: bottom edges (ink above)")
        figure.colorbar(shown, ax=output_ax, shrink=0.9).outline.set_edgecolor(palette.muted)

    save_themed(out, draw, rows=3, height=7.2)


def output_sizes(settings: list[tuple[int, int, int]], sizes: list[int], device: str) -> dict[tuple[int, int, int], list[int]]:
    """For each (ks, stride, padding), the height of nn.Conv2d's output for each input size,
    checked against (n + 2*padding - ks) // stride + 1."""
    import torch

    result = {}
    for ks, stride, padding in settings:
        conv = torch.nn.Conv2d(1, 1, ks, stride=stride, padding=padding).to(device)
        heights = []
        for n in sizes:
            with torch.no_grad():
                height = conv(torch.zeros(1, 1, n, n, device=device)).shape[-2]
            if height != (n + 2 * padding - ks) // stride + 1:
                raise ValueError(f"ks={ks} stride={stride} padding={padding} n={n}: torch gives {height}")
            heights.append(height)
        result[(ks, stride, padding)] = heights
    return result


@recipe("conv_output_size", settings=[[3, 1, 1], [3, 1, 0], [3, 2, 1]], low=4, high=16)
def plot_conv_output_size(out: Path, device: str, settings: list[list[int]], low: int, high: int) -> None:
    sizes = list(range(low, high + 1))
    heights = output_sizes([tuple(s) for s in settings], sizes, device)

    def draw(ax, palette):
        for index, ((ks, stride, padding), values) in enumerate(heights.items()):
            style = palette.marker(index)
            ax.plot(sizes, values, **palette.line(index), marker=style["marker"], label=f"ks {ks}, stride {stride}, pad {padding}")
        ax.set_xlabel("input size n")
        ax.set_ylabel("nn.Conv2d output size")
        ax.set_xticks(range(low, high + 1, 2))
        ax.set_yticks(range(0, high + 1, 2))
        ax.set_title("(n + 2·pad − ks) // stride + 1")
        ax.figure.legend(loc="outside lower center")  # below the axes: it covers nothing

    save_themed(out, draw, height=4.4)
