"""Where a problem is and what it is: the types every stage uses to report bad input."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, order=True)
class Location:
    """A line in a source file; the path is relative to the project root so messages stay stable."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class SourceError(Exception):
    """A problem in the input that the contributor must fix, printed as `path:line: message`."""

    def __init__(self, location: Location, message: str):
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


@dataclass(frozen=True, order=True)
class Problem:
    location: Location
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        prefix = "" if self.severity == "error" else f"{self.severity}: "
        return f"{self.location}: {prefix}{self.message}"


@dataclass
class Report:
    """Collects every problem of a run, so one `check` shows them all instead of the first."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, location: Location, message: str) -> None:
        self.problems.append(Problem(location, message, "error"))

    def warn(self, location: Location, message: str) -> None:
        self.problems.append(Problem(location, message, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def sorted(self) -> list[Problem]:
        return sorted(self.problems)


def relative_path(path: Path, root: Path) -> str:
    """The path as shown in messages: relative to the project root when it lies inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class BuildError(Exception):
    """A problem with the build as a whole, not with one source line (e.g. a bad SOURCE_DATE_EPOCH)."""


class ProfileError(Exception):
    """Every problem found in a project's profile (ankigen.toml), each at its line."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems
