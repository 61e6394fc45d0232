"""Command line: argument parsing and exit codes only; the work is in `pipeline` (and `scaffold` for init)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from . import __version__, pipeline
from .compute import DEVICE_CHOICES
from .errors import BuildError, ProfileError, Report, SourceError
from .pipeline import Project
from .wording import plural

DESCRIPTION = "Build Anki decks (.apkg) from a book's Markdown cards under source/, as its ankigen.toml describes."
EPILOG = """The build timestamp is SOURCE_DATE_EPOCH when set, otherwise the time of the last git commit.
Figures and code outputs are committed under media/; a build recomputes only what is out of date.
Start a deck for another book with `ankigen init DIR`."""


COMMANDS = ("build", "check", "preview", "figures", "progress", "lock", "release-notes", "changes", "init")


def main(argv: list[str] | None = None, default_root: Path | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not set(argv) & {*COMMANDS, "-h", "--help", "--version"}:
        argv = ["build", *argv]  # `python build.py [options]` builds
    args = _parser().parse_args(argv)
    _show_progress(not args.quiet)
    try:
        if args.handler is _init:
            return _init(args)
        project = Project.load((args.root or default_root or Path.cwd()).resolve())
        return args.handler(project, args)
    except (SourceError, ProfileError) as err:
        print(err, file=sys.stderr)
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
    except OSError as err:  # the machine's fault, not the sources': a full disk, a read-only dist/
        where = f" ({err.filename})" if err.filename else ""
        print(f"error: {err.strerror or err}{where}: nothing was changed in dist/", file=sys.stderr)
    return 1


def _init(args: argparse.Namespace) -> int:
    from .scaffold import scaffold

    created = scaffold(args.directory, title=args.title, name=args.name)
    print(f"Created a deck project in {args.directory}: {', '.join(created)}")
    print(f"Check it with: cd {args.directory} && ankigen check; build it after a first git commit (or with SOURCE_DATE_EPOCH set): ankigen build")
    return 0


def _build(project: Project, args: argparse.Namespace) -> int:
    report = pipeline.build(project, device=args.device)
    if not _print_problems(report):
        print("Build stopped: nothing was written, dist/ is unchanged.", file=sys.stderr)
        return 1
    return 0


def _check(project: Project, args: argparse.Namespace) -> int:
    result = pipeline.check(project)
    if _print_problems(result.report):
        chapters, cards = plural(len(result.chapters), "chapter"), plural(result.card_count, "card")
        print(f"OK: {chapters}, {cards}, no problems.")
        return 0
    return 1


def _preview(project: Project, args: argparse.Namespace) -> int:
    report, page = pipeline.preview(project, device=args.device)
    if not _print_problems(report):
        return 1
    print(f"Open {page.as_uri()} in a browser.")
    return 0


def _figures(project: Project, args: argparse.Namespace) -> int:
    report = pipeline.figures(project, force=args.force, device=args.device, check_only=args.check)
    return 0 if _print_problems(report) else 1


def _progress(project: Project, args: argparse.Namespace) -> int:
    from .reports.coverage import format_markdown, format_table

    coverage, report = pipeline.progress(project)
    print(format_table(coverage))
    if args.markdown:
        args.markdown.write_text(format_markdown(coverage), encoding="utf-8")
        print(f"Wrote {args.markdown}")
    return 0 if _print_problems(report) else 1


def _lock(project: Project, args: argparse.Namespace) -> int:
    ids, report = pipeline.lock(project, allow_notetype_change=args.allow_notetype_change, amend=args.amend, check_only=args.check)
    if not _print_problems(report):
        return 1
    version = project.profile.version
    if args.check:
        print(f"releases/identity.json records release {version} and every card as it is.")
    else:
        print(f"Recorded release {version} in releases/identity.json: {plural(len(ids), 'card')} new or changed since the last lock.")
    return 0


def _release_notes(project: Project, args: argparse.Namespace) -> int:
    _write_or_print(pipeline.release_notes(project, args.since, checksums=args.checksums), args.output)
    return 0


def _changes(project: Project, args: argparse.Namespace) -> int:
    _write_or_print(pipeline.changes(project, args.since), args.output)
    return 0


def _write_or_print(text: str, output: Path | None) -> None:
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        print(text, end="")


def _print_problems(report: Report) -> bool:
    """Prints every problem sorted by file and line; returns whether the report has no errors."""
    for problem in report.sorted():
        print(problem, file=sys.stderr)
    if not report.ok:
        print(
            f"{plural(len(report.errors), 'problem')} found; see CONTRIBUTING.md for the card format.",
            file=sys.stderr,
        )
    return report.ok


def _show_progress(enabled: bool) -> None:
    """Progress lines go to stdout, problems to stderr; reset per call so each run writes to today's stdout."""
    logger = logging.getLogger("ankigen")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.handlers = [handler]
    logger.setLevel(logging.INFO if enabled else logging.WARNING)
    logger.propagate = False


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", type=Path, help="project folder holding ankigen.toml, source/, media/ and dist/")
    common.add_argument("-q", "--quiet", action="store_true", help="print problems only, no progress")
    device = argparse.ArgumentParser(add_help=False)
    device.add_argument(
        "--device", choices=DEVICE_CHOICES, default="auto", help="where torch computes figures (default: cuda if available)"
    )

    parser = argparse.ArgumentParser(prog="ankigen", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"ankigen {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="{" + ",".join(COMMANDS) + "}", required=True)
    commands.add_parser(
        "build", parents=[common, device], help="check the sources, then write dist/*.apkg (the default)"
    ).set_defaults(handler=_build)
    commands.add_parser(
        "check", parents=[common], help="list every problem in the sources as file:line; writes nothing"
    ).set_defaults(handler=_check)
    commands.add_parser(
        "preview", parents=[common, device], help="write dist/preview/index.html: every card, light and dark, as Anki shows it"
    ).set_defaults(handler=_preview)
    figures = commands.add_parser(
        "figures", parents=[common, device], help="recompute out-of-date figures and code-block outputs"
    )
    figures.add_argument("--force", action="store_true", help="recompute everything, even what is up to date")
    figures.add_argument("--check", action="store_true", help="only report what is out of date (exit 1 if anything is)")
    figures.set_defaults(handler=_figures)
    progress = commands.add_parser(
        "progress", parents=[common], help="per chapter: questionnaire items covered, excluded (with reasons), missing"
    )
    progress.add_argument("--markdown", type=Path, metavar="FILE", help="also write the report as Markdown to FILE")
    progress.set_defaults(handler=_progress)
    lock = commands.add_parser(
        "lock", parents=[common], help="record the release, the note type and every card as released (run before tagging)"
    )
    lock.add_argument("--check", action="store_true", help="only report whether the lock records this version and every card as it is (exit 1 if not)")
    lock.add_argument(
        "--allow-notetype-change", action="store_true", help="accept a changed note type (major release only)"
    )
    lock.add_argument("--amend", action="store_true", help="record changes under the version already locked (only before it is published)")
    lock.set_defaults(handler=_lock)
    notes = commands.add_parser(
        "release-notes", parents=[common], help="Markdown list of cards added, changed and retired since a git tag"
    )
    notes.add_argument("--since", metavar="REF", help="the previous release's tag (omit for the first release)")
    notes.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    notes.add_argument("--checksums", action="store_true", help="add the SHA-256 of each deck in dist/ (build first)")
    notes.set_defaults(handler=_release_notes)
    changes = commands.add_parser(
        "changes",
        parents=[common],
        help="Markdown summary for reviewers: the cards added, changed (old and new text) and retired since REF",
    )
    changes.add_argument("--since", metavar="REF", required=True, help="the git ref to compare with, e.g. origin/main")
    changes.add_argument("--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    changes.set_defaults(handler=_changes)
    init = commands.add_parser("init", help="start a deck project for another book in DIR (profile, example chapter, CI)")
    init.add_argument("directory", type=Path, metavar="DIR", help="the new project's folder (created; must be empty if it exists)")
    init.add_argument("--title", default="My Book", help="the book's title (default: %(default)s)")
    init.add_argument("--name", help="the root deck's short name, also the tag root (default: from the folder name)")
    init.add_argument("-q", "--quiet", action="store_true", help=argparse.SUPPRESS)
    init.set_defaults(handler=_init)
    return parser
