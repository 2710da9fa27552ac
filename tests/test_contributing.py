"""CONTRIBUTING.md's walkthrough, followed to the letter in a scratch git repository.

Every block after a ``<!-- walkthrough: ... -->`` marker is a step, in document order:

* ``run``: each ``$ command`` line is run; a trailing ``# exit N`` is the exit code it must end with (else 0).
* ``append PATH``: the block is appended to PATH.
* ``define PATH``: the block is a top-level function; it replaces the function of the same name in PATH.

If the document and hbgen disagree, this test fails, so the guide cannot drift from what the tools do.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "CONTRIBUTING.md"
MARKER = re.compile(
    r"<!-- walkthrough: (?P<action>run|append|define)(?: (?P<path>\S+))? -->\n```[a-z]*\n(.*?)```", re.S
)
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "hbgen tests",
    "GIT_AUTHOR_EMAIL": "tests@hbgen.invalid",
    "GIT_COMMITTER_NAME": "hbgen tests",
    "GIT_COMMITTER_EMAIL": "tests@hbgen.invalid",
}


@dataclass(frozen=True)
class Step:
    action: str
    path: str | None
    body: str


def walkthrough_steps(text: str) -> list[Step]:
    return [Step(m["action"], m["path"], m[3]) for m in MARKER.finditer(text)]


def parse_command(line: str) -> tuple[list[str], int]:
    """``$ hbgen test acme    # exit 1`` -> (["hbgen", "test", "acme"], 1)."""
    words = shlex.split(line.removeprefix("$ "), comments=False)
    expected = 0
    if "#" in words:
        comment = words[words.index("#") :]
        words = words[: words.index("#")]
        if comment[1:2] == ["exit"]:
            expected = int(comment[2])
    return words, expected


def replace_function(source: str, function: str) -> str:
    """``source`` with the top-level function named like the one in ``function`` replaced by it."""
    new = ast.parse(function).body[0]
    assert isinstance(new, ast.FunctionDef | ast.AsyncFunctionDef)
    tree = ast.parse(source)
    old = next(
        node for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == new.name
    )
    lines = source.splitlines(keepends=True)
    start = (old.decorator_list[0].lineno if old.decorator_list else old.lineno) - 1
    return "".join(lines[:start]) + function + "".join(lines[old.end_lineno :])


@pytest.fixture
def scratch_repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "specs", repo / "specs")
    shutil.copytree(ROOT / "generated", repo / "generated", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".gitignore", repo / ".gitignore")
    env = {**os.environ, **GIT_IDENTITY}
    for command in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-q", "-m", "base"]):
        subprocess.run(command, cwd=repo, env=env, check=True)
    return repo


def test_the_guide_has_a_walkthrough() -> None:
    steps = walkthrough_steps(GUIDE.read_text(encoding="utf-8"))
    commands = [parse_command(line)[0][:2] for s in steps if s.action == "run" for line in s.body.splitlines()]
    for wanted in (["hbgen", "new-connector"], ["hbgen", "generate"], ["hbgen", "test"], ["hbgen", "doctor"]):
        assert wanted in commands, f"CONTRIBUTING.md's walkthrough no longer runs {' '.join(wanted)}"
    assert ["hbgen", "check"] in commands and any(s.action == "define" for s in steps)


def test_contributing_walkthrough(scratch_repo: Path) -> None:
    env = {**os.environ, **GIT_IDENTITY}
    env.pop("PYTHONPATH", None)
    transcript: list[str] = []
    for step in walkthrough_steps(GUIDE.read_text(encoding="utf-8")):
        if step.action == "append":
            target = scratch_repo / str(step.path)
            target.write_text(target.read_text(encoding="utf-8") + "\n" + step.body, encoding="utf-8")
            transcript.append(f"(appended to {step.path})")
            continue
        if step.action == "define":
            target = scratch_repo / str(step.path)
            target.write_text(replace_function(target.read_text(encoding="utf-8"), step.body), encoding="utf-8")
            transcript.append(f"(defined a function in {step.path})")
            continue
        for line in step.body.splitlines():
            if not line.startswith("$ "):
                continue
            words, expected = parse_command(line)
            if words[0] == "hbgen":
                words = [sys.executable, "-m", "hbgen", *words[1:]]
            proc = subprocess.run(words, cwd=scratch_repo, env=env, capture_output=True, text=True, check=False)
            transcript.append(f"{line}\n{proc.stdout}{proc.stderr}")
            assert proc.returncode == expected, "\n".join(transcript[-3:])
            if words[3:4] == ["test"] and expected == 1:
                # What step 4 says: the failures are the hook's test and the tests whose events meet the stub.
                failed = [f for f in proc.stdout.splitlines() if f.startswith("FAILED ")]
                assert any("test_acme_hooks.py" in f for f in failed), proc.stdout
                assert any("test_acme_exchange.py" in f and "user_stream" in f for f in failed), proc.stdout
                report = proc.stdout.split("short test summary info")[0]
                sections = re.split(r"(?m)^_+ \S+ _+$", report)[1:]
                assert len(sections) == len(failed), report
                assert all("hook acme_session_event is not written yet" in section for section in sections), report

    # The result is what the guide promises: a committed connector whose hook is written and whose tree is clean.
    hooks = (scratch_repo / "generated" / "acme" / "acme_hooks.py").read_text(encoding="utf-8")
    assert "sessionExpired" in hooks and "NotImplementedError" not in hooks.split("async def acme_session_event")[1]
    status = subprocess.run(["git", "status", "--porcelain"], cwd=scratch_repo, capture_output=True, text=True)
    assert status.stdout == "", status.stdout
    committed = subprocess.run(
        ["git", "show", "--name-only", "--format=", "HEAD"], cwd=scratch_repo, capture_output=True, text=True
    ).stdout.split()
    assert "specs/acme.yaml" in committed and "generated/acme/acme_hooks.py" in committed
    assert all(path == "specs/acme.yaml" or path.startswith("generated/acme/") for path in committed), committed
    assert not any("__pycache__" in path for path in committed), committed
