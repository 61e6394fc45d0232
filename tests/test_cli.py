import os
import shutil

import pytest

import ankigen.package.apkg
from ankigen.cli import main
from conftest import copy_profile


def test_build_is_the_default_and_prints_what_it_built(good_project, fixed_time, capsys):
    assert main(["--root", str(good_project)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "Read 2 chapters, 8 cards from source",
        "Build timestamp 2023-11-14 22:13:20 UTC (from SOURCE_DATE_EPOCH)",
        "Figures: 0 regenerated, 1 up to date",
        "Code blocks: 0 run, 2 up to date",
        "Rendered 8 cards, 0 from the cache",
        f"Wrote dist/fastbook.apkg: 8 cards, 4 media files, {size(good_project, 'fastbook.apkg')} KiB",
        f"Wrote dist/fastbook-01-first-steps.apkg: 4 cards, 3 media files, {size(good_project, 'fastbook-01-first-steps.apkg')} KiB",
        f"Wrote dist/fastbook-02-second-steps.apkg: 4 cards, 1 media file, {size(good_project, 'fastbook-02-second-steps.apkg')} KiB",
    ]


def size(root, name):
    return f"{(root / 'dist' / name).stat().st_size / 1024:.0f}"


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "check" in out and "SOURCE_DATE_EPOCH" in out


def snapshot(dist):
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in dist.glob("*.apkg")}


def test_a_failed_build_leaves_the_previous_decks_untouched(good_project, fixed_time, capsys):
    assert main(["-q", "--root", str(good_project)]) == 0
    before = snapshot(good_project / "dist")
    source = good_project / "source/01_first_steps.md"
    source.write_text(source.read_text().replace("{#c01-q02", "{#c01-q01"))
    assert main(["--root", str(good_project)]) == 1
    assert "duplicate card ID c01-q01" in capsys.readouterr().err
    assert snapshot(good_project / "dist") == before


def test_an_error_while_writing_leaves_dist_unchanged(good_project, fixed_time, monkeypatch, capsys):
    assert main(["-q", "--root", str(good_project)]) == 0
    before = snapshot(good_project / "dist")
    real_write = ankigen.package.apkg._write_zip
    written = []

    def write_then_fail(path, *args):
        real_write(path, *args)
        written.append(path)
        if len(written) == 2:
            raise OSError("disk full")

    monkeypatch.setattr(ankigen.package.apkg, "_write_zip", write_then_fail)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert main(["-q", "--root", str(good_project)]) == 1
    assert capsys.readouterr().err == "error: disk full: nothing was changed in dist/\n"
    assert snapshot(good_project / "dist") == before
    assert not list((good_project / "dist").glob(".building-*"))  # no staging folder left behind


def test_bad_source_date_epoch_is_a_clear_error(good_project, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    assert main(["--root", str(good_project)]) == 1
    assert capsys.readouterr().err.strip() == (
        "error: SOURCE_DATE_EPOCH must be whole seconds since 1970-01-01 UTC, not 'yesterday'"
    )


def test_without_git_or_source_date_epoch_the_build_says_what_to_do(good_project, monkeypatch, capsys):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", os.fspath(good_project.parent))
    assert main(["--root", str(good_project)]) == 1
    assert "set SOURCE_DATE_EPOCH" in capsys.readouterr().err


def test_a_folder_without_a_profile_is_a_clear_error(tmp_path, capsys):
    assert main(["check", "--root", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        f"ankigen.toml:1: no ankigen.toml in {tmp_path}: run from the project root, pass --root, "
        "or start a project with `ankigen init DIR`\n"
    )


def test_missing_source_folder_is_a_clear_error(tmp_path, capsys):
    copy_profile(tmp_path)
    assert main(["check", "--root", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith(f"error: no source folder at {tmp_path}/source")


def test_a_rebuild_renders_from_the_cache_and_rewrites_only_changed_packages(good_project, fixed_time, capsys):
    assert main(["--root", str(good_project)]) == 0
    capsys.readouterr()
    before = snapshot(good_project / "dist")
    assert main(["--root", str(good_project)]) == 0
    out = capsys.readouterr().out
    assert "Nothing changed since the last build" in out and "Rendered" not in out and "Wrote" not in out
    assert snapshot(good_project / "dist") == before

    (good_project / "dist/.cache/build.json").unlink()  # below the whole-build check, per card and package
    assert main(["--root", str(good_project)]) == 0
    out = capsys.readouterr().out
    assert "Rendered 0 cards, 8 from the cache" in out and "Up to date: 3 packages" in out and "Wrote" not in out
    assert snapshot(good_project / "dist") == before

    source = good_project / "source/02_second_steps.md"
    source.write_text(source.read_text().replace("Lists work too.", "Lists work, too."))
    assert main(["--root", str(good_project)]) == 0
    out = capsys.readouterr().out
    assert "Rendered 1 card, 7 from the cache" in out and "Up to date: 1 package" in out
    after = snapshot(good_project / "dist")
    assert after["fastbook-01-first-steps.apkg"] == before["fastbook-01-first-steps.apkg"]
    assert after["fastbook.apkg"] != before["fastbook.apkg"]


def test_cached_builds_give_the_same_bytes_as_a_clean_build(good_project, fixed_time, tmp_path):
    assert main(["-q", "--root", str(good_project)]) == 0
    source = good_project / "source/02_second_steps.md"
    source.write_text(source.read_text().replace("Lists work too.", "Lists work, too."))
    assert main(["-q", "--root", str(good_project)]) == 0  # incremental: one card re-rendered
    incremental = {p.name: p.read_bytes() for p in (good_project / "dist").glob("*.apkg")}
    shutil.rmtree(good_project / "dist")
    assert main(["-q", "--root", str(good_project)]) == 0  # from scratch
    assert {p.name: p.read_bytes() for p in (good_project / "dist").glob("*.apkg")} == incremental


def test_a_deleted_or_altered_deck_is_written_again_although_the_sources_did_not_change(good_project, fixed_time, capsys):
    assert main(["-q", "--root", str(good_project)]) == 0
    chapter_deck = good_project / "dist/fastbook-02-second-steps.apkg"
    original = chapter_deck.read_bytes()
    chapter_deck.unlink()
    assert main(["--root", str(good_project)]) == 0
    assert "Wrote dist/fastbook-02-second-steps.apkg" in capsys.readouterr().out
    chapter_deck.write_bytes(b"not a deck")
    assert main(["--root", str(good_project)]) == 0
    assert "Wrote dist/fastbook-02-second-steps.apkg" in capsys.readouterr().out
    assert chapter_deck.read_bytes() == original
