"""Release notes: which cards a release adds, changes and retires, compared with an earlier git ref.

The earlier sources are read from git itself (`git archive`), with the same reader as the build.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..check.identity import RETIRED_TAG, content_fingerprint
from ..errors import BuildError, Report
from ..model import Card, Chapter
from ..profile import Profile
from ..read import read_sources


FOLDED_OVER = 30  # cards in one section of the notes, over which the list is folded


@dataclass
class CardChanges:
    added: list[Card] = field(default_factory=list)
    changed: list[Card] = field(default_factory=list)
    retired: list[Card] = field(default_factory=list)


def compare_cards(before: list[Chapter], after: list[Chapter]) -> CardChanges:
    """The cards added, retired and changed (in text or tags) between two versions of the sources."""
    old = _by_id(before)
    differ = [card for card in _cards(after) if card.id.text not in old or content_fingerprint(card) != content_fingerprint(old[card.id.text])]
    return _sort_changes(old, differ)


def release_changes(before: list[Chapter], after: list[Chapter], version: str) -> CardChanges:
    """What a release added, changed and retired: exactly the cards its tag marks (their release is this
    version), so that the notes list what learners find in Anki; `before` tells added from changed."""
    return _sort_changes(_by_id(before), [card for card in _cards(after) if card.release == version])


def _sort_changes(old: dict[str, Card], cards: list[Card]) -> CardChanges:
    """Each card as added (not in `old`), retired (newly tagged so) or changed."""
    changes = CardChanges()
    for card in cards:
        previous = old.get(card.id.text)
        if previous is None:
            changes.added.append(card)
        elif RETIRED_TAG in card.tags and RETIRED_TAG not in previous.tags:
            changes.retired.append(card)
        else:
            changes.changed.append(card)
    return changes


def _cards(chapters: list[Chapter]) -> list[Card]:
    return [card for chapter in chapters for card in chapter.cards]


def _by_id(chapters: list[Chapter]) -> dict[str, Card]:
    return {card.id.text: card for card in _cards(chapters)}


def read_sources_at(profile: Profile, ref: str, source_folder: str = "source") -> list[Chapter]:
    """The chapters as they were at a git ref (a tag, usually), read with today's profile."""
    root = profile.root
    result = subprocess.run(["git", "archive", ref, source_folder], cwd=root, capture_output=True, check=False)
    if result.returncode != 0:
        raise BuildError(f"cannot read {source_folder}/ at {ref!r}: {result.stderr.decode().strip()}")
    with tempfile.TemporaryDirectory() as scratch, tarfile.open(fileobj=io.BytesIO(result.stdout)) as archive:
        archive.extractall(scratch, filter="data")
        return read_sources(Path(scratch) / source_folder, profile, Report())


def format_release_notes(profile: Profile, since: str | None, changes: CardChanges, checksums: dict[str, str] | None = None) -> str:
    """The notes for learners: what changed, how to update without losing progress, and the checksums."""
    since_text = f"since {since}" if since else "(first release)"
    lines = [f"# {profile.deck_name} decks {profile.version}", "", f"Cards {since_text}: {len(changes.added)} added, "
             f"{len(changes.changed)} changed, {len(changes.retired)} retired."]
    sections = (
        ("Added", changes.added),
        ("Changed", changes.changed),
        ("Retired (kept in your collection, tagged `retired`; suspend or delete them)", changes.retired),
    )
    for title, cards in sections:
        if cards:
            items = [f"- `{card.id}` {card.question}" for card in cards]
            if len(cards) > FOLDED_OVER:  # a first release lists hundreds: fold them under a line that counts them
                items = [f"<details><summary>{len(cards)} cards</summary>", "", *items, "", "</details>"]
            lines += ["", f"## {title}", "", *items]
    lines += ["", *update_instructions(profile)]
    if checksums:
        lines += ["", "## Checksums (SHA-256)", "", "```", *(f"{sha}  {name}" for name, sha in checksums.items()), "```"]
    return "\n".join(lines) + "\n"


def update_instructions(profile: Profile) -> list[str]:
    """How to import a release over an earlier one and keep every review; the README says the same."""
    tag = profile.release_tag(profile.version)
    return [
        "## Updating without losing your progress",
        "",
        "Import the new `.apkg` over the old one (**File → Import…** on a computer; open the file with "
        "AnkiDroid or AnkiMobile on a phone) and keep the importer's default options:",
        "",
        "- **Update notes: If newer** and **Update note types: If newer**: changed cards get their new text and new cards appear.",
        "- **Merge note types** off and **Import any learning progress** off: your review history stays as it is.",
        "",
        f"To see what this release changed, open **Browse** and search `tag:{tag}`. Retired cards stay in your "
        f"collection with a notice on the card: search `tag:{RETIRED_TAG}` to suspend or delete them. Anki replaces "
        "an updated note's tags with the release's, so tags you added to these cards yourself are not kept.",
    ]
