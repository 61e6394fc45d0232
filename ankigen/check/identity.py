"""Identity lock: what learners' collections already hold must stay recognisable in every release.

releases/identity.json records the note type's schema and every card ID that has shipped. `check`
fails when the schema differs or a shipped ID has vanished; retiring a card is explicit (it stays,
tagged `retired`). `lock` records the current state when a release is cut.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import Location, Report, SourceError, relative_path
from ..files import write_atomically
from ..model import Chapter
from ..profile import Profile

LOCK_PATH = Path("releases") / "identity.json"
RETIRED_TAG = "retired"


def read_lock(path: Path) -> dict | None:
    """The recorded identity, or None before the first release."""
    if not path.exists():
        return None
    shown = f"{path.parent.name}/{path.name}"
    try:
        lock = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        line = getattr(err, "lineno", 1)
        raise SourceError(Location(shown, line), f"the identity lock is damaged ({err}): restore it with `git checkout -- {shown}`") from None
    if not (isinstance(lock, dict) and isinstance(lock.get("notetype"), dict) and isinstance(lock.get("released"), list)):
        raise SourceError(Location(shown, 1), f"the identity lock is not what `lock` writes: restore it with `git checkout -- {shown}`")
    return lock


def check_identity(chapters: list[Chapter], lock_path: Path, profile: Profile, report: Report) -> None:
    lock = read_lock(lock_path)
    if lock is None:
        return
    text = lock_path.read_text(encoding="utf-8")
    shown = relative_path(lock_path, profile.root)
    if lock["notetype"] != profile.notetype_schema():
        report.error(
            Location(shown, _line_of(text, '"notetype"')),
            "the note type differs from the released one (model id, name, fields or template): every learner's "
            "update would fail. Restore the [note_type] table of ankigen.toml, or cut a major release and run "
            "`python build.py lock --allow-notetype-change`",
        )
    present = _card_ids(chapters)
    for card_id in lock["released"]:
        if card_id not in present:
            report.error(
                Location(shown, _line_of(text, f'"{card_id}"')),
                f"card {card_id} was released but no source defines it any more: restore it, or retire it by "
                f"keeping the card with the tag '{RETIRED_TAG}' (see CONTRIBUTING.md)",
            )


def lock_identity(chapters: list[Chapter], lock_path: Path, profile: Profile, *, allow_notetype_change: bool = False) -> list[str]:
    """Records the schema and adds every current card ID; returns the newly recorded IDs."""
    schema = profile.notetype_schema()
    lock = read_lock(lock_path) or {"notetype": schema, "released": []}
    if lock["notetype"] != schema and not allow_notetype_change:
        raise ValueError("the note type changed since the last release")
    current = _card_ids(chapters)
    new = sorted(current - set(lock["released"]))
    lock = {"notetype": schema, "released": sorted(set(lock["released"]) | current)}
    write_atomically(lock_path, _dump(lock))
    return new


def unlocked_ids(chapters: list[Chapter], lock_path: Path) -> list[str]:
    """Card IDs not yet recorded: a release must not ship before `lock` has recorded them."""
    released = set((read_lock(lock_path) or {"released": []})["released"])
    return sorted(_card_ids(chapters) - released)


def _card_ids(chapters: list[Chapter]) -> set[str]:
    return {card.id.text for chapter in chapters for card in chapter.cards}


def _dump(lock: dict) -> str:
    """One ID per line, so a diff shows exactly which IDs a release added."""
    notetype = json.dumps(lock["notetype"], sort_keys=True)
    ids = ",\n".join(f'  "{card_id}"' for card_id in lock["released"])
    released = f"[\n{ids}\n ]" if ids else "[]"
    return f'{{\n "notetype": {notetype},\n "released": {released}\n}}\n'


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else 1
