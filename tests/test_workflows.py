"""The GitHub workflows are valid and follow security practice, checked with tools that run offline."""

import shutil
import subprocess
import sys
from pathlib import Path

from conftest import PROJECT_ROOT

WORKFLOWS = sorted((PROJECT_ROOT / ".github/workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is a test dependency: pip install -e '.[test]'"
    return found


def test_there_is_a_ci_and_a_release_workflow():
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "release.yml"]


def test_workflows_match_the_github_workflow_schema():
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflows_pass_zizmor_security_audit():
    result = subprocess.run(
        [tool("zizmor"), "--offline", "--persona", "auditor", *map(str, WORKFLOWS)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_the_release_workflow_runs_the_safety_checks_before_publishing():
    steps = (PROJECT_ROOT / ".github/workflows/release.yml").read_text()
    order = ["python build.py check", "python build.py lock --check", "python build.py release-notes", "sha256sum", "gh release create"]
    assert [steps.index(step) for step in order] == sorted(steps.index(step) for step in order)


def test_the_release_is_published_by_a_job_that_runs_nothing_from_the_repository():
    import yaml

    jobs = yaml.safe_load((PROJECT_ROOT / ".github/workflows/release.yml").read_text())["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "read"}
    assert jobs["publish"]["permissions"] == {"contents": "write"} and jobs["publish"]["needs"] == "build"
    publish_steps = jobs["publish"]["steps"]
    assert not any("checkout" in step.get("uses", "") for step in publish_steps)
    assert not any("python" in step.get("run", "") for step in publish_steps)
    assert "python build.py figures --check" in str(jobs["build"]["steps"])  # so no `python run` block runs


def test_a_pull_request_gets_a_summary_of_its_cards_and_the_preview_page():
    import yaml

    workflow = yaml.safe_load((PROJECT_ROOT / ".github/workflows/ci.yml").read_text())
    steps = workflow["jobs"]["test"]["steps"]
    checkout = next(step for step in steps if step.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}  # the base commit is there to compare with
    [summary] = [step for step in steps if "build.py changes" in step.get("run", "")]
    assert summary["run"] == 'python build.py changes --since "$BASE_SHA" >> "$GITHUB_STEP_SUMMARY"'
    assert summary["env"] == {"BASE_SHA": "${{ github.event.pull_request.base.sha }}"}
    assert "github.event_name == 'pull_request'" in summary["if"]
    [preview] = [step for step in steps if step.get("run") == "python build.py preview"]
    assert "github.event_name == 'pull_request'" in preview["if"]
    [upload] = [step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload["uses"] == "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02"  # the release workflow's pin
    assert upload["with"]["path"] == "dist/preview" and upload["with"]["if-no-files-found"] == "error"
    assert f"steps.{preview['id']}.outcome == 'success'" in upload["if"]  # so only on a pull request, once the page is written
