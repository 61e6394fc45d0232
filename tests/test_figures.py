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


def test_a_recipe_name_with_a_dot_is_refused():
    with pytest.raises(ValueError, match="letters, digits"):
        recipe("relu.night")
