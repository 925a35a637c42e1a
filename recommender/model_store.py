"""Trained model versions on disk. A version is written in full into its own folder
and only then published by atomically replacing the `current` pointer, so a
reader sees the old version or the new one, never half of either."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

KEEP_VERSIONS = 3
MODEL_FILE = "model.pt"
MANIFEST_FILE = "manifest.json"


class ModelStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def current(self) -> str | None:
        pointer = self.root / "current"
        if not pointer.exists():
            return None
        version = pointer.read_text().strip()
        return version if (self.root / version / MODEL_FILE).exists() else None

    def path(self, version: str) -> Path:
        return self.root / version / MODEL_FILE

    def manifest(self, version: str) -> dict[str, Any]:
        return json.loads((self.root / version / MANIFEST_FILE).read_text())

    def new_version(self, name: str = "graphsage") -> Path:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        folder = self.root / f"{name}-{stamp}"
        folder.mkdir(parents=True)
        return folder

    def publish(self, folder: Path, manifest: dict[str, Any]) -> str:
        (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1, default=str))
        tmp = self.root / "current.tmp"
        tmp.write_text(folder.name)
        os.replace(tmp, self.root / "current")
        self._prune(folder.name)
        return folder.name

    def _prune(self, keep: str) -> None:
        versions = sorted((p for p in self.root.iterdir() if p.is_dir()), key=lambda p: p.name)
        for old in versions[:-KEEP_VERSIONS]:
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)
