"""Figure recipes: registry, content-keyed cache, determinism, and numbers checked independently."""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import re
import subprocess
import sys
import time
import tomllib
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import FIXTURES, PROJECT_ROOT, copy_project
from svg_text import text_sizes

from ankigen import night_variant, recipe
from ankigen.compute import PINNED_LIBRARIES
from ankigen.compute.figures import FigureStore, Recipe, generate_figures, load_recipes
from ankigen.errors import BuildError
from ankigen.pipeline import Project, figures

BOOK_RECIPES = load_recipes(PROJECT_ROOT / "books" / "fastbook" / "recipes")


def recipe_function(recipe_name: str, function: str):
    """A helper function from the module that defines a recipe of the fastbook profile."""
    return getattr(sys.modules[BOOK_RECIPES[recipe_name].function.__module__], function)


activation_curve = recipe_function("relu", "activation_curve")
smoothed_targets = recipe_function("label_smoothing", "smoothed_targets")
log_curve = recipe_function("log_curve", "log_curve")
lr_range_test = recipe_function("lr_finder", "lr_range_test")
moving_averages = recipe_function("momentum_averages", "moving_averages")
one_cycle_schedule = recipe_function("one_cycle", "one_cycle_schedule")
softmax_columns = recipe_function("softmax_table", "softmax_columns")
plotting = sys.modules[BOOK_RECIPES["relu"].function.__module__.rpartition(".")[0] + ".plotting"]


class CountingRecipe:
    """A stand-in recipe that writes a tiny SVG, light and night, and counts its calls, so cache tests
    need no torch."""

    def __init__(self):
        self.calls = 0

    def __call__(self, out: Path, device: str, size: int) -> None:
        self.calls += 1
        out.write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}"/>')
        night_variant(out).write_text(f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" class="n"/>')


def test_a_second_run_regenerates_nothing_and_a_changed_parameter_one_figure(tmp_path):
    counting = CountingRecipe()
    recipes = [Recipe("square", ".svg", counting, {"size": 10})]
    assert generate_figures(tmp_path, recipes).regenerated == ["square"]
    assert generate_figures(tmp_path, recipes).fresh == ["square"]
    assert counting.calls == 1
    generate_figures(tmp_path, [Recipe("square", ".svg", counting, {"size": 12})])
    assert counting.calls == 2
    generate_figures(tmp_path, [Recipe("square", ".svg", counting, {"size": 12})], force=True)
    assert counting.calls == 3


def test_an_edited_or_missing_file_is_regenerated(tmp_path):
    counting = CountingRecipe()
    recipes = [Recipe("square", ".svg", counting, {"size": 10})]
    generate_figures(tmp_path, recipes)
    (tmp_path / "square.svg").write_text("<svg/>")  # edited by hand
    generate_figures(tmp_path, recipes)
    (tmp_path / "square.svg").unlink()
    generate_figures(tmp_path, recipes)
    assert counting.calls == 3
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["square"]["device"] == "cpu"
    assert sorted(manifest["square"]["files"]) == ["square.night.svg", "square.svg"]
    for name, sha256 in manifest["square"]["files"].items():
        assert sha256 == hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()


def test_both_versions_of_an_image_figure_are_written_and_checked(tmp_path):
    counting = CountingRecipe()
    recipe = Recipe("square", ".svg", counting, {"size": 10})
    generate_figures(tmp_path, [recipe])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "square.night.svg", "square.svg"]
    assert FigureStore(tmp_path).is_fresh(recipe)
    (tmp_path / "square.night.svg").write_text("<svg/>")  # the night version edited by hand
    assert not FigureStore(tmp_path).is_fresh(recipe)
    generate_figures(tmp_path, [recipe])
    assert counting.calls == 2 and FigureStore(tmp_path).is_fresh(recipe)
    (tmp_path / "square.night.svg").unlink()
    assert not FigureStore(tmp_path).is_fresh(recipe)
    assert generate_figures(tmp_path, [recipe]).regenerated == ["square"]
    assert (tmp_path / "square.night.svg").is_file()


def test_a_computed_table_is_one_file(tmp_path):
    def table(out: Path, device: str) -> None:
        out.write_text("<table></table>")

    generate_figures(tmp_path, [Recipe("t", ".html", table)])
    assert json.loads((tmp_path / "manifest.json").read_text())["t"]["files"].keys() == {"t.html"}


def test_an_image_recipe_without_a_night_version_is_an_error_and_leaves_no_file(tmp_path):
    def light_only(out: Path, device: str) -> None:
        out.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')

    recipe = Recipe("square", ".svg", light_only)
    with pytest.raises(BuildError, match=r"figure recipe 'square' \(.*test_figures.py:\d+\) did not write square.night.svg"):
        generate_figures(tmp_path, [recipe])
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_failing_recipe_names_itself_and_leaves_no_file(tmp_path):
    def broken(out: Path, device: str) -> None:
        out.write_text("half")
        raise ValueError("bad data")

    with pytest.raises(BuildError, match=r"figure recipe 'broken' \(.*test_figures.py:\d+\) failed: ValueError\('bad data'\)"):
        generate_figures(tmp_path, [Recipe("broken", ".svg", broken)])
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_hanging_recipe_is_stopped_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr("ankigen.compute.figures.RECIPE_TIMEOUT_S", 1)
    started = time.monotonic()
    with pytest.raises(BuildError, match="figure recipe 'sleepy' did not finish within 1 s"):
        generate_figures(tmp_path, [Recipe("sleepy", ".svg", lambda out, device: time.sleep(30))])
    assert time.monotonic() - started < 10


def test_a_recipe_name_defined_twice_is_an_error_naming_both(tmp_path):
    folder = tmp_path / "recipes"
    folder.mkdir()
    (folder / "__init__.py").write_text("from . import one, two\n")
    for module in ("one", "two"):
        (folder / f"{module}.py").write_text(f"from ankigen import recipe\n\n\n@recipe('twice')\ndef {module}(out, device):\n    pass\n")
    with pytest.raises(BuildError, match=r"'twice' is defined twice: .*one.py:4 and .*two.py:4"):
        load_recipes(folder)


def test_a_recipes_folder_that_fails_to_import_names_itself(tmp_path):
    folder = tmp_path / "recipes"
    folder.mkdir()
    (folder / "__init__.py").write_text("import no_such_module\n")
    with pytest.raises(BuildError, match=r"cannot load the figure recipes in .*recipes: ModuleNotFoundError"):
        load_recipes(folder)


def test_a_helper_module_of_the_recipes_is_part_of_every_key():
    assert all(inspect.getsource(plotting) in item.shared_sources for item in BOOK_RECIPES.values())


def test_pinned_library_versions_match_pyproject():
    dependencies = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["figures"]
    for name, version in PINNED_LIBRARIES.items():
        assert f"{name}=={version}" in dependencies


# Independent checks: each recipe's numbers against plain math.


def test_softmax_table_matches_exp_over_sum_from_math():
    activations = [0.02, -2.49, 1.25]
    exps, probabilities = softmax_columns(activations, "cpu")
    expected_exps = [math.exp(a) for a in activations]
    assert exps == pytest.approx(expected_exps, rel=1e-6)
    assert probabilities == pytest.approx([e / sum(expected_exps) for e in expected_exps], rel=1e-6)
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-6)


def test_relu_from_minus_two_to_two_is_zero_then_the_identity():
    xs, ys = activation_curve("relu", -2.0, 2.0, 161, "cpu")
    assert xs[0] == -2.0 and xs[-1] == 2.0
    assert ys == pytest.approx([max(0.0, x) for x in xs])
    assert all(y == 0 for x, y in zip(xs, ys) if x <= 0)


def test_sigmoid_matches_the_formula_and_stays_between_zero_and_one():
    xs, ys = activation_curve("sigmoid", -4.0, 4.0, 161, "cpu")
    assert ys == pytest.approx([1 / (1 + math.exp(-x)) for x in xs], rel=1e-6)
    assert all(0 < y < 1 for y in ys) and ys[80] == pytest.approx(0.5)


def test_log_curve_matches_math_log_and_log_of_minus_two_is_nan():
    xs, ys, at_minus_two = log_curve(0.02, 5.0, 250, "cpu")
    assert ys == pytest.approx([math.log(x) for x in xs], rel=1e-5, abs=1e-6)
    assert math.isnan(at_minus_two)


def test_one_cycle_warms_up_then_anneals_with_mirrored_momentum():
    lrs, momentums = one_cycle_schedule(steps=200, lr_max=1e-2, pct_start=0.25, div=25.0, div_final=1e5, moms=(0.95, 0.85))
    peak = max(range(len(lrs)), key=lrs.__getitem__)
    assert lrs[0] == pytest.approx(1e-2 / 25)
    assert lrs[peak] == pytest.approx(1e-2) and abs(peak - 50) <= 1
    assert lrs[-1] < 1e-5 and lrs[-1] >= 1e-2 / 1e5
    assert momentums[0] == pytest.approx(0.95) and momentums[peak] == pytest.approx(0.85)
    assert all(a <= b for a, b in pairwise(lrs[: peak + 1]))
    assert all(a >= b for a, b in pairwise(lrs[peak:]))


def test_label_smoothing_moves_epsilon_of_the_mass_evenly_over_all_classes():
    one_hot, smoothed = smoothed_targets(classes=5, target=2, epsilon=0.1, device="cpu")
    assert one_hot == [0, 0, 1, 0, 0]
    assert smoothed == pytest.approx([0.02, 0.02, 0.92, 0.02, 0.02])
    assert sum(smoothed) == pytest.approx(1.0)


def test_momentum_averages_follow_the_recurrence_written_out_by_hand():
    samples, averages = moving_averages(points=50, betas=[0.5, 0.9], noise=0.3, seed=0, device="cpu")
    for beta, trace in averages.items():
        expected, average = [], 0.0
        for sample in samples:
            average = beta * average + (1 - beta) * sample
            expected.append(average)
        assert trace == pytest.approx(expected, rel=1e-5, abs=1e-6)


def test_lr_finder_suggestions_lie_on_the_falling_part_of_the_curve():
    test = lr_range_test("cpu")
    lowest = test.minimum_index
    assert test.losses[lowest] < 0.9 * test.losses[0]  # the model really learned something
    for suggestion in (test.lr_min, test.lr_steep):
        index = min(range(len(test.lrs)), key=lambda i: abs(math.log(test.lrs[i] / suggestion)))
        assert 0 < index < lowest
        assert test.losses[lowest] < test.losses[index] < test.losses[0]
        window = test.losses[max(0, index - 3) : index + 4]
        assert window[-1] < window[0]  # still going down around the suggestion
    assert test.lr_min == pytest.approx(test.lrs[lowest] / 10)


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU")
def test_cpu_and_gpu_agree_within_tolerance():
    """Stated tolerance: elementwise results within 1e-5; LR-finder suggestions within one LR step."""
    for function in ("sigmoid", "relu"):
        assert activation_curve(function, -2, 2, 161, "cuda")[1] == pytest.approx(
            activation_curve(function, -2, 2, 161, "cpu")[1], abs=1e-5
        )
    assert softmax_columns([0.02, -2.49, 1.25], "cuda")[1] == pytest.approx(
        softmax_columns([0.02, -2.49, 1.25], "cpu")[1], abs=1e-5
    )
    cpu, gpu = lr_range_test("cpu"), lr_range_test("cuda")
    step = (10 / 1e-5) ** (1 / 99)
    for ours, theirs in ((cpu.lr_min, gpu.lr_min), (cpu.lr_steep, gpu.lr_steep)):
        assert abs(math.log(ours / theirs)) <= math.log(step) * 1.01


# The committed figures: fresh, reproducible, and cheap when nothing changed.


@pytest.mark.parametrize("origin", [PROJECT_ROOT, FIXTURES / "good"], ids=["project", "fixture"])
def test_committed_figures_and_outputs_are_fresh(origin, tmp_path):
    root = origin if origin == PROJECT_ROOT else copy_project(origin, tmp_path / "copy")
    assert [str(p) for p in figures(Project.load(root), check_only=True).problems] == []


def test_force_regenerates_the_committed_figures_byte_for_byte(tmp_path):
    committed = PROJECT_ROOT / "media/figures"
    manifest = json.loads((committed / "manifest.json").read_text())
    result = generate_figures(tmp_path, [BOOK_RECIPES[name] for name in manifest], force=True, device="cpu")
    assert sorted(result.regenerated) == sorted(manifest)
    for name, entry in manifest.items():
        assert entry["files"], name
        for file in entry["files"]:
            assert (tmp_path / file).read_bytes() == (committed / file).read_bytes(), file


# The committed figures as a learner sees them: readable on a phone, in either mode
# (tests/test_layout.py measures them in a real browser too).

CARD_WIDTH_PX = 336  # the card on a 360 px phone, less its margins: a wider figure shrinks to it
SMALL_PRINT_PX = 0.75 * 19  # the card's small print (.source) there
MAX_ASPECT = 2.1
_SVG_SIZE_RE = re.compile(r'<svg [^>]*width="([\d.]+)pt" height="([\d.]+)pt"')
_FILL_RE = re.compile(r'style="fill: (#[0-9a-f]{6})')
_TEXT_FILL_RE = re.compile(r'<g style="fill: (#[0-9a-f]{6})" transform="translate\([^)]*\)(?: rotate\([^)]*\))? scale\(')
COMMITTED = json.loads((PROJECT_ROOT / "media/figures/manifest.json").read_text())
IMAGE_FIGURES = sorted(name for name, entry in COMMITTED.items() if not any(f.endswith(".html") for f in entry["files"]))


def committed_svg(file: str) -> str:
    return (PROJECT_ROOT / "media/figures" / file).read_text(encoding="utf-8")


def smallest_text_px_on_a_phone(svg: str) -> float:
    width_pt = float(_SVG_SIZE_RE.search(svg)[1])
    shown_px = min(width_pt * 4 / 3, CARD_WIDTH_PX)  # 1 pt is 4/3 CSS px
    sizes_pt, texts = text_sizes(svg)
    assert len(sizes_pt) >= 5, "no text found: has matplotlib's SVG output changed?"
    assert len(sizes_pt) >= texts, "some text could not be measured"
    return min(sizes_pt) * shown_px / width_pt


def test_the_text_measure_sees_small_text():
    """The measure below can fail: a 10 pt figure 5 in wide (the old size) is too small."""
    svg = '<svg width="360pt" height="230pt"><g transform="translate(1 2) scale(0.1 -0.1)"></g>' * 5
    assert smallest_text_px_on_a_phone(svg) == pytest.approx(10 * 336 / 360)
    assert smallest_text_px_on_a_phone(svg + '<use xlink:href="#a" transform="translate(1 2) scale(0.7)"/>') < 7


@pytest.mark.parametrize("file", [f for name in IMAGE_FIGURES for f in sorted(COMMITTED[name]["files"])])
def test_a_committed_figure_has_text_as_large_as_the_small_print_on_a_phone(file):
    svg = committed_svg(file)
    width, height = map(float, _SVG_SIZE_RE.search(svg).groups())
    assert width / height <= MAX_ASPECT
    assert smallest_text_px_on_a_phone(svg) >= SMALL_PRINT_PX


@pytest.mark.parametrize("name", IMAGE_FIGURES)
def test_a_committed_figure_has_a_night_version_drawn_for_the_dark_card(name):
    light_file = next(f for f in COMMITTED[name]["files"] if ".night." not in f)
    light, night = committed_svg(light_file), committed_svg(night_variant(Path(light_file)).name)
    for svg, palette in ((light, plotting.LIGHT), (night, plotting.NIGHT)):
        assert _FILL_RE.search(svg)[1] == palette.background  # the figure's own background comes first
        assert set(_TEXT_FILL_RE.findall(svg)) == {palette.text}


def contrast(one: str, other: str) -> float:
    """WCAG's contrast ratio of two colours."""

    def luminance(color: str) -> float:
        channels = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("palette", [plotting.LIGHT, plotting.NIGHT], ids=["light", "night"])
def test_palette_lines_stand_out_from_the_background_and_from_each_other(palette):
    assert contrast(palette.text, palette.background) >= 7
    for style in palette.lines:
        assert contrast(style.color, palette.background) >= 3  # WCAG's minimum for graphics
    for attribute in ("color", "linestyle", "marker"):
        values = [getattr(style, attribute) for style in palette.lines]
        assert len(set(values)) == len(values), attribute


def _first_box(svg: str, group_id: str) -> tuple[float, float]:
    """The top and bottom (SVG y grows downwards) of the first path in a group."""
    path = re.search(rf'<g id="{group_id}">\s*(?:<g id="[^"]+">\s*)?<path d="([^"]+)"', svg)[1]
    ys = [float(y) for y in re.findall(r"[\d.]+ ([\d.]+)", path)]
    return min(ys), max(ys)


@pytest.mark.parametrize("file", ["momentum_averages.svg", "momentum_averages.night.svg"])
def test_the_momentum_legend_lies_below_the_data_and_each_beta_has_its_own_line_style(file):
    svg = committed_svg(file)
    palette = plotting.NIGHT if ".night." in file else plotting.LIGHT
    _, axes_bottom = _first_box(svg, "patch_2")  # the axes' background
    legend_top, _ = _first_box(svg, "legend_1")
    assert legend_top > axes_bottom
    betas = BOOK_RECIPES["momentum_averages"].params["betas"]
    for index in range(len(betas)):
        assert palette.lines[index].color in svg
    assert svg.count("stroke-dasharray") >= 2 * (len(betas) - 1)  # in the plot and in the legend


@pytest.mark.parametrize("origin", [FIXTURES / "good", PROJECT_ROOT], ids=["fixture", "project"])
def test_a_build_with_nothing_to_regenerate_imports_neither_torch_nor_matplotlib(origin, tmp_path, fixed_time):
    root = copy_project(origin, tmp_path / "copy")
    probe = (
        "import sys; from ankigen.cli import main; "
        f"code = main(['-q', '--root', {str(root)!r}]); "
        "print(code, 'torch' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["0", "False", "False"]
    assert (root / "dist/fastbook.apkg").exists()


# Chapters 4-7: gradient descent, the digits as pixels, cross-entropy, the multi-label threshold, Mixup.


def test_gradient_descent_steps_follow_x_times_one_minus_two_lr_per_step():
    descend = recipe_function("gradient_descent_steps", "descend")
    for lr in (0.1, 1.1):
        xs, losses = descend(1.0, lr, 5, "cpu")
        assert xs == pytest.approx([(1 - 2 * lr) ** k for k in range(6)], rel=1e-5)  # x - lr * 2x
        assert losses == pytest.approx([x**2 for x in xs], rel=1e-5)
    good, _ = descend(1.0, 0.1, 5, "cpu")
    bad, _ = descend(1.0, 1.1, 5, "cpu")
    assert all(0 < b < a for a, b in pairwise(good))  # steadily towards 0, never past it
    assert all(a * b < 0 and abs(b) > abs(a) for a, b in pairwise(bad))  # across the minimum, further out each time


def test_digit_pixels_and_mean_digits_match_load_digits_computed_with_numpy():
    import numpy as np
    from sklearn.datasets import load_digits

    digits = load_digits()
    grid = recipe_function("digit_pixels", "first_digit")(3, "cpu")
    expected = digits.images[np.flatnonzero(digits.target == 3)[0]]
    assert np.array_equal(np.array(grid), expected)
    assert set(np.unique(expected)) <= set(range(17)) and expected.min() == 0 and expected.max() >= 15
    means = recipe_function("mean_digits", "mean_digits")([3, 7], "cpu")
    for label in (3, 7):
        grid, count = means[label]
        assert count == np.sum(digits.target == label)
        assert np.allclose(grid, digits.images[digits.target == label].mean(axis=0), atol=1e-5)


def test_mixup_blends_the_images_and_the_one_hot_targets_with_the_same_weight():
    import numpy as np
    from sklearn.datasets import load_digits

    digits = load_digits()
    x1, x2, mixed, target = recipe_function("mixup_digits", "mixup")(3, 7, 0.3, 10, "cpu")
    assert np.array_equal(x1, digits.images[np.flatnonzero(digits.target == 3)[0]])
    assert np.array_equal(x2, digits.images[np.flatnonzero(digits.target == 7)[0]])
    assert np.allclose(mixed, 0.3 * np.array(x1) + 0.7 * np.array(x2), atol=1e-5)
    assert target == pytest.approx([0, 0, 0, 0.3, 0, 0, 0, 0.7, 0, 0])


def test_cross_entropy_of_the_correct_class_is_minus_log_p_and_soars_as_p_goes_to_zero():
    loss_against_probability = recipe_function("cross_entropy_curve", "loss_against_probability")
    probabilities = [0.001, 0.01, 0.1, 0.5, 0.9, 1.0]
    neg_log, cross_entropy = loss_against_probability(probabilities, 3, "cpu")
    assert neg_log == pytest.approx([-math.log(p) for p in probabilities], abs=1e-9)
    assert cross_entropy == pytest.approx(neg_log, abs=1e-9)
    assert neg_log[-1] == 0 and neg_log[0] > 6.9 and all(a > b for a, b in pairwise(neg_log))


def test_multi_label_threshold_curve_is_accuracy_multi_and_smooth():
    import numpy as np

    module = sys.modules[BOOK_RECIPES["multi_label_threshold"].function.__module__]
    import torch

    assert module.digit_labels(torch.arange(10)).tolist() == [
        [float(d % 2 == 0), float(d > 4), float(d % 3 == 0)] for d in range(10)
    ]
    sweep = module.threshold_sweep("cpu", **BOOK_RECIPES["multi_label_threshold"].params)
    probabilities, targets = np.array(sweep.probabilities), np.array(sweep.targets)
    assert probabilities.shape == targets.shape == (360, 3)
    for threshold, accuracy in zip(sweep.thresholds, sweep.accuracies):
        assert accuracy == pytest.approx(np.mean((probabilities > threshold) == (targets == 1)), abs=1e-6)
    assert sweep.thresholds == pytest.approx([0.05 * i for i in range(1, 20)])
    assert sweep.accuracies[sweep.best] > 0.9  # the model learned the three labels
    assert max(abs(a - b) for a, b in pairwise(sweep.accuracies)) < 0.07  # no jagged jumps


def test_a_recipe_name_with_a_dot_is_refused():
    with pytest.raises(ValueError, match="letters, digits"):
        recipe("relu.night")


# Chapters 9-18: trees, convolutions, optimizers, initialization and CAM, each against an independent calculation.

diabetes_tree = recipe_function("decision_tree", "diabetes_tree")
partial_dependence_curve = recipe_function("partial_dependence", "partial_dependence_curve")
edge_response = recipe_function("edge_kernel", "edge_response")
conv_output_sizes = recipe_function("conv_output_size", "output_sizes")
optimizer_paths = recipe_function("optimizer_paths", "optimizer_paths")
activation_stds = recipe_function("init_activation_stds", "activation_stds")
class_activation_map = recipe_function("cam_digit", "class_activation_map")


def test_each_node_of_the_drawn_tree_holds_the_count_mean_and_mse_of_its_rows():
    import numpy as np
    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)

    def check(node, rows):
        targets = data.target[rows]
        assert node.samples == rows.sum()
        assert node.value == pytest.approx(targets.mean())
        assert node.mse == pytest.approx(((targets - targets.mean()) ** 2).mean())
        if node.column is not None:
            left = rows & (data.data[:, data.feature_names.index(node.column)] <= node.threshold)
            check(node.left, left)
            check(node.right, rows & ~left)
            return 1 + (node.left.column is not None) + (node.right.column is not None)
        return 0

    assert check(diabetes_tree(3), np.ones(len(data.target), dtype=bool)) == 2  # two splits: three leaves


def test_partial_dependence_by_hand_matches_scikit_learn():
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.inspection import partial_dependence

    grid, averages, deciles = partial_dependence_curve("bmi", 12, 10, 0, (5, 95))
    data = load_diabetes(scaled=False)
    forest = RandomForestRegressor(n_estimators=10, random_state=0).fit(data.data, data.target)
    column = data.feature_names.index("bmi")
    theirs = partial_dependence(forest, data.data, [column], method="brute", kind="average", custom_values={column: grid})
    assert list(theirs["grid_values"][0]) == pytest.approx(grid)
    assert averages == pytest.approx(list(theirs["average"][0]), rel=1e-9)
    assert len(deciles) == 9 and deciles == sorted(deciles)


def test_edge_kernel_output_is_the_sum_of_products_over_each_window():
    import numpy as np

    image, output = edge_response(7, 4, [[-1, -1, -1], [0, 0, 0], [1, 1, 1]], "cpu")
    image, output = np.array(image), np.array(output)
    assert image.shape == (40, 40) and output.shape == (38, 38)
    by_hand = np.array([[image[r + 2, c : c + 3].sum() - image[r, c : c + 3].sum() for c in range(38)] for r in range(38)])
    assert output == pytest.approx(by_hand, abs=1e-3)
    assert output.max() > 10 and output.min() < -10  # both kinds of edges are there


def test_conv_output_sizes_follow_the_formula():
    sizes = list(range(4, 17))
    heights = conv_output_sizes([(3, 1, 1), (3, 1, 0), (3, 2, 1), (5, 2, 2)], sizes, "cpu")
    assert heights[(3, 1, 1)] == sizes  # padding ks//2 keeps the size
    assert heights[(3, 1, 0)] == [n - 2 for n in sizes]
    assert heights[(3, 2, 1)] == [math.ceil(n / 2) for n in sizes]  # stride 2 halves, rounding up
    assert heights[(5, 2, 2)] == [(n + 4 - 5) // 2 + 1 for n in sizes]


def test_optimizer_paths_match_the_update_rules_written_out_by_hand():
    a, b, start, steps = 1.0, 50.0, [-4.0, 1.0], 30
    settings = [{"name": "SGD", "lr": 0.038}, {"name": "SGD", "lr": 0.038, "momentum": 0.7}, {"name": "Adam", "lr": 0.3}]
    sgd, momentum, adam = optimizer_paths(a, b, start, steps, settings, "cpu")

    def gradient(p):
        return [a * p[0], b * p[1]]

    expected = {"sgd": [tuple(start)], "momentum": [tuple(start)], "adam": [tuple(start)]}
    p, q, r = list(start), list(start), list(start)
    velocity, m, v = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    for t in range(1, steps + 1):
        p = [w - 0.038 * g for w, g in zip(p, gradient(p))]
        g = gradient(q)
        velocity = [g[i] if t == 1 else 0.7 * velocity[i] + g[i] for i in range(2)]  # PyTorch's form: no (1 - beta)
        q = [w - 0.038 * vel for w, vel in zip(q, velocity)]
        g = gradient(r)
        m = [0.9 * m[i] + 0.1 * g[i] for i in range(2)]
        v = [0.999 * v[i] + 0.001 * g[i] ** 2 for i in range(2)]
        r = [r[i] - 0.3 * (m[i] / (1 - 0.9**t)) / (math.sqrt(v[i] / (1 - 0.999**t)) + 1e-8) for i in range(2)]
        expected["sgd"].append(tuple(p))
        expected["momentum"].append(tuple(q))
        expected["adam"].append(tuple(r))
    for ours, name in ((sgd, "sgd"), (momentum, "momentum"), (adam, "adam")):
        assert [c for point in ours for c in point] == pytest.approx([c for point in expected[name] for c in point], abs=1e-9)
    assert abs(sgd[-1][0]) > 1 and math.hypot(*momentum[-1]) < 0.1  # SGD still crawls; momentum has arrived


def test_activation_stds_match_float64_numpy_and_scale_as_a_power_of_the_weight_scale():
    import numpy as np
    import torch

    layers, width, rows, seed = 50, 100, 200, 0
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, width, generator=generator).double().numpy()
    weights = [torch.randn(width, width, generator=generator).double().numpy() for _ in range(layers)]
    for scale, relu in ((0.1, False), (math.sqrt(2 / width), True), (0.1, True)):
        expected, h = [x.std(ddof=1)], x
        for w in weights:
            h = h @ (w * scale)
            if relu:
                h = np.maximum(h, 0)
            expected.append(h.std(ddof=1))
        assert activation_stds(layers, width, rows, scale, relu, seed, "cpu") == pytest.approx(expected, rel=1e-3)
    naive = activation_stds(layers, width, rows, 1.0, False, seed, "cpu")
    xavier = activation_stds(layers, width, rows, 0.1, False, seed, "cpu")
    overflow = next(i for i, s in enumerate(naive) if not math.isfinite(s))
    assert 30 < overflow < 45  # float32 ends near 3.4e38
    assert [n / x for n, x in zip(naive[:overflow], xavier)] == pytest.approx([10.0**i for i in range(overflow)], rel=1e-3)


def test_cam_averaged_over_the_grid_plus_the_bias_is_the_class_score():
    import numpy as np

    params = dict(BOOK_RECIPES["cam_digit"].params)
    result = class_activation_map(device="cpu", **params)
    assert result.predicted == result.label == params["label"]
    assert result.accuracy > 0.9
    assert np.array(result.cam).shape == (8, 8)
    assert np.mean(result.cam) + result.bias == pytest.approx(result.score, abs=1e-4)
    assert class_activation_map(device="cpu", **params) == result  # seeded and deterministic
