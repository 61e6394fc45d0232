"""Decision trees and random forests (chapter 9), on scikit-learn's bundled diabetes data.

A small regression tree drawn box by box (each node's split, mse, samples and value, as in the
book's tree drawings), and a random forest's partial dependence on one column, computed by hand:
the column set to one value in every row, predictions averaged, for each value of a grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ankigen import recipe

from .plotting import save_themed


@dataclass
class Node:
    samples: int
    value: float  # mean target of the node's training rows: its prediction
    mse: float  # mean squared difference between those targets and `value`
    column: str | None = None  # the split's column; None for a leaf
    threshold: float = 0.0  # rows with column <= threshold go left ("yes")
    left: Node | None = None
    right: Node | None = None


def diabetes_tree(max_leaf_nodes: int) -> Node:
    """A regression tree on the diabetes data in its original units, as nested Nodes."""
    from sklearn.datasets import load_diabetes
    from sklearn.tree import DecisionTreeRegressor

    data = load_diabetes(scaled=False)
    tree = DecisionTreeRegressor(max_leaf_nodes=max_leaf_nodes, random_state=0).fit(data.data, data.target).tree_

    def node(i: int) -> Node:
        result = Node(int(tree.n_node_samples[i]), float(tree.value[i].item()), float(tree.impurity[i]))
        if tree.children_left[i] >= 0:
            result.column = data.feature_names[tree.feature[i]]
            result.threshold = float(tree.threshold[i])
            result.left, result.right = node(tree.children_left[i]), node(tree.children_right[i])
        return result

    return node(0)


def _layout(root: Node) -> list[tuple[Node, float, int, Node | None]]:
    """(node, x from 0 to 1, depth, parent) for every node: the nodes of one depth spread evenly
    across the width, left to right. A small tree has at most two nodes a row, so each box can be
    almost half the figure wide and hold its text at full size."""
    levels: list[list[tuple[Node, Node | None]]] = []

    def walk(node: Node, depth: int, parent: Node | None) -> None:
        if len(levels) <= depth:
            levels.append([])
        levels[depth].append((node, parent))
        if node.left is not None:
            walk(node.left, depth + 1, node)
            walk(node.right, depth + 1, node)

    walk(root, 0, None)
    return [(node, (i + 0.5) / len(level), depth, parent) for depth, level in enumerate(levels) for i, (node, parent) in enumerate(level)]


@recipe("decision_tree", max_leaf_nodes=3)
def plot_decision_tree(out: Path, device: str, max_leaf_nodes: int) -> None:
    # A tree of a few nodes needs no accelerator: scikit-learn fits it on the CPU whatever `device` is.
    from matplotlib.patches import FancyBboxPatch

    root = diabetes_tree(max_leaf_nodes)
    placed = _layout(root)
    box_w, line_h = 0.42, 0.55  # in axes x units (0 to 1 across the figure) and in rows of text

    def lines(node: Node) -> list[str]:
        split = [f"{node.column} ≤ {node.threshold:.3g}?"] if node.column else []
        return [*split, f"mse = {node.mse:.0f}", f"samples = {node.samples}", f"value = {node.value:.1f}"]

    rows = max(len(lines(node)) for node, *_ in placed)
    level_h = rows * line_h + 1.4  # a box and the gap under it

    def top(d: int) -> float:
        return -d * level_h

    lowest = min(top(d) - len(lines(node)) * line_h - 0.3 for node, _, d, _ in placed) - 0.2

    def draw(ax, palette):
        ax.axis("off")
        centres = {}
        for node, x, d, parent in placed:
            text = lines(node)
            height = len(text) * line_h + 0.3
            edge = palette.line(0 if node.column else 2)["color"]
            ax.add_patch(FancyBboxPatch((x - box_w / 2, top(d) - height), box_w, height, boxstyle="round,pad=0.02,rounding_size=0.05",
                                        facecolor=palette.background, edgecolor=edge, linewidth=1.5, mutation_aspect=4))
            for i, line in enumerate(text):  # one text per line: the layout test measures each piece of text
                ax.text(x, top(d) - 0.15 - (i + 0.5) * line_h, line, ha="center", va="center")
            centres[id(node)] = (x, height)
        for node, x, d, parent in placed:
            if parent is None:
                continue
            px = next(px for n, px, _, _ in placed if n is parent)
            bottom = top(d - 1) - centres[id(parent)][1]
            ax.annotate("", xy=(x, top(d)), xytext=(px, bottom),
                        arrowprops={"arrowstyle": "-|>", "color": palette.muted, "linewidth": 1.5, "shrinkA": 0, "shrinkB": 0})
            label = "yes" if node is parent.left else "no"
            ax.text((x + px) / 2 + (-0.07 if label == "yes" else 0.07), (top(d) + bottom) / 2, label,
                    ha="right" if label == "yes" else "left", va="center")
        ax.set_xlim(0, 1)
        ax.set_ylim(lowest, 0.6)
        ax.set_title("A regression tree, diabetes data")

    save_themed(out, draw, height=0.5 + 0.46 * (0.6 - lowest))  # 0.46 in per unit: a line of text is 0.55 units


def partial_dependence_curve(column: str, points: int, trees: int, seed: int, percentiles: tuple[float, float]) -> tuple[list[float], list[float], list[float]]:
    """A random forest's partial dependence on one column of the diabetes data, by hand.

    Returns the grid (evenly spaced between two percentiles of the column), the mean prediction with
    the column set to each grid value in every row, and the column's deciles (where the data lies)."""
    import numpy as np
    from sklearn.datasets import load_diabetes
    from sklearn.ensemble import RandomForestRegressor

    data = load_diabetes(scaled=False)
    index = data.feature_names.index(column)
    forest = RandomForestRegressor(n_estimators=trees, random_state=seed).fit(data.data, data.target)
    low, high = np.percentile(data.data[:, index], percentiles)
    grid = np.linspace(low, high, points)
    averages = []
    for value in grid:
        changed = data.data.copy()
        changed[:, index] = value  # every row gets this value; all other columns stay as they are
        averages.append(float(forest.predict(changed).mean()))
    deciles = np.percentile(data.data[:, index], np.arange(10, 100, 10))
    return grid.tolist(), averages, deciles.tolist()


@recipe("partial_dependence", column="bmi", points=40, trees=50, seed=0, percentiles=[5, 95])
def plot_partial_dependence(out: Path, device: str, column: str, points: int, trees: int, seed: int, percentiles: list[float]) -> None:
    # scikit-learn's forest runs on the CPU whatever `device` is.
    grid, averages, deciles = partial_dependence_curve(column, points, trees, seed, tuple(percentiles))

    def draw(ax, palette):
        ax.plot(grid, averages, **palette.line(0))
        # The deciles of the column along the bottom: where the data is, and so where the curve means most.
        low = min(averages) - 0.12 * (max(averages) - min(averages))
        ax.plot(deciles, [low] * len(deciles), marker="|", markersize=14, linestyle="none", color=palette.muted, markeredgewidth=2)
        ax.set_xlabel(f"{column} (kg/m²), set in every row")
        ax.set_ylabel("mean prediction")
        ax.set_title("Partial dependence on BMI")

    save_themed(out, draw, height=3.0)
