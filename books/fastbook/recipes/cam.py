"""Class activation map (chapter 18) of a tiny CNN trained on scikit-learn's bundled 8x8 digits.

The body is three 3x3 convolutions with padding 1 and ReLU, so its last activations keep the 8x8
grid; the head averages each channel over the grid and applies one linear layer. The CAM of a class
is the head's weights for that class applied to the activations at every grid position:
einsum('k,kij->ij', weight[class], activations), whose mean over the grid plus the bias is the
class's score. Training is seeded, single-threaded and deterministic, so the figure is the same on
every run.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from ankigen import recipe

from .plotting import colour_ramp, image_axes, save_themed


@dataclass
class ClassActivationMap:
    image: list[list[float]]  # the digit, pixel values 0 to 16
    label: int
    predicted: int
    cam: list[list[float]]  # 8x8: the predicted class's score at each position of the last activations
    score: float  # the predicted class's output (logit) for this image
    bias: float  # the head's bias for that class
    accuracy: float  # on the held-out digits
    held_out: int


@contextlib.contextmanager
def _reproducible(seed: int):
    """Seeded, single-threaded, deterministic torch for the duration; the global state is restored after."""
    import torch

    threads, deterministic = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            yield
    finally:
        torch.use_deterministic_algorithms(deterministic)
        torch.set_num_threads(threads)


def train_digit_cnn(channels: list[int], steps: int, batch_size: int, lr: float, held_out: int, seed: int, device: str):
    """The trained (body, head), the digits as tensors (N, 1, 8, 8) normalized with the training
    digits' mean and standard deviation, their labels, and the indices of the held-out digits.
    Adam under a one-cycle schedule, as fastai's fit_one_cycle trains."""
    import torch
    from sklearn.datasets import load_digits

    digits = load_digits()
    inputs = torch.tensor(digits.images, dtype=torch.float32, device=device)[:, None]
    targets = torch.tensor(digits.target, device=device)
    with _reproducible(seed):
        order = torch.randperm(len(inputs))
        train, valid = order[:-held_out], order[-held_out:]
        pixels = inputs[train.to(device)]
        inputs = (inputs - pixels.mean()) / pixels.std()
        layers, previous = [], 1
        for width in channels:
            layers += [torch.nn.Conv2d(previous, width, 3, padding=1), torch.nn.ReLU()]
            previous = width
        body = torch.nn.Sequential(*layers).to(device)
        head = torch.nn.Linear(previous, 10).to(device)
        optimizer = torch.optim.Adam([*body.parameters(), *head.parameters()], lr=lr)
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
        for _ in range(steps):
            batch = train[torch.randperm(len(train))[:batch_size]].to(device)
            logits = head(body(inputs[batch]).mean(dim=(2, 3)))  # average pooling, then the linear layer
            loss = torch.nn.functional.cross_entropy(logits, targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    return body, head, inputs, targets, valid.to(device)


def class_activation_map(label: int, channels: list[int], steps: int, batch_size: int, lr: float, held_out: int, seed: int, device: str) -> ClassActivationMap:
    """The CAM of the first held-out digit of `label` that the model gets right."""
    import torch
    from sklearn.datasets import load_digits

    body, head, inputs, targets, valid = train_digit_cnn(channels, steps, batch_size, lr, held_out, seed, device)
    body.eval()
    head.eval()
    with torch.no_grad():
        activations = body(inputs[valid])  # (N, channels, 8, 8): the last conv layer's output
        predictions = head(activations.mean(dim=(2, 3))).argmax(dim=1)
        accuracy = (predictions == targets[valid]).float().mean().item()
        chosen = next(i for i in range(len(valid)) if targets[valid[i]] == label and predictions[i] == label)
        predicted = int(predictions[chosen])
        cam = torch.einsum("k,kij->ij", head.weight[predicted], activations[chosen])
        score = head(activations[chosen].mean(dim=(1, 2)))[predicted].item()
    return ClassActivationMap(
        image=load_digits().images[int(valid[chosen])].tolist(),  # as stored, 0 to 16
        label=label,
        predicted=predicted,
        cam=cam.cpu().tolist(),
        score=score,
        bias=head.bias[predicted].item(),
        accuracy=accuracy,
        held_out=held_out,
    )


@recipe("cam_digit", label=2, channels=[8, 16, 32], steps=200, batch_size=128, lr=0.02, held_out=397, seed=0)
def plot_cam_digit(out: Path, device: str, **params) -> None:
    result = class_activation_map(device=device, **params)

    def draw(axes, palette):
        import numpy as np

        image_ax, cam_ax = axes
        # Both maps run from the card's background (nothing) to a colour (much), so in either mode
        # the low values vanish into the card and the high ones stand out.
        ink = colour_ramp(palette.background, palette.line(0)["color"])
        heat = colour_ramp(palette.background, palette.line(1)["color"])
        shown = image_ax.imshow(result.image, cmap=ink, vmin=0, vmax=16)
        image_axes(image_ax, frame=palette.muted)
        image_ax.set_title(f"a held-out {result.label}: predicted {result.predicted}")
        image_ax.figure.colorbar(shown, ax=image_ax, ticks=[0, 8, 16], shrink=0.9).outline.set_edgecolor(palette.muted)

        # The map smoothed between grid cells (bilinear, as the book shows it), the digit's stroke
        # outlined on top: where the pixel value crosses 8.
        shown = cam_ax.imshow(result.cam, cmap=heat, interpolation="bilinear")
        # A border of zeros around the digit closes the outline where the stroke touches the frame.
        framed = np.pad(np.array(result.image), 1)
        cam_ax.contour(np.arange(-1, 9), np.arange(-1, 9), framed, levels=[8], colors=palette.text, linewidths=1.5)
        cam_ax.set_xlim(-0.5, 7.5)
        cam_ax.set_ylim(7.5, -0.5)
        image_axes(cam_ax, frame=palette.muted)
        cam_ax.set_title(f"CAM for class {result.predicted}")
        cam_ax.set_xlabel(f"CNN: {result.accuracy:.0%} right on {result.held_out} held out")
        cam_ax.figure.colorbar(shown, ax=cam_ax, shrink=0.9).outline.set_edgecolor(palette.muted)

    save_themed(out, draw, rows=2, height=6.2)
