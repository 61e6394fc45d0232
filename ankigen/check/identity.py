"""Identity lock: what learners' collections already hold must stay recognisable in every release,
and each card says which release last changed it.

releases/identity.json records the note type's schema, the last locked release, and for every card
ID that has shipped the release that last changed it and a fingerprint of its content. `check`
fails when the schema differs or a shipped ID has vanished; retiring a card is explicit (it stays,
tagged `retired`). `lock` records the current state when a release is cut. A build tags each card
with the release that last changed it: the locked one while its content matches the lock, else the
version being built. That record is committed, so a shallow clone or a source archive tags alike.
A card's content is what a learner sees of it: its text and tags, and the media and code outputs it
shows (a recomputed figure changes the note as much as an edited answer does).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Location, Report, SourceError, relative_path
from ..files import write_atomically
from ..model import Card, Chapter
from ..profile import Profile
from ..wording import listed, plural

RETIRED_TAG = "retired"


@dataclass
class IdentityLock:
    notetype: dict
    release: str | None = None  # the version `lock` last recorded; None before the first release
    cards: dict[str, tuple[str, str]] = field(default_factory=dict)  # ID -> (release that last changed it, content fingerprint)


class LockRefused(ValueError):
    """`lock` would record something learners' collections cannot follow."""


def content_fingerprint(card: Card, shown: Sequence[str] = ()) -> str:
    """A hash of the card's question, answer and tags, and of what else it shows (media names, which
    hash the files' bytes, and code outputs); without `shown`, of its text and tags alone."""
    parts = [card.question.strip(), card.answer.strip(), " ".join(sorted(set(card.tags))), *shown]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]  # \x1f: no card holds it


def read_lock(path: Path) -> IdentityLock | None:
    """The recorded identity, or None when no lock has been written."""
    if not path.exists():
        return None
    shown = f"{path.parent.name}/{path.name}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        line = getattr(err, "lineno", 1)
        raise SourceError(Location(shown, line), f"the identity lock is damaged ({err}): restore it with `git checkout -- {shown}`") from None
    if _is_first_lock(data):  # ankigen before 0.1.0 recorded IDs only: `lock` rewrites it, keeping every ID
        return IdentityLock(data["notetype"], None, {card_id: ("", "") for card_id in data["released"]})
    if not _is_lock(data):
        raise SourceError(Location(shown, 1), f"the identity lock is not what `lock` writes: restore it with `git checkout -- {shown}`")
    return IdentityLock(data["notetype"], data["release"], {card_id: tuple(entry) for card_id, entry in data["cards"].items()})


def _is_lock(data: object) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("notetype"), dict)
        and "release" in data
        and isinstance(data["release"], str | None)
        and isinstance(data.get("cards"), dict)
        and all(isinstance(e, list) and len(e) == 2 and all(isinstance(s, str) for s in e) for e in data["cards"].values())
    )


def _is_first_lock(data: object) -> bool:
    return (
        isinstance(data, dict)
        and set(data) == {"notetype", "released"}
        and isinstance(data["notetype"], dict)
        and isinstance(data["released"], list)
        and all(isinstance(card_id, str) for card_id in data["released"])
    )


def check_identity(chapters: list[Chapter], lock: IdentityLock | None, lock_path: Path, profile: Profile, report: Report) -> None:
    if lock is None:
        return
    text = lock_path.read_text(encoding="utf-8")
    shown = relative_path(lock_path, profile.root)
    if lock.notetype != profile.notetype_schema():
        report.error(
            Location(shown, _line_of(text, '"notetype"')),
            "the note type differs from the released one (model id, name, fields or template): every learner's "
            "update would fail. Restore the [note_type] table of ankigen.toml, or cut a major release and run "
            "`python build.py lock --allow-notetype-change`",
        )
    if lock.release is not None and version_key(profile.version) < version_key(lock.release):
        report.error(
            Location(shown, _line_of(text, '"release"')),
            f"the decks' version {profile.version} (ankigen.toml) is older than the released {lock.release}: "
            "learners' Anki would keep the newer cards. Set a version after it in ankigen.toml",
        )
    present = _card_ids(chapters)
    for card_id in lock.cards:
        if card_id not in present:
            report.error(
                Location(shown, _line_of(text, f'"{card_id}"')),
                f"card {card_id} was released but no source defines it any more: restore it, or retire it by "
                f"keeping the card with the tag '{RETIRED_TAG}' (see CONTRIBUTING.md)",
            )


def assign_releases(chapters: list[Chapter], lock: IdentityLock | None, version: str, shown: Mapping[str, Sequence[str]]) -> None:
    """Sets each card's release: the locked one while its content is unchanged, else the version being built."""
    for card in (card for chapter in chapters for card in chapter.cards):
        card.release = _locked_release(card, lock, shown) or version


def unlocked_cards(chapters: list[Chapter], lock: IdentityLock | None, shown: Mapping[str, Sequence[str]]) -> list[str]:
    """IDs of the cards the lock does not record as they are now (new, or changed since)."""
    return sorted(card.id.text for chapter in chapters for card in chapter.cards if _locked_release(card, lock, shown) is None)


def _locked_release(card: Card, lock: IdentityLock | None, shown: Mapping[str, Sequence[str]]) -> str | None:
    """The release the lock records for the card, if the card is still as recorded."""
    locked = lock.cards.get(card.id.text) if lock else None
    if locked and locked[1] == content_fingerprint(card, shown[card.id.text]):
        return locked[0] or None  # a lock from before release tags records no release
    return None


def lock_identity(
    chapters: list[Chapter],
    lock_path: Path,
    profile: Profile,
    shown: Mapping[str, Sequence[str]],
    *,
    allow_notetype_change: bool = False,
    amend: bool = False,
) -> list[str]:
    """Records the schema, the release and every card as it is now; returns the IDs new or changed since the lock."""
    schema, version = profile.notetype_schema(), profile.version
    lock = read_lock(lock_path) or IdentityLock(schema)
    if lock.notetype != schema and not allow_notetype_change:
        raise LockRefused("the note type changed since the last release: pass --allow-notetype-change only for a major release (learners must re-import)")
    if lock.release is not None and version_key(version) < version_key(lock.release):
        raise LockRefused(f"the decks' version {version} is older than the locked release {lock.release}: set a newer version in ankigen.toml")
    changed = unlocked_cards(chapters, lock, shown)
    if changed and version == lock.release and not amend:
        raise LockRefused(
            f"release {version} is locked already, and {plural(len(changed), 'card')} changed since ({listed(changed)}): "
            f"set a newer version in ankigen.toml, or pass --amend if {version} has not been published"
        )
    assign_releases(chapters, lock, version, shown)
    cards = dict(lock.cards)  # a released card missing from the sources stays: `check` reports it
    cards.update({card.id.text: (card.release, content_fingerprint(card, shown[card.id.text])) for chapter in chapters for card in chapter.cards})
    write_atomically(lock_path, _dump(IdentityLock(schema, version, cards)))
    return changed


def version_key(version: str) -> tuple[int, ...]:
    """MAJOR.MINOR.PATCH as numbers, so that 0.10.0 comes after 0.9.0."""
    return tuple(int(part) for part in re.findall(r"\d+", version))


def _card_ids(chapters: list[Chapter]) -> set[str]:
    return {card.id.text for chapter in chapters for card in chapter.cards}


def _dump(lock: IdentityLock) -> str:
    """One card per line, so a diff shows exactly which cards a release added or changed."""
    notetype = json.dumps(lock.notetype, sort_keys=True)
    rows = ",\n".join(f"  {json.dumps(card_id)}: {json.dumps(list(lock.cards[card_id]))}" for card_id in sorted(lock.cards))
    cards = f"{{\n{rows}\n }}" if rows else "{}"
    return f'{{\n "notetype": {notetype},\n "release": {json.dumps(lock.release)},\n "cards": {cards}\n}}\n'


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1
