"""The write stage: ownership, stale files, hand edits, dry runs and atomic writes."""

from pathlib import Path
from unittest import mock

import pytest

from hbgen import writer
from hbgen.writer import HandEditError, Manifest, RenderedFile, sha256_text, write_package


def _manifest(files: list[RenderedFile]) -> Manifest:
    return Manifest(
        connector="demo",
        spec="specs/demo.yaml",
        spec_sha256="s",
        hbgen_version="0",
        templates_sha256="t",
        files={f.path: sha256_text(f.content) for f in files if not f.hand_owned},
        hand_owned=tuple(f.path for f in files if f.hand_owned),
    )


def _write(root: Path, files: list[RenderedFile], **kw):
    return write_package(root, files, _manifest(files), **kw)


def test_first_write_creates_everything_and_records_hashes(tmp_path: Path) -> None:
    files = [
        RenderedFile("a.py", "A = 1\n"),
        RenderedFile("sub/b.py", "B = 2\n"),
        RenderedFile("hooks.py", "H\n", True),
    ]
    report = _write(tmp_path, files)
    assert sorted(report.created) == ["a.py", "sub/b.py"]
    assert report.hand_owned_created == ["hooks.py"]
    manifest = Manifest.read(tmp_path)
    assert manifest is not None and manifest.files["a.py"] == sha256_text("A = 1\n")
    assert "hooks.py" not in manifest.files


def test_regeneration_keeps_hooks_removes_stale_and_skips_unchanged(tmp_path: Path) -> None:
    _write(
        tmp_path, [RenderedFile("a.py", "A = 1\n"), RenderedFile("old.py", "O\n"), RenderedFile("h.py", "H\n", True)]
    )
    (tmp_path / "h.py").write_text("hand written\n")
    (tmp_path / "mine.txt").write_text("not ours\n")
    report = _write(
        tmp_path, [RenderedFile("a.py", "A = 1\n"), RenderedFile("new.py", "N\n"), RenderedFile("h.py", "H\n", True)]
    )
    assert report.unchanged == ["a.py"]
    assert report.created == ["new.py"]
    assert report.removed == ["old.py"]
    assert not (tmp_path / "old.py").exists()
    assert (tmp_path / "h.py").read_text() == "hand written\n"
    assert (tmp_path / "mine.txt").read_text() == "not ours\n"


def test_hand_edit_stops_the_run_with_the_edited_lines(tmp_path: Path) -> None:
    files = [RenderedFile("a.py", "A = 1\nB = 2\n"), RenderedFile("c.py", "C = 3\n")]
    _write(tmp_path, files)
    (tmp_path / "a.py").write_text("A = 1\nB = 42\n")
    changed = [RenderedFile("a.py", "A = 1\nB = 2\n"), RenderedFile("c.py", "C = 4\n")]
    with pytest.raises(HandEditError) as info:
        _write(tmp_path, changed, pristine=lambda rel: {f.path: f.content for f in files}.get(rel))
    message = str(info.value)
    assert "a.py" in message and "-B = 2" in message and "+B = 42" in message and "hook" in message
    assert (tmp_path / "c.py").read_text() == "C = 3\n", "nothing may be written when a hand edit is found"


def test_force_backs_up_the_edited_file_then_overwrites(tmp_path: Path) -> None:
    files = [RenderedFile("a.py", "A = 1\n")]
    _write(tmp_path, files)
    (tmp_path / "a.py").write_text("A = 2\n")
    report = _write(tmp_path, files, force=True)
    assert report.backups == [".hbgen-backup/a.py"]
    assert (tmp_path / ".hbgen-backup/a.py").read_text() == "A = 2\n"
    assert (tmp_path / "a.py").read_text() == "A = 1\n"


def test_dry_run_writes_nothing_and_returns_a_diff(tmp_path: Path) -> None:
    _write(tmp_path, [RenderedFile("a.py", "A = 1\n")])
    before = sorted(p.name for p in tmp_path.iterdir())
    report = _write(tmp_path, [RenderedFile("a.py", "A = 2\n"), RenderedFile("b.py", "B\n")], dry_run=True)
    assert "-A = 1" in report.diff and "+A = 2" in report.diff and "+B" in report.diff
    assert (tmp_path / "a.py").read_text() == "A = 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_interrupted_write_leaves_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "a.py"
    target.write_text("old content\n")
    with mock.patch.object(writer.os, "replace", side_effect=KeyboardInterrupt), pytest.raises(KeyboardInterrupt):
        writer.atomic_write(target, "new content\n" * 1000)
    assert target.read_text() == "old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.py"], "no temporary file may be left behind"


def test_rerun_after_an_interrupted_run_finishes_the_job(tmp_path: Path) -> None:
    old = [RenderedFile("a.py", "A = 1\n"), RenderedFile("b.py", "B = 1\n")]
    _write(tmp_path, old)
    new = [RenderedFile("a.py", "A = 2\n"), RenderedFile("b.py", "B = 2\n")]
    real = writer.atomic_write
    calls: list[Path] = []

    def dies_on_second_write(path: Path, text: str) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process is killed between two files
        real(path, text)

    with mock.patch.object(writer, "atomic_write", dies_on_second_write), pytest.raises(KeyboardInterrupt):
        _write(tmp_path, new)
    # Each file is whole (old or new), the manifest still describes the old run, no temporary file is left.
    assert (tmp_path / "a.py").read_text() == "A = 2\n" and (tmp_path / "b.py").read_text() == "B = 1\n"
    assert Manifest.read(tmp_path) == _manifest(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".hbgen-manifest.json", "a.py", "b.py"]
    # a.py differs from the manifest but holds exactly the new content: not a hand edit, the re-run completes.
    report = _write(tmp_path, new)
    assert report.unchanged == ["a.py"] and report.updated == ["b.py"]
    assert Manifest.read(tmp_path) == _manifest(new)


def test_a_real_hand_edit_is_still_caught_after_an_interrupted_run(tmp_path: Path) -> None:
    _write(tmp_path, [RenderedFile("a.py", "A = 1\n")])
    (tmp_path / "a.py").write_text("A = 3\n")
    with pytest.raises(HandEditError):
        _write(tmp_path, [RenderedFile("a.py", "A = 2\n")])
