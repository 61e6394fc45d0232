"""A book's profile: `ankigen.toml` at the project root, read into one frozen, validated object.

Everything that is specific to one book lives there: deck and note-type names and their frozen
ids, the GUID namespace, media prefix, package names, the source-link template, the card-ID
grammar, the item counts, and where the book's CSS and figure recipes are. The engine asks the
profile and never spells a book's name itself. As MkDocs does with `mkdocs.yml`, every problem is
reported at once, each at its line.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .errors import Location, Problem, ProfileError

PROFILE_NAME = "ankigen.toml"
# The note type's fields and their order are the engine's: templates and packaging use them by name.
FIELD_NAMES = ("ID", "Question", "Answer", "Source")
ID_GROUPS = ("chapter", "kind", "number", "part")
# Anki ids are signed 64-bit; genanki's own advice is a random number in this range.
ID_RANGE = (1 << 30, 1 << 62)
# Characters that would change a name's meaning in Anki: '::' nests decks, spaces split tags.
_NAME_RE = re.compile(r"^[\w.+-]+$", re.ASCII)


@dataclass(frozen=True)
class ItemKind:
    """One kind of card ID, e.g. 'q' for questionnaire items; counted kinds have numbered items per chapter."""

    letter: str
    label: str  # 'questionnaire item'
    tag: str | None  # a tag every card of this kind carries, if any
    counts: tuple[int, ...] | None  # items per chapter (chapter 1 first); None: free numbering

    def count(self, chapter: int) -> int:
        if self.counts is None or not 1 <= chapter <= len(self.counts):
            return 0
        return self.counts[chapter - 1]


@dataclass(frozen=True)
class Profile:
    path: Path  # the ankigen.toml it was read from
    book_title: str
    version: str  # the decks' version, shown in every deck description
    deck_name: str  # the root deck; also the root of every tag and the media prefix's default
    deck_id: int  # chapter N's deck is deck_id + N
    guid_namespace: str
    media_prefix: str
    package_name: str  # the package of every chapter
    chapter_package: str  # a format with {slug}, {number}
    note_type_name: str
    note_type_id: int
    template_name: str
    template_id: int
    field_ids: tuple[int, ...]  # in FIELD_NAMES order
    link: str | None  # source-link template over front-matter keys, e.g. 'https://…/{notebook}'
    link_text: str | None
    id_pattern: re.Pattern
    id_format: str  # how an ID is written, e.g. 'c{chapter:02d}-{kind}{number:02d}'
    id_help: str  # the ID forms, for messages
    kinds: tuple[ItemKind, ...]
    last_chapter: int
    css: Path
    recipes: Path | None

    @property
    def root(self) -> Path:
        return self.path.parent

    def kind(self, letter: str) -> ItemKind | None:
        return next((kind for kind in self.kinds if kind.letter == letter), None)

    @property
    def front_matter_keys(self) -> tuple[str, ...]:
        """chapter, title, and every key the source link names."""
        used = [name for text in (self.link, self.link_text) if text for _, name, _, _ in string.Formatter().parse(text) if name]
        return ("chapter", "title", *dict.fromkeys(used))

    def example_id(self, chapter: int, kind: str | None = None) -> str:
        letter = kind or self.kinds[0].letter
        return self.id_format.format(chapter=chapter, kind=letter, number=1)

    def notetype_schema(self) -> dict:
        """What Anki matches a learner's notes by: changing any of it breaks their updates."""
        return {
            "id": self.note_type_id,
            "name": self.note_type_name,
            "fields": [[name, field_id] for name, field_id in zip(FIELD_NAMES, self.field_ids)],
            "templates": [[self.template_name, self.template_id]],
        }

    def chapter_tag(self, number: int) -> str:
        return f"{self.deck_name}::ch{number:02d}"

    def release_tag(self, version: str) -> str:
        """The tag of the cards a release added or changed: learners browse it to see what is new."""
        return f"{self.deck_name}::updated::v{version}"


def load_profile(root: Path) -> Profile:
    """Reads root/ankigen.toml; every problem in it is reported at its line in one ProfileError."""
    path = root / PROFILE_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProfileError(
            [Problem(Location(PROFILE_NAME, 1), f"no {PROFILE_NAME} in {root}: run from the project root, pass --root, or start a project with `ankigen init DIR`")]
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ProfileError([Problem(Location(PROFILE_NAME, 1), f"cannot read the profile: {err}")]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        line = int(m[1]) if (m := re.search(r"line (\d+)", str(err))) else 1
        raise ProfileError([Problem(Location(PROFILE_NAME, line), f"not valid TOML: {err}")]) from None
    return _Validator(path, text, data).profile()


class _Validator:
    """Reads each setting with its type, collecting every problem with the line it is on."""

    def __init__(self, path: Path, text: str, data: dict):
        self.path, self.lines, self.data = path, text.splitlines(), data
        self.problems: list[Problem] = []

    def profile(self) -> Profile:
        book, deck, note, cards = (self._table(name) for name in ("book", "deck", "note_type", "cards"))
        source = self._table("source") if "source" in self.data else {}  # optional: no source link
        deck_name = self._name(deck, "deck", "name")
        values = dict(
            path=self.path,
            book_title=self._text(book, "book", "title"),
            version=self._version(book),
            deck_name=deck_name,
            deck_id=self._id(deck, "deck", "id"),
            guid_namespace=self._text(deck, "deck", "guid_namespace"),
            media_prefix=self._name(deck, "deck", "media_prefix", default=deck_name),
            package_name=self._file_name(deck, "package", None),
            chapter_package=self._file_name(deck, "chapter_package", "slug"),
            note_type_name=self._text(note, "note_type", "name"),
            note_type_id=self._id(note, "note_type", "id"),
            template_name=self._text(note, "note_type", "template_name"),
            template_id=self._id(note, "note_type", "template_id"),
            field_ids=self._field_ids(note),
            link=self._optional_text(source, "source", "link"),
            link_text=self._optional_text(source, "source", "link_text"),
            id_pattern=self._id_pattern(cards),
            id_format=self._text(cards, "cards", "id_format"),
            id_help=self._text(cards, "cards", "id_help"),
            kinds=self._kinds(cards),
            last_chapter=self._int(cards, "cards", "last_chapter", 1, 999),
            css=self._path(deck, "deck", "css", required=True),
            recipes=self._path(deck, "deck", "recipes", required=False),
        )
        self._check_unknown_keys()
        if self.problems:
            raise ProfileError(self.problems)
        return Profile(**values)

    # -- where -----------------------------------------------------------------------------

    def _line(self, table: str, key: str | None = None) -> int:
        """The line of [table] (or of key inside it); 1 if it is not written."""
        header = re.compile(rf"^\s*\[\s*{re.escape(table)}(\s*\]|\.)")
        start = next((i for i, line in enumerate(self.lines) if header.match(line)), None)
        if start is None:
            return 1
        if key is None:
            return start + 1
        key_re = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for index in range(start + 1, len(self.lines)):
            if self.lines[index].lstrip().startswith("["):
                break
            if key_re.match(self.lines[index]):
                return index + 1
        return start + 1

    def _error(self, table: str, key: str | None, message: str) -> None:
        self.problems.append(Problem(Location(PROFILE_NAME, self._line(table, key)), message))

    # -- typed readers ---------------------------------------------------------------------

    def _table(self, name: str) -> dict:
        value = self.data.get(name)
        if not isinstance(value, dict):
            self._error(name, None, f"missing table [{name}]: see the README's profile reference")
            return {}
        return value

    def _get(self, table: dict, section: str, key: str, kind: type, required: bool = True):
        if key not in table:
            if required and table:
                self._error(section, None, f"[{section}] needs '{key}'")
            return None
        value = table[key]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            self._error(section, key, f"'{key}' must be a {kind.__name__}, not {type(value).__name__}")
            return None
        return value

    def _text(self, table: dict, section: str, key: str) -> str:
        value = self._get(table, section, key, str)
        if value is not None and not value.strip():
            self._error(section, key, f"'{key}' must not be empty")
        if value is not None and any(ch < " " or ch in "<>" for ch in value):
            self._error(section, key, f"'{key}' must be plain text: no control characters, '<' or '>'")
        return value or ""

    def _optional_text(self, table: dict, section: str, key: str) -> str | None:
        return self._text(table, section, key) if key in table else None

    def _name(self, table: dict, section: str, key: str, default: str | None = None) -> str:
        if key not in table and default is not None:
            return default
        value = self._get(table, section, key, str)
        if value is not None and not _NAME_RE.match(value):
            self._error(section, key, f"'{key}' must be letters, digits, '.', '+', '-' or '_' only (it names decks, tags and files)")
        return value or ""

    def _version(self, book: dict) -> str:
        value = self._get(book, "book", "version", str)
        if value is not None and not re.fullmatch(r"\d+\.\d+\.\d+", value):
            self._error("book", "version", f"version must be MAJOR.MINOR.PATCH, e.g. 1.2.0, not {value!r}")
        return value or ""

    def _int(self, table: dict, section: str, key: str, low: int, high: int) -> int:
        value = self._get(table, section, key, int)
        if value is not None and not low <= value <= high:
            self._error(section, key, f"'{key}' must be between {low} and {high}, not {value}")
        return value or 0

    def _id(self, table: dict, section: str, key: str) -> int:
        return self._int(table, section, key, *ID_RANGE)

    def _file_name(self, deck: dict, key: str, placeholder: str | None) -> str:
        value = self._get(deck, "deck", key, str)
        if value is None:
            return ""
        if not value.endswith(".apkg") or "/" in value or "\\" in value:
            self._error("deck", key, f"'{key}' must be a file name ending in .apkg, not {value!r}")
        if placeholder and "{" + placeholder + "}" not in value:
            self._error("deck", key, f"'{key}' must contain {{{placeholder}}}, so that each chapter gets its own file")
        return value

    def _field_ids(self, note: dict) -> tuple[int, ...]:
        fields = self._get(note, "note_type", "fields", dict)
        if fields is None:
            return ()
        if tuple(fields) != FIELD_NAMES:
            self._error("note_type", "fields", f"fields must be exactly {', '.join(FIELD_NAMES)}, in this order, each with its id")
            return ()
        ids = []
        for name in FIELD_NAMES:
            value = fields[name]
            if not isinstance(value, int) or isinstance(value, bool) or not ID_RANGE[0] <= value <= ID_RANGE[1]:
                self._error("note_type", "fields", f"field {name}'s id must be a whole number from {ID_RANGE[0]} to {ID_RANGE[1]}")
            ids.append(value)
        return tuple(ids)

    def _id_pattern(self, cards: dict) -> re.Pattern | None:
        value = self._get(cards, "cards", "id_pattern", str)
        if value is None:
            return None
        try:
            # ASCII: \d must not accept other scripts' digits in an ID.
            pattern = re.compile(value, re.ASCII)
        except re.error as err:
            self._error("cards", "id_pattern", f"id_pattern is not a valid regular expression: {err}")
            return None
        missing = [group for group in ID_GROUPS if group not in pattern.groupindex]
        if missing:
            self._error("cards", "id_pattern", f"id_pattern needs the named groups {', '.join(ID_GROUPS)} (missing: {', '.join(missing)})")
            return None
        return pattern

    def _kinds(self, cards: dict) -> tuple[ItemKind, ...]:
        kinds = self._get(cards, "cards", "kinds", dict)
        if not kinds:
            if kinds is not None:
                self._error("cards", "kinds", "[cards.kinds] needs at least one kind")
            return ()
        found = []
        for letter, settings in kinds.items():
            section = f"cards.kinds.{letter}"
            if not re.fullmatch(r"[a-z]", letter) or not isinstance(settings, dict):
                self._error(section, None, f"each kind is a table named by one lower-case letter, not {letter!r}")
                continue
            tag = settings.get("tag")
            if tag is not None and not (isinstance(tag, str) and _NAME_RE.match(tag.replace("::", "-"))):
                self._error(section, "tag", "tag must be letters, digits, '-', '_' or '::'")
            counts = self._get(settings, section, "items", list, required=False)
            if counts is not None and not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts):
                self._error(section, "items", "items must list whole numbers, one per chapter, chapter 1 first")
                counts = None
            found.append(ItemKind(letter, self._text(settings, section, "label"), tag, tuple(counts) if counts is not None else None))
        return tuple(found)

    def _path(self, table: dict, section: str, key: str, required: bool) -> Path | None:
        value = self._get(table, section, key, str, required=required)
        if value is None:
            return None
        root = self.path.parent.resolve()
        path = (root / value).resolve()
        if not path.is_relative_to(root):
            self._error(section, key, f"'{key}' must lie inside the project folder, not {value!r}")
        elif not path.exists():
            self._error(section, key, f"'{key}' points at {value!r}, which does not exist")
        return path

    def _check_unknown_keys(self) -> None:
        known = {
            "book": {"title", "version"},
            "deck": {"name", "id", "guid_namespace", "media_prefix", "package", "chapter_package", "css", "recipes"},
            "note_type": {"name", "id", "template_name", "template_id", "fields"},
            "source": {"link", "link_text"},
            "cards": {"id_pattern", "id_format", "id_help", "kinds", "last_chapter"},
        }
        for section, value in self.data.items():
            if section not in known:
                self._error(section, None, f"unknown table [{section}]: expected one of {', '.join(known)}")
                continue
            for key in value if isinstance(value, dict) else ():
                if key not in known[section]:
                    self._error(section, key, f"unknown setting '{key}' in [{section}]: expected one of {', '.join(sorted(known[section]))}")
