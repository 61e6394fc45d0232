"""The figure recipes. Each module registers its recipes with @recipe when imported; listed by name
here so every recipe is easy to find (no auto-discovery). Modules import torch and matplotlib only
inside functions, so loading the registry stays cheap."""

from . import (  # noqa: F401
    activations,
    cam,
    convolutions,
    cross_entropy,
    digits,
    gradient_descent,
    initialization,
    label_smoothing,
    logarithm,
    lr_finder,
    momentum,
    multi_label,
    optimizers,
    schedules,
    softmax,
    trees,
)
