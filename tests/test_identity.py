"""The identity lock and release notes: shipped cards never vanish silently, and each release says what changed."""

import hashlib
import json
import re
import subprocess

from ankigen.cli import main
from conftest import PROJECT_ROOT, chapter_text, set_version

CARDS = "## First? {#c05-q01}\n\nOne.\n\n## Second? {#c05-q02}\n\nTwo.\n"


def problems(err):
    return [line for line in err.splitlines() if line.startswith(("source/", "releases/"))]


def lock_file(root):
    return json.loads((root / "releases/identity.json").read_text())


def test_lock_records_the_release_and_every_card_then_check_passes(make_project, capsys):
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    assert main(["lock", "--check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "releases/identity.json:1: the lock records release none, not 0.1.0 (ankigen.toml)" in err
    assert "releases/identity.json:1: 2 cards new or changed since the lock: c05-q01, c05-q02" in err
    assert main(["lock", "--root", str(root)]) == 0
    assert "Recorded release 0.1.0 in releases/identity.json: 2 cards new or changed" in capsys.readouterr().out
    lock = lock_file(root)
    assert lock["release"] == "0.1.0"
    assert sorted(lock["cards"]) == ["c05-q01", "c05-q02"]
    assert {release for release, _ in lock["cards"].values()} == {"0.1.0"}
    assert len({content for _, content in lock["cards"].values()}) == 2  # each card's own fingerprint
    assert lock["notetype"]["fields"] == [["ID", 1843409111], ["Question", 1843409112], ["Answer", 1843409113], ["Source", 1843409114]]
    assert main(["lock", "--check", "--root", str(root)]) == 0
    assert main(["check", "--root", str(root)]) == 0


def test_an_edit_after_the_lock_needs_a_newer_version_or_amend(make_project, capsys):
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    main(["lock", "--root", str(root)])
    (root / "source/05_x.md").write_text(chapter_text(CARDS.replace("Two.", "Two, reworded.")))
    assert main(["check", "--root", str(root)]) == 0  # only a release needs the lock to be current
    capsys.readouterr()
    assert main(["lock", "--check", "--root", str(root)]) == 1
    assert "1 card new or changed since the lock: c05-q02: set a newer version in ankigen.toml, then run" in capsys.readouterr().err
    # Locking again under 0.1.0 would rewrite what 0.1.0 shipped, so the next release could not tag c05-q02.
    assert main(["lock", "--root", str(root)]) == 1
    assert "error: release 0.1.0 is locked already, and 1 card changed since (c05-q02): set a newer version" in capsys.readouterr().err
    assert main(["lock", "--amend", "--root", str(root)]) == 0  # a fix before 0.1.0 is published
    assert main(["lock", "--check", "--root", str(root)]) == 0


def test_a_changed_figure_changes_the_card_though_its_text_did_not(make_project, capsys):
    from conftest import FIXTURES

    image = (FIXTURES / "good/media/dot.png").read_bytes()
    root = make_project({"source/05_x.md": chapter_text(CARDS + "\n## Pictured? {#c05-q03}\n\n![a dot](../media/dot.png)\n"), "media/dot.png": image})
    main(["lock", "--root", str(root)])
    (root / "media/dot.png").write_bytes(image + b"\0")  # the same name, other bytes: a new media name in Anki
    capsys.readouterr()
    assert main(["lock", "--check", "--root", str(root)]) == 1
    assert "1 card new or changed since the lock: c05-q03" in capsys.readouterr().err


def test_locking_a_newer_version_moves_only_changed_and_new_cards_to_it(make_project, capsys):
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    main(["lock", "--root", str(root)])
    first = lock_file(root)["cards"]
    set_version(root, "0.2.0")
    (root / "source/05_x.md").write_text(chapter_text(CARDS.replace("Two.", "Two, better.") + "\n## Third? {#c05-q03}\n\nThree.\n"))
    assert main(["lock", "--root", str(root)]) == 0
    assert "Recorded release 0.2.0 in releases/identity.json: 2 cards new or changed" in capsys.readouterr().out
    lock = lock_file(root)
    assert lock["release"] == "0.2.0"
    assert lock["cards"]["c05-q01"] == first["c05-q01"]
    assert lock["cards"]["c05-q02"][0] == lock["cards"]["c05-q03"][0] == "0.2.0"
    assert lock["cards"]["c05-q02"][1] != first["c05-q02"][1]


def test_a_version_older_than_the_locked_release_is_refused(make_project, capsys):
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    set_version(root, "0.10.0")
    main(["lock", "--root", str(root)])
    set_version(root, "0.9.0")  # numerically older, though "0.9.0" > "0.10.0" as text
    capsys.readouterr()
    assert main(["lock", "--root", str(root)]) == 1
    assert "error: the decks' version 0.9.0 is older than the locked release 0.10.0" in capsys.readouterr().err
    assert main(["check", "--root", str(root)]) == 1
    [message] = problems(capsys.readouterr().err)
    assert message.startswith("releases/identity.json:3: the decks' version 0.9.0 (ankigen.toml) is older than the released 0.10.0")


def test_a_released_card_that_vanishes_fails_check_at_its_lock_line(make_project, capsys):
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    main(["lock", "--root", str(root)])
    (root / "source/05_x.md").write_text(chapter_text("## First? {#c05-q01}\n\nOne.\n"))
    assert main(["check", "--root", str(root)]) == 1
    assert problems(capsys.readouterr().err) == [
        "releases/identity.json:6: card c05-q02 was released but no source defines it any more: restore it, "
        "or retire it by keeping the card with the tag 'retired' (see CONTRIBUTING.md)"
    ]
    assert main(["lock", "--root", str(root)]) == 0  # locking again does not forget it
    assert "c05-q02" in lock_file(root)["cards"]


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
    assert main(["lock", "-q", "--root", str(root)]) == 0
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first release")
    git(root, "tag", "v0.1.0")
    set_version(root, "0.2.0")
    (root / "source/05_x.md").write_text(
        chapter_text(
            "## First? {#c05-q01}\n\nOne, better.\n\n## Second? {#c05-q02}\n\nTwo.\n\n"
            "## Third? {#c05-q03 tags=retired}\n\nThree.\n\n## Fourth? {#c05-q04}\n\nFour.\n"
        )
    )
    capsys.readouterr()
    assert main(["release-notes", "-q", "--since", "v0.1.0", "--root", str(root)]) == 0
    notes = capsys.readouterr().out
    assert notes.startswith("# fastbook decks 0.2.0\n")
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


def test_the_first_release_notes_need_no_earlier_tag_and_say_how_to_update(make_project, capsys):
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    assert main(["release-notes", "-q", "--root", str(root)]) == 0
    notes = capsys.readouterr().out
    assert "Cards (first release): 2 added, 0 changed, 0 retired." in notes
    assert "## Added\n\n- `c05-q01` First?\n- `c05-q02` Second?\n" in notes  # a short list is not folded
    assert "## Updating without losing your progress" in notes
    assert "search `tag:fastbook::updated::v0.1.0`" in notes
    assert "## Checksums" not in notes


def test_release_notes_and_the_readme_give_the_same_import_options():
    from ankigen.profile import load_profile
    from ankigen.reports.release_notes import update_instructions

    readme = (PROJECT_ROOT / "README.md").read_text()
    options = re.findall(r"\*\*([^*]+)\*\*", "\n".join(update_instructions(load_profile(PROJECT_ROOT))))
    assert {"Update notes: If newer", "Update note types: If newer", "Merge note types", "Import any learning progress"} <= set(options)
    for option in options:
        assert f"**{option}**" in readme
    assert "tag:fastbook::updated::v" in readme and "`tag:retired`" in readme


def test_release_notes_checksums_are_those_of_the_decks_built_from_these_sources(make_project, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1750000000")
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    assert main(["release-notes", "-q", "--checksums", "--root", str(root)]) == 1
    assert "dist/ does not hold the decks of these sources: run `python build.py` first" in capsys.readouterr().err
    assert main(["-q", "--root", str(root)]) == 0
    assert main(["release-notes", "-q", "--checksums", "--root", str(root)]) == 0
    notes = capsys.readouterr().out
    decks = sorted((root / "dist").glob("*.apkg"))
    assert len(decks) == 2
    for deck in decks:
        assert f"{hashlib.sha256(deck.read_bytes()).hexdigest()}  {deck.name}\n" in notes
    (root / "source/05_x.md").write_text(chapter_text(CARDS.replace("Two.", "Two, edited.")))
    assert main(["release-notes", "-q", "--checksums", "--root", str(root)]) == 1  # dist/ is now stale


def test_a_long_list_of_cards_is_folded_under_a_count(make_project, capsys):
    cards = "".join(f"## Question {n}? {{#c05-x{n:02d}}}\n\nAnswer {n}.\n\n" for n in range(1, 32))
    root = make_project({"source/05_x.md": chapter_text(cards)})
    assert main(["release-notes", "-q", "--root", str(root)]) == 0
    notes = capsys.readouterr().out
    assert "## Added\n\n<details><summary>31 cards</summary>\n\n- `c05-x01` Question 1?\n" in notes
    assert "- `c05-x31` Question 31?\n\n</details>\n" in notes


def test_a_lock_written_before_release_tags_is_read_and_rewritten_keeping_every_id(make_project, capsys):
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    main(["lock", "--root", str(root)])
    notetype = lock_file(root)["notetype"]
    lock_path = root / "releases/identity.json"
    lock_path.write_text(json.dumps({"notetype": notetype, "released": ["c05-q01", "c05-q02", "c05-q09"]}))
    assert main(["check", "--root", str(root)]) == 1  # c05-q09 was released and is gone: still caught
    assert "card c05-q09 was released but no source defines it any more" in capsys.readouterr().err
    assert main(["lock", "--root", str(root)]) == 0
    assert sorted(lock_file(root)["cards"]) == ["c05-q01", "c05-q02", "c05-q09"]
    assert lock_file(root)["release"] == "0.1.0"


def test_a_lock_without_its_release_is_a_clear_error(make_project, capsys):
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    main(["lock", "--root", str(root)])
    lock = lock_file(root)
    del lock["release"]
    (root / "releases/identity.json").write_text(json.dumps(lock))
    capsys.readouterr()
    assert main(["check", "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "releases/identity.json:1: the identity lock is not what `lock` writes" in err
    assert "Traceback" not in err


def test_a_new_lock_rebuilds_the_decks_as_their_tags_may_change(make_project, capsys, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1750000000")
    root = make_project({"source/05_x.md": chapter_text(CARDS)})
    main(["lock", "--root", str(root)])
    set_version(root, "0.2.0")
    assert main(["--root", str(root)]) == 0  # unchanged cards: tagged 0.1.0, from the lock
    assert main(["--root", str(root)]) == 0
    assert "Nothing changed since the last build" in capsys.readouterr().out
    (root / "releases/identity.json").unlink()  # no lock: every card is new in 0.2.0
    assert main(["--root", str(root)]) == 0
    assert "Nothing changed since the last build" not in capsys.readouterr().out
