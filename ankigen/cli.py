"""Command line: argument parsing and exit codes only; the work is in `pipeline`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from . import __version__, pipeline
from .errors import BuildError, Report, SourceError

DESCRIPTION = "Build Anki decks (.apkg) from the Markdown cards under source/."
EPILOG = """commands:
  build   check every source, then write dist/fastbook.apkg and one .apkg per chapter (default)
  check   validate every source and list each problem as file:line; writes nothing

The build timestamp is SOURCE_DATE_EPOCH when set, otherwise the time of the last git commit.
"""


def main(argv: list[str] | None = None, default_root: Path | None = None) -> int:
    args = _parser().parse_args(argv)
    _show_progress(not args.quiet)
    paths = pipeline.ProjectPaths.under((args.root or default_root or Path.cwd()).resolve())
    try:
        return _COMMANDS[args.command or "build"](paths)
    except SourceError as err:
        print(err, file=sys.stderr)
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
    return 1


def _build(paths: pipeline.ProjectPaths) -> int:
    result = pipeline.build(paths)
    if not _print_problems(result.report):
        print("Build stopped: nothing was written, dist/ is unchanged.", file=sys.stderr)
        return 1
    return 0


def _check(paths: pipeline.ProjectPaths) -> int:
    result = pipeline.check(paths)
    if _print_problems(result.report):
        print(f"OK: {pipeline.plural(len(result.chapters), 'chapter')}, {pipeline.plural(result.card_count, 'card')}, no problems.")
        return 0
    return 1


def _print_problems(report: Report) -> bool:
    """Prints every problem sorted by file and line; returns whether the report has no errors."""
    for problem in report.sorted():
        print(problem, file=sys.stderr)
    if not report.ok:
        print(f"{pipeline.plural(len(report.errors), 'problem')} found; see CONTRIBUTING.md for the card format.", file=sys.stderr)
    return report.ok


def _show_progress(enabled: bool) -> None:
    """Progress lines go to stdout, problems to stderr; reset per call so each run writes to today's stdout."""
    logger = logging.getLogger("ankigen")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.handlers = [handler]
    logger.setLevel(logging.INFO if enabled else logging.WARNING)
    logger.propagate = False


_COMMANDS = {"build": _build, "check": _check}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", nargs="?", choices=sorted(_COMMANDS), help="what to do (default: build)")
    parser.add_argument("--root", type=Path, help="project folder holding source/, media/ and dist/")
    parser.add_argument("-q", "--quiet", action="store_true", help="print problems only, no progress")
    parser.add_argument("--version", action="version", version=f"ankigen {__version__}")
    return parser
