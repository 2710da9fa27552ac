"""A manifest is data read from disk: no entry in it may make hbgen touch a file outside the package.

Regression tests for issue 10 §3: a crafted ``.hbgen-manifest.json`` entry (``../../victim.txt`` or an absolute path)
made ``hbgen generate`` delete a file outside the package, and with ``--force`` first copy it outside the backup
folder. Such a manifest is now "unreadable" (exit 1, nothing written); a symbolic link inside the package that leads
out of it is refused too.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hbgen.cli import app
from hbgen.writer import MANIFEST_NAME, Manifest, RenderedFile, WriteError, sha256_text, write_package

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _manifest(files: dict[str, str], hand_owned: tuple[str, ...] = ()) -> Manifest:
    return Manifest("demo", "specs/demo.yaml", "s", "0", "t", files, hand_owned)


def _craft(package: Path, entry: str, digest: str = "0" * 64) -> None:
    path = package / MANIFEST_NAME
    data = json.loads(path.read_text())
    data["files"][entry] = digest
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("entry", ["../../victim.txt", "../victim.txt", "a/../../victim.txt", "ABSOLUTE"])
def test_an_entry_outside_the_package_makes_the_manifest_unreadable(tmp_path: Path, entry: str) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    package = tmp_path / "out" / "demo"
    files = [RenderedFile("a.py", "A = 1\n")]
    write_package(package, files, _manifest({"a.py": sha256_text("A = 1\n")}))
    _craft(package, str(victim) if entry == "ABSOLUTE" else entry)
    for force in (False, True):
        with pytest.raises(WriteError, match="manifest is unreadable"):
            write_package(package, files, _manifest({"a.py": sha256_text("A = 1\n")}), force=force)
    assert victim.read_text() == "precious\n"
    assert not (package / ".hbgen-backup").exists()


@pytest.mark.parametrize("entry", ["", ".", "./a.py", "a//b.py", "C:/x.py", "a\\..\\..\\x", "a\x00b", MANIFEST_NAME])
def test_other_malformed_paths_are_refused(entry: str) -> None:
    data = json.loads(_manifest({"a.py": "0"}).to_json())
    data["files"][entry] = "0"
    with pytest.raises(ValueError):
        Manifest.from_json(json.dumps(data))


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(files=["a.py"]),
        lambda d: d.update(files={"a.py": 1}),
        lambda d: d.update(hand_owned="a.py"),
        lambda d: d.update(hand_owned=["../x.py"]),
        lambda d: d.update(connector=None),
    ],
)
def test_a_manifest_of_the_wrong_shape_is_unreadable(tmp_path: Path, change) -> None:
    data = json.loads(_manifest({"a.py": "0"}).to_json())
    change(data)
    (tmp_path / MANIFEST_NAME).write_text(json.dumps(data))
    with pytest.raises(WriteError, match="manifest is unreadable"):
        Manifest.read(tmp_path)


def test_a_symbolic_link_out_of_the_package_is_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.py").write_text("theirs\n")
    package = tmp_path / "demo"
    package.mkdir()
    (package / "link").symlink_to(outside, target_is_directory=True)
    # The manifest says hbgen wrote link/x.py; the new plan no longer has it, so it is stale and would be removed.
    write_package(package, [], _manifest({}))
    (package / MANIFEST_NAME).write_text(_manifest({"link/x.py": sha256_text("theirs\n")}).to_json())
    with pytest.raises(WriteError, match="symbolic link leads out of"):
        write_package(package, [], _manifest({}))
    assert (outside / "x.py").read_text() == "theirs\n"


def test_backup_folder_linked_outside_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    package = tmp_path / "demo"
    files = [RenderedFile("a.py", "A = 1\n")]
    write_package(package, files, _manifest({"a.py": sha256_text("A = 1\n")}))
    (package / "a.py").write_text("edited\n")
    (package / ".hbgen-backup").symlink_to(outside, target_is_directory=True)
    with pytest.raises(WriteError, match="symbolic link leads out of"):
        write_package(package, files, _manifest({"a.py": sha256_text("A = 1\n")}), force=True)
    assert list(outside.iterdir()) == []


def test_cli_generate_with_a_crafted_manifest_exits_1_and_deletes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "repo"
    (work / "specs").mkdir(parents=True)
    shutil.copy(ROOT / "specs" / "binance.yaml", work / "specs" / "binance.yaml")
    if (ROOT / "specs" / "shared").is_dir():  # fragments the spec includes
        shutil.copytree(ROOT / "specs" / "shared", work / "specs" / "shared")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    monkeypatch.chdir(work)
    assert runner.invoke(app, ["generate", "binance"]).exit_code == 0
    _craft(work / "generated" / "binance", "../../../victim.txt")
    for args in (["generate", "binance"], ["generate", "binance", "--force"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert "the manifest is unreadable" in result.output and "Traceback" not in result.output
        assert victim.read_text() == "precious\n"
    assert not any(p.name == "victim.txt" for p in (work / "generated").rglob("*"))
