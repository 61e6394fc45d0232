"""A damaged or busy environment: caches, committed records, concurrent builds. One clear line, never a traceback."""

import os
import subprocess
import sys

from ankigen.cli import main
from conftest import TIMESTAMP


def packages(root):
    return {path.name: path.read_bytes() for path in sorted((root / "dist").glob("*.apkg"))}


def test_caches_holding_the_wrong_json_are_rebuilt(good_project, fixed_time, capsys):
    assert main(["-q", "--root", str(good_project)]) == 0
    built = packages(good_project)
    for name in ("build.json", "packages.json"):
        (good_project / "dist/.cache" / name).write_text("[]")
    (good_project / "dist/fastbook.apkg").unlink()
    assert main(["-q", "--root", str(good_project)]) == 0
    assert packages(good_project) == built
    assert "Traceback" not in capsys.readouterr().err


def test_a_figure_manifest_holding_the_wrong_json_is_reported_as_stale_figures(good_project, capsys):
    (good_project / "media/figures/manifest.json").write_text("[]")
    assert main(["check", "--root", str(good_project)]) == 0
    err = capsys.readouterr().err
    assert "source/01_first_steps.md:38: warning: figure relu.svg is missing or out of date: run `python build.py figures`" in err


def test_a_truncated_identity_lock_is_a_located_error_saying_how_to_restore_it(good_project, capsys):
    (good_project / "releases").mkdir()
    (good_project / "releases/identity.json").write_text('{\n "notetype": {"id": 1},\n "released": [\n  "c01-q0')
    assert main(["check", "--root", str(good_project)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("releases/identity.json:4: the identity lock is damaged (Unterminated string")
    assert err.rstrip().endswith("restore it with `git checkout -- releases/identity.json`")


def test_a_chapter_file_linking_outside_the_source_folder_is_refused(good_project, tmp_path, capsys):
    secret = tmp_path / "secret.md"
    secret.write_text("---\nchapter: 3\ntitle: Secret\nnotebook: x.ipynb\n---\n\n## password? {#c03-q01}\n\nhunter2\n")
    (good_project / "source/03_link.md").symlink_to(secret)
    assert main(["check", "--root", str(good_project)]) == 1
    err = capsys.readouterr().err
    assert "source/03_link.md:1: this chapter file is a link to a file outside source/: copy the file itself into source/" in err
    assert "hunter2" not in err and "password" not in err


def test_a_dist_that_cannot_be_written_is_one_clear_line(good_project, fixed_time, capsys):
    (good_project / "dist").write_text("a file where the build folder should be")
    assert main(["-q", "--root", str(good_project)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_staging_folders_left_by_a_killed_build_are_removed(good_project, fixed_time):
    (good_project / "dist/.building-killed").mkdir(parents=True)
    (good_project / "dist/.building-killed/half.apkg").write_bytes(b"PK")
    assert main(["-q", "--root", str(good_project)]) == 0
    assert not list((good_project / "dist").glob(".building-*"))


def test_two_builds_of_one_project_at_once_both_succeed_with_the_same_decks(good_project, tmp_path):
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(TIMESTAMP)}
    command = [sys.executable, "-m", "ankigen", "-q", "--root", str(good_project)]
    builds = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(build.communicate()[1], build.returncode) for build in builds]
    assert results == [("", 0), ("", 0)]
    together = packages(good_project)
    serial = tmp_path / "serial"
    good_project.rename(serial)
    (serial / "dist").rename(tmp_path / "old-dist")
    subprocess.run(command[:-1] + [str(serial)], env=env, check=True)
    assert packages(serial) == together and len(together) == 3


def test_a_render_cache_with_damaged_pages_is_rebuilt_with_a_one_line_warning(good_project, fixed_time, capsys):
    assert main(["-q", "--root", str(good_project)]) == 0
    built = packages(good_project)
    cache = good_project / "dist/.cache/render.sqlite3"
    data = bytearray(cache.read_bytes())
    for offset in range(len(data) // 3, len(data), 5):  # the header survives, the pages do not
        data[offset] = 0xAB
    cache.write_bytes(bytes(data))
    (good_project / "dist/.cache/build.json").unlink()
    (good_project / "dist/fastbook.apkg").unlink()
    capsys.readouterr()
    assert main(["--root", str(good_project)]) == 0
    out = capsys.readouterr().out
    assert "warning: the render cache" in out and "was damaged: every card is rendered again" in out
    assert "Rendered 8 cards, 0 from the cache" in out
    assert packages(good_project) == built
