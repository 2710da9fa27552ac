"""The distribution installs both import packages and the console script."""

import shutil
import subprocess
import sys

import hbrt

import hbgen


def test_both_packages_import_with_versions() -> None:
    assert hbgen.__version__
    assert hbrt.__version__


def test_console_script_reports_versions() -> None:
    exe = shutil.which("hbgen") or None
    cmd = [exe, "version"] if exe else [sys.executable, "-m", "hbgen", "version"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    assert f"hbgen {hbgen.__version__}" in out
    assert f"hbrt {hbrt.__version__}" in out
