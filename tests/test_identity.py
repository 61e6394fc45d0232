"""The identity lock and release notes: shipped cards never vanish silently, and each release says what changed."""

import json
import subprocess

from ankigen.cli import main
from conftest import chapter_text

CARDS = "## First? {#c05-q01}\n\nOne.\n\n## Second? {#c05-q02}\n\nTwo.\n"


def problems(err):
    return [line for line in err.splitlines() if line.startswith(("source/", "releases/"))]


def test_lock_records_ids_and_the_note_type_then_check_passes(make_project, capsys):
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    assert main(["lock", "--check", "--root", str(root)]) == 1
    assert "2 card IDs not recorded as released: c05-q01, c05-q02" in capsys.readouterr().err
    assert main(["lock", "--root", str(root)]) == 0
    assert "Recorded 2 new card IDs" in capsys.readouterr().out
    lock = json.loads((root / "releases/identity.json").read_text())
    assert lock["released"] == ["c05-q01", "c05-q02"]
    assert lock["notetype"]["fields"] == [["ID", 1843409111], ["Question", 1843409112], ["Answer", 1843409113], ["Source", 1843409114]]
    assert main(["lock", "--check", "--root", str(root)]) == 0
    assert main(["check", "--root", str(root)]) == 0


def test_a_released_card_that_vanishes_fails_check_at_its_lock_line(make_project, capsys):
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    main(["lock", "--root", str(root)])
    (root / "source/05_x.md").write_text(chapter_text("## First? {#c05-q01}\n\nOne.\n"))
    assert main(["check", "--root", str(root)]) == 1
    assert problems(capsys.readouterr().err) == [
        "releases/identity.json:5: card c05-q02 was released but no source defines it any more: restore it, "
        "or retire it by keeping the card with the tag 'retired' (see CONTRIBUTING.md)"
    ]


def test_a_changed_note_type_fails_check(make_project, capsys):
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    main(["lock", "--root", str(root)])
    lock_file = root / "releases/identity.json"
    lock_file.write_text(lock_file.read_text().replace('"Answer"', '"Back"'))  # as if a field had been renamed since
    assert main(["check", "--root", str(root)]) == 1
    [message] = problems(capsys.readouterr().err)
    assert message.startswith("releases/identity.json:2: the note type differs from the released one")
    assert main(["lock", "--root", str(root)]) == 1
    assert "--allow-notetype-change" in capsys.readouterr().err
    assert main(["lock", "--allow-notetype-change", "--root", str(root)]) == 0


def git(root, *args):
    env = {"GIT_AUTHOR_DATE": "@1750000000 +0000", "GIT_COMMITTER_DATE": "@1750000000 +0000", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=root, check=True, env=env, capture_output=True)


def test_release_notes_list_cards_added_changed_and_retired_since_a_tag(make_project, capsys):
    root = make_project({"source/05_x.md": chapter_text(CARDS + "\n## Third? {#c05-q03}\n\nThree.\n")})
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first release")
    git(root, "tag", "v0.1.0")
    (root / "source/05_x.md").write_text(
        chapter_text(
            "## First? {#c05-q01}\n\nOne, better.\n\n## Second? {#c05-q02}\n\nTwo.\n\n"
            "## Third? {#c05-q03 tags=retired}\n\nThree.\n\n## Fourth? {#c05-q04}\n\nFour.\n"
        )
    )
    assert main(["release-notes", "-q", "--since", "v0.1.0", "--root", str(root)]) == 0
    notes = capsys.readouterr().out
    assert "Cards since v0.1.0: 1 added, 1 changed, 1 retired." in notes
    assert "## Added\n\n- `c05-q04` Fourth?\n" in notes
    assert "## Changed\n\n- `c05-q01` First?\n" in notes
    assert "- `c05-q03` Third?" in notes.split("## Retired")[1]
    assert "c05-q02" not in notes


def test_release_notes_for_an_unknown_tag_say_so(make_project, capsys):
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    git(root, "init", "-q")
    assert main(["release-notes", "-q", "--since", "v9", "--root", str(root)]) == 1
    assert capsys.readouterr().err.startswith("error: cannot read source/ at 'v9'")
