"""Editing a spec and regenerating, end to end in a temporary git repository, the way a connector author works.

new-connector -> write a hook -> change the spec (add an endpoint, drop the private websocket) -> regenerate; then
a hand edit caught (with its lines, even though the spec changed too) and backed up by --force; --dry-run writing
nothing; an interrupted run leaving no partial file; `hbgen check` failing on each kind of drift; `hbgen doctor`
following along.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from hbgen import writer
from hbgen.cli import app

runner = CliRunner()
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "hbgen tests",
    "GIT_AUTHOR_EMAIL": "tests@hbgen.invalid",
    "GIT_COMMITTER_NAME": "hbgen tests",
    "GIT_COMMITTER_EMAIL": "tests@hbgen.invalid",
}
HOOK_BODY = '''

async def acme_poll_extra(connector: Any) -> None:
    """Hand-written: count the polls (Acme has nothing extra to poll, but the count shows up in status)."""
    connector.extra_polls = getattr(connector, "extra_polls", 0) + 1
'''


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    for key, value in GIT_IDENTITY.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    git(tmp_path, "init", "-q")
    (tmp_path / ".gitignore").write_text("__pycache__/\n.hbgen-backup/\n")
    yield tmp_path


def git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, env={**os.environ, **GIT_IDENTITY})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def hbgen(*args: str, code: int = 0) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, f"hbgen {' '.join(args)} -> {result.exit_code}\n{result.output}"
    return result


def edit_spec(root: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = root / "specs" / "acme.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, width=120), encoding="utf-8")


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts and "__pycache__" not in p.parts
    }


def manifest(root: Path) -> dict[str, Any]:
    return json.loads((root / "generated" / "acme" / ".hbgen-manifest.json").read_text(encoding="utf-8"))


def add_hook(data: dict[str, Any]) -> None:
    data["hooks"] = {"acme_poll_extra": {"at": "exchange.status_polling", "description": "An extra poll step."}}


def add_endpoint_drop_private_ws(data: dict[str, Any]) -> None:
    ticker = copy.deepcopy(data["endpoints"]["book_ticker"])
    ticker["path"] = "/v3/ticker/24hr"
    ticker["limit_id"] = "/ticker/24hr"
    data["endpoints"]["ticker_24h"] = ticker
    del data["ws"]["private"]
    for name in ("execution_fill", "execution_order_update", "account_position"):
        del data["mappings"][name]
    data.setdefault("waivers", {}).update(
        ws_private_orders="Acme has no private websocket; orders are polled over REST",
        ws_private_trades="Acme has no private websocket; fills are polled over REST",
    )


def test_edit_the_spec_and_regenerate(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = repo / "generated" / "acme"

    # 1. Scaffold, commit.
    hbgen("new-connector", "acme")
    hbgen("check")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "acme scaffold")

    # 2. Name a hook, generate: the hand-owned module appears; write the hook, commit.
    edit_spec(repo, add_hook)
    hbgen("generate", "acme")
    hooks_path = package / "acme_hooks.py"
    stub = hooks_path.read_text(encoding="utf-8")
    assert "raise NotImplementedError" in stub
    hbgen("doctor", "acme", code=1)  # the hook is still a stub
    written = stub[: stub.index("\n\nasync def acme_poll_extra")] + HOOK_BODY
    hooks_path.write_text(written, encoding="utf-8")
    hbgen("doctor", "acme")
    assert "acme_hooks.py" in manifest(repo)["hand_owned"]
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "acme hook")
    before = manifest(repo)

    # 3. Change the spec: add an endpoint, drop the private websocket. Preview first: nothing written.
    edit_spec(repo, add_endpoint_drop_private_ws)
    tree = snapshot(repo)
    preview = hbgen("generate", "acme", "--dry-run").output
    assert snapshot(repo) == tree, "--dry-run must write nothing"
    assert "TICKER_24H" in preview and "--- a/acme_api_user_stream_data_source.py" in preview

    hbgen("check", code=1)  # the spec changed but generated/ did not: drift
    report = hbgen("generate", "acme").output
    stale = ["acme_api_user_stream_data_source.py", "tests/test_acme_api_user_stream_data_source.py"]
    for rel in stale:
        assert f"removed: {rel}" in report and not (package / rel).exists()
    assert "TICKER_24H_PATH_URL" in (package / "acme_constants.py").read_text(encoding="utf-8")
    assert hooks_path.read_text(encoding="utf-8") == written, "the hook must survive byte for byte"
    after = manifest(repo)
    assert after["spec_sha256"] != before["spec_sha256"]
    assert set(before["files"]) - set(after["files"]) == set(stale)
    assert after["files"]["acme_constants.py"] != before["files"]["acme_constants.py"]
    hbgen("check")
    hbgen("doctor", "acme")  # the private rows are waived now, with the reasons
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "acme: ticker endpoint, no private websocket")

    # 4. A hand edit in a generated file, then a spec change: the run stops and shows the edited lines, taken from
    #    the committed copy because the new rendering differs anyway.
    constants = package / "acme_constants.py"
    original = constants.read_text(encoding="utf-8")
    constants.write_text(original.replace("\n", "\nMY_TWEAK = 1\n", 1), encoding="utf-8")
    edit_spec(repo, lambda d: d["fees"].update(maker="0.002"))
    result = hbgen("generate", "acme", code=1)
    assert "acme_constants.py" in result.output and "+MY_TWEAK = 1" in result.output and "hook" in result.output
    assert constants.read_text(encoding="utf-8").count("MY_TWEAK") == 1, "nothing is written when a hand edit is found"
    hbgen("check", code=1)
    result = hbgen("generate", "acme", "--force")
    backup = package / ".hbgen-backup" / "acme_constants.py"
    assert "MY_TWEAK = 1" in backup.read_text(encoding="utf-8")
    assert "MY_TWEAK" not in constants.read_text(encoding="utf-8")
    assert hooks_path.read_text(encoding="utf-8") == written
    hbgen("check")

    # 5. An interrupted run (killed between two file writes) leaves every file whole, and the next run completes.
    edit_spec(repo, lambda d: d["fees"].update(taker="0.003"))
    real = writer.atomic_write
    writes: list[Path] = []

    def killed_on_second_write(path: Path, text: str) -> None:
        writes.append(path)
        if len(writes) == 2:
            raise KeyboardInterrupt
        real(path, text)

    old_tree = snapshot(repo)
    with monkeypatch.context() as patch:
        patch.setattr(writer, "atomic_write", killed_on_second_write)
        interrupted = runner.invoke(app, ["generate", "acme"])
    assert interrupted.exit_code == 130, interrupted.output  # Ctrl-C: click's conventional exit status
    new_tree = snapshot(repo)
    assert not [p for p in new_tree if p.endswith(".tmp")], "no temporary file may be left behind"
    changed = sorted(p for p in new_tree if new_tree[p] != old_tree.get(p))
    assert changed == [writes[0].as_posix()], changed
    hbgen("check", code=1)
    hbgen("generate", "acme")  # not mistaken for a hand edit
    hbgen("check")


def test_check_fails_on_each_kind_of_drift(repo: Path) -> None:
    hbgen("new-connector", "acme")
    package = repo / "generated" / "acme"
    hbgen("check")

    (package / "acme_utils.py").write_text("# edited\n", encoding="utf-8")
    assert "modified" in hbgen("check", code=1).output
    hbgen("generate", "acme", "--force")

    (package / "acme_web_utils.py").unlink()
    assert "missing" in hbgen("check", code=1).output
    hbgen("generate", "acme")

    edit_spec(repo, add_endpoint_drop_private_ws)  # the spec changes, generated/ is not regenerated
    output = hbgen("check", code=1).output
    assert "stale" in output and "acme_api_user_stream_data_source.py" in output
    assert "modified" in output and "acme_constants.py" in output
    hbgen("generate", "acme")
    hbgen("check")

    shutil.rmtree(package)
    assert "missing-package" in hbgen("check", code=1).output
    hbgen("generate", "acme")
    hbgen("check")
