"""The layer contract (pyproject's [tool.importlinter]) holds, and it would catch a wrong import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "adapters", "jobs", "recommender", "storage")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(command), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(root), "PATH": str(command.parent)})


def test_the_layers_point_inward() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_a_recommender_importing_an_adapter_breaks_the_contract(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    types = tmp_path / "recommender" / "types.py"
    types.write_text(types.read_text() + "\nfrom adapters import console  # a deliberately wrong import\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "recommender.types -> adapters.console" in result.stdout
