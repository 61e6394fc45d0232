"""A plain (not editable) install works like the editable one: a wheel of this repository, installed
into a fresh virtual environment, ships every file the engine needs and builds the real deck
byte for byte as the source tree does; and building from the committed figures and outputs needs
none of the `figures` extra (torch, matplotlib, numpy, scikit-learn).

Offline: the wheel is built without build isolation, with the setuptools of the test environment,
and the fresh environment sees the test environment's libraries through a .pth file instead of
downloading them. Paths a .pth file adds are not scanned for .pth files of their own, so the
editable ankigen finder in the test environment stays inactive there (asserted below).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT, TIMESTAMP, copy_project

# What setuptools reads to build the wheel; copied out of the repository so that the build leaves
# no build/ folder or egg-info behind in it.
PACKAGING_FILES = ("pyproject.toml", "README.md", "LICENSE", "setup.py", "setup.cfg", "MANIFEST.in")
FIGURES_EXTRA = ("torch", "matplotlib", "numpy", "sklearn")


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs command, failing the test with its output when it exits non-zero."""
    finished = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert finished.returncode == 0, f"{command} exited {finished.returncode}:\n{finished.stdout}\n{finished.stderr}"
    return finished


def clean_env() -> dict[str, str]:
    """The environment for child interpreters: the fixed build timestamp, and nothing that could
    put the source tree or the user's site-packages on their path."""
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    return {**env, "SOURCE_DATE_EPOCH": str(TIMESTAMP), "PYTHONNOUSERSITE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def decks(root: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((root / "dist").glob("*.apkg"))}


@dataclass(frozen=True)
class Installed:
    folder: Path  # the fresh virtual environment
    python: Path
    site_packages: Path
    scratch: Path  # a neutral working folder: no ankigen/ beside it to import by accident


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """A fresh virtual environment with a wheel of this repository installed into it (not editable)."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    for name in PACKAGING_FILES:
        if (PROJECT_ROOT / name).exists():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(PROJECT_ROOT / name, source / name)
    shutil.copytree(PROJECT_ROOT / "ankigen", source / "ankigen", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))

    wheels = base / "wheels"
    env = clean_env()
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w", str(wheels), str(source)], base, env)
    (wheel,) = wheels.glob("ankigen-*.whl")

    folder = base / "venv"
    run([sys.executable, "-m", "venv", str(folder)], base, env)  # ensurepip installs its bundled pip: offline
    python = folder / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)], base, env)
    site_packages = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base, env).stdout.strip())

    # The libraries ankigen needs (genanki, Markdown, ...), from the test environment.
    outer = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site_packages / "zz_outer_site_packages.pth").write_text("".join(f"{path}\n" for path in outer), encoding="utf-8")

    scratch = base / "scratch"
    scratch.mkdir()
    return Installed(folder, python, site_packages, scratch)


def test_the_fresh_environment_imports_the_installed_package_with_its_data(installed):
    probe = textwrap.dedent(
        """
        import json, sys
        from importlib import metadata, resources
        import ankigen, ankigen.scaffold
        template = resources.files("ankigen.scaffold") / "template"
        print(json.dumps({
            "file": ankigen.__file__,
            "scaffold": ankigen.scaffold.__file__,
            "templates": sorted(name for name in ankigen.scaffold.FILES if (template / name).is_file()),
            "wanted": sorted(ankigen.scaffold.FILES),
            "distribution": str(metadata.distribution("ankigen")._path),
            "editable_finders": [type(finder).__name__ for finder in sys.meta_path if "editable" in type(finder).__module__.lower()],
        }))
        """
    )
    found = json.loads(run([str(installed.python), "-c", probe], installed.scratch, clean_env()).stdout)
    site_packages = installed.site_packages.resolve()
    assert Path(found["file"]).resolve().is_relative_to(site_packages), found["file"]
    assert Path(found["scaffold"]).resolve().is_relative_to(site_packages), found["scaffold"]
    assert Path(found["distribution"]).resolve().is_relative_to(site_packages), found["distribution"]
    assert found["editable_finders"] == []
    assert found["templates"] == found["wanted"]  # package data shipped, nested folders included
    for name in found["wanted"]:
        assert (site_packages / "ankigen" / "scaffold" / "template" / name).is_file(), name

    def files(package: Path) -> set[str]:
        return {path.relative_to(package).as_posix() for path in package.rglob("*") if path.is_file() and "__pycache__" not in path.parts}

    # Every file of the engine ships (the build fingerprint hashes them all), and nothing else.
    assert files(site_packages / "ankigen") == files(PROJECT_ROOT / "ankigen")


def test_the_console_script_runs(installed):
    from ankigen import __version__

    finished = run([str(installed.folder / "bin" / "ankigen"), "--version"], installed.scratch, clean_env())
    assert finished.stdout.strip() == f"ankigen {__version__}"


def test_the_installed_package_builds_the_real_deck_byte_identically(installed, tmp_path):
    plain = copy_project(PROJECT_ROOT, tmp_path / "installed")
    editable = copy_project(PROJECT_ROOT, tmp_path / "editable")
    run([str(installed.python), "-m", "ankigen", "-q", "--root", str(plain)], installed.scratch, clean_env())
    run([sys.executable, "-m", "ankigen", "-q", "--root", str(editable)], installed.scratch, clean_env())

    built, reference = decks(plain), decks(editable)
    assert reference, "the editable build wrote no .apkg"
    assert sorted(built) == sorted(reference)
    for name in reference:
        assert built[name] == reference[name], f"{name} differs between the installed and the editable build"


def test_building_from_committed_content_needs_no_figures_libraries(installed, tmp_path):
    blocked = copy_project(PROJECT_ROOT, tmp_path / "blocked")
    editable = copy_project(PROJECT_ROOT, tmp_path / "editable")
    program = textwrap.dedent(
        f"""
        import sys

        BLOCKED = {FIGURES_EXTRA!r}

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.partition(".")[0] in BLOCKED:
                    raise ImportError(f"{{name}} is blocked: building decks must not need it")
                return None

        sys.meta_path.insert(0, Blocker())
        from ankigen.cli import main

        code = main(["build", "-q", "--root", {str(blocked)!r}])
        loaded = sorted(name for name in sys.modules if name.partition(".")[0] in BLOCKED)
        if loaded:
            sys.exit(f"loaded anyway: {{loaded}}")
        sys.exit(code)
        """
    )
    run([str(installed.python), "-c", program], installed.scratch, clean_env())
    run([sys.executable, "-m", "ankigen", "-q", "--root", str(editable)], installed.scratch, clean_env())

    built, reference = decks(blocked), decks(editable)
    assert reference and built == reference
