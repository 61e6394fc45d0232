"""Compute: figure recipes, registered by name from the book's recipes folder; regenerated only when stale.

A card shows a figure by referencing its file, `![...](../media/figures/<name>.<ext>)`. An image
figure comes in two versions drawn by the same recipe, `<name>.<ext>` for light cards and
`<name>.night.<ext>` for night mode (see `night_variant`); the card shows the one for its mode. The
files are committed with a manifest that records each one's cache key: a hash of the recipe's module
source, the folder's shared helper modules (those that define no recipe), its parameters and the
pinned library versions. A figure is fresh when its key and bytes match, so checking needs neither
torch nor matplotlib.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import logging
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import BuildError
from ..files import file_matches, file_sha256, read_json_or_empty, write_atomically
from . import cache_key, resolve_device, warn_about_unpinned_libraries

log = logging.getLogger(__name__)

CACHE_VERSION = 2  # 2: image figures have a night version
MANIFEST_NAME = "manifest.json"
RECIPE_TIMEOUT_S = 300
FIGURE_SUFFIXES = (".svg", ".png", ".html")
INLINE_SUFFIX = ".html"  # a computed table, written into the card: it takes the card's own colours


def night_variant(path: Path) -> Path:
    """Where an image figure's night-mode version lies, beside it: sigmoid.svg -> sigmoid.night.svg."""
    return path.with_name(f"{path.stem}.night{path.suffix}")


@dataclass(frozen=True)
class Recipe:
    """`function(out: Path, device: str, **params)` writes `out` and seeds its randomness; an image
    recipe also writes its night version, at `night_variant(out)`."""

    name: str
    suffix: str
    function: Callable[..., None]
    params: Mapping[str, object] = field(default_factory=dict)
    shared_sources: tuple[str, ...] = ()  # the recipes' helper modules: editing one makes every figure stale

    @property
    def file_name(self) -> str:
        return self.name + self.suffix

    @property
    def file_names(self) -> tuple[str, ...]:
        """Every file the recipe writes."""
        if self.suffix == INLINE_SUFFIX:
            return (self.file_name,)
        return (self.file_name, night_variant(Path(self.file_name)).name)

    @property
    def defined_at(self) -> str:
        return f"{inspect.getsourcefile(self.function)}:{self.function.__code__.co_firstlineno}"

    def key(self) -> str:
        sources = [inspect.getsource(sys.modules[self.function.__module__]), *self.shared_sources]
        return cache_key(cache=CACHE_VERSION, name=self.name, suffix=self.suffix, params=self.params, sources=sources)


_registering: list[Recipe] = []  # filled by @recipe while load_recipes imports a recipes folder
_loaded: dict[Path, dict[str, Recipe]] = {}


def recipe(name: str, suffix: str = ".svg", **params: object) -> Callable:
    """Registers a recipe under a name (`from ankigen import recipe`)."""
    if suffix not in FIGURE_SUFFIXES:
        raise ValueError(f"figure recipe {name!r}: suffix must be one of {FIGURE_SUFFIXES}")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", name):  # no dot: 'x.night' would be another figure's night version
        raise ValueError(f"figure recipe {name!r}: a name is letters, digits, '_' and '-' only")

    def register(function: Callable[..., None]) -> Callable[..., None]:
        _registering.append(Recipe(name, suffix, function, params))
        return function

    return register


def load_recipes(folder: Path | None) -> dict[str, Recipe]:
    """The recipes of a book's recipes folder, a Python package whose __init__ imports each recipe module.

    Importing is cheap (recipes import torch only when they run). A name used twice is an error
    that names both definitions; a folder that fails to import is an error naming the folder.
    """
    if folder is None:
        return {}
    folder = folder.resolve()
    if folder not in _loaded:
        # A module name of its own per folder, so that two books' recipes never meet.
        package = "ankigen_recipes_" + hashlib.sha256(str(folder).encode()).hexdigest()[:12]
        spec = importlib.util.spec_from_file_location(package, folder / "__init__.py", submodule_search_locations=[str(folder)])
        if spec is None or not (folder / "__init__.py").is_file():
            raise BuildError(f"the recipes folder {folder} has no __init__.py that imports its recipe modules")
        module = importlib.util.module_from_spec(spec)
        sys.modules[package] = module
        _registering.clear()
        try:
            spec.loader.exec_module(module)
        except Exception as err:
            del sys.modules[package]
            raise BuildError(f"cannot load the figure recipes in {folder}: {err!r}") from err
        found, recipes = list(_registering), {}
        _registering.clear()
        for item in found:
            if item.name in recipes:
                raise BuildError(f"figure recipe {item.name!r} is defined twice: {recipes[item.name].defined_at} and {item.defined_at}")
            recipes[item.name] = item
        shared = _helper_sources(package, {item.function.__module__ for item in found})
        _loaded[folder] = {name: replace(item, shared_sources=shared) for name, item in recipes.items()}
    return _loaded[folder]


def _helper_sources(package: str, recipe_modules: set[str]) -> tuple[str, ...]:
    """The source of every module of the package that defines no recipe (and is not __init__)."""
    helpers = sorted(name for name in sys.modules if name.startswith(package + ".") and name not in recipe_modules)
    return tuple(inspect.getsource(sys.modules[name]) for name in helpers)


@dataclass
class FigureRun:
    fresh: list[str] = field(default_factory=list)
    regenerated: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # found stale but not regenerated (check only)
    device: str | None = None


class FigureStore:
    """The committed figures folder and its manifest: {name: {files: {file name: sha256}, key, device}}."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.manifest_path = directory / MANIFEST_NAME
        self.manifest = read_json_or_empty(self.manifest_path)

    def is_fresh(self, recipe: Recipe) -> bool:
        entry = self.manifest.get(recipe.name)
        return (
            isinstance(entry, dict)
            and entry.get("key") == recipe.key()
            and isinstance(entry.get("files"), dict)
            and sorted(entry["files"]) == sorted(recipe.file_names)
            and all(file_matches(self.directory / name, sha256) for name, sha256 in entry["files"].items())
        )

    def record(self, recipe: Recipe, device: str) -> None:
        self.manifest[recipe.name] = {
            "files": {name: file_sha256(self.directory / name) for name in recipe.file_names},
            "key": recipe.key(),
            "device": device,
        }
        write_atomically(self.manifest_path, json.dumps(self.manifest, indent=1, sort_keys=True) + "\n")


def generate_figures(
    figures_dir: Path, recipes: list[Recipe], *, force: bool = False, device: str = "auto", run: bool = True
) -> FigureRun:
    """Regenerates the stale ones of these figures (all with force); with run=False only lists them."""
    store = FigureStore(figures_dir)
    result = FigureRun()
    todo = []
    for item in sorted(recipes, key=lambda r: r.name):
        if not force and store.is_fresh(item):
            result.fresh.append(item.name)
        else:
            todo.append(item)
    if not run:
        result.stale = [r.name for r in todo]
        return result
    if not todo:
        return result
    warn_about_unpinned_libraries()
    result.device = resolve_device(device)
    log.info("Generating %d figure%s on %s", len(todo), "" if len(todo) == 1 else "s", result.device)
    figures_dir.mkdir(parents=True, exist_ok=True)
    for item in todo:
        started = time.monotonic()
        run_recipe(item, figures_dir / item.file_name, result.device)
        store.record(item, result.device)
        result.regenerated.append(item.name)
        log.info("  %s: %.1f s on %s", item.file_name, time.monotonic() - started, result.device)
    return result


def run_recipe(item: Recipe, out: Path, device: str) -> None:
    """Runs a recipe into temporary files first, so a crash never leaves a half-written figure."""
    staging = out.with_name(f".tmp-{out.name}")  # keeps the suffix, which picks the file format
    moves = [(staging.with_name(f".tmp-{name}"), out.with_name(name)) for name in item.file_names]
    try:
        with _time_limit(RECIPE_TIMEOUT_S, item.name):
            item.function(staging, device, **item.params)
        for written, final in moves:
            if not written.is_file():
                night = final.name != item.file_name
                raise BuildError(
                    f"figure recipe {item.name!r} ({item.defined_at}) did not write {final.name}"
                    + (": an image figure needs a light and a night version (write it to night_variant(out))" if night else "")
                )
        for written, final in moves:
            os.replace(written, final)
    except BuildError:
        raise
    except Exception as err:
        raise BuildError(f"figure recipe {item.name!r} ({item.defined_at}) failed: {err!r}") from err
    finally:
        for written, _ in moves:
            written.unlink(missing_ok=True)


@contextmanager
def _time_limit(seconds: int, name: str):
    """Stops a hanging recipe with a clear message (SIGALRM: main thread on POSIX only)."""

    def stop(signum, frame):
        raise BuildError(f"figure recipe {name!r} did not finish within {seconds} s")

    if not hasattr(signal, "SIGALRM") or not _in_main_thread():
        yield
        return
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
