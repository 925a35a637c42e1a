"""Trained model versions on disk. A version is written in full into its own folder
and only then published by atomically replacing the `current` pointer, so a
reader sees the old version or the new one, never half of either.

A version can also be staged (written with its manifest, not published) so that a
retrain can evaluate it first; a staged version that loses is rejected: its folder
goes, and its manifest stays in `rejected.json` as a record of why."""

from __future__ import annotations

import json
import logging
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KEEP_VERSIONS = 3
MODEL_FILE = "model.pt"
MANIFEST_FILE = "manifest.json"
REJECTED_FILE = "rejected.json"


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

    def servable(self, catalog: str | None) -> list[str]:
        """Versions trained for this catalog whose manifest reads, the current one first, then the newest:
        a corrupt current version falls back to the last good one instead of stopping start-up."""
        current = self.current()
        kept = sorted((p.name for p in self.root.iterdir() if (p / MODEL_FILE).exists()), reverse=True) \
            if self.root.exists() else []
        out = []
        for version in dict.fromkeys([current, *kept] if current else kept):
            try:
                if self.manifest(version).get("catalog") == catalog:
                    out.append(version)
            except (OSError, ValueError):
                log.warning("model %s has an unreadable manifest; skipped", version)
        return out

    def new_version(self, name: str = "graphsage") -> Path:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        folder = self.root / f"{name}-{stamp}"
        folder.mkdir(parents=True)
        return folder

    def stage(self, folder: Path, manifest: dict[str, Any]) -> str:
        """Write the manifest beside the model; the version exists but is not served."""
        _write_atomically(folder / MANIFEST_FILE, json.dumps(manifest, indent=1, default=str))
        return folder.name

    def publish(self, folder: Path, manifest: dict[str, Any] | None = None) -> str:
        """Serve this version from now on (staging it first when a manifest is given)."""
        if manifest is not None:
            self.stage(folder, manifest)
        _write_atomically(self.root / "current", folder.name)
        self._prune(folder.name)
        return folder.name

    def reject(self, version: str, record: dict[str, Any]) -> None:
        """Drop a staged version that must not be served, keeping the record of why."""
        if version == self.current():
            raise ValueError(f"{version} is being served; it cannot be rejected")
        _write_atomically(self.root / REJECTED_FILE, json.dumps(record, indent=1, default=str))
        shutil.rmtree(self.root / version, ignore_errors=True)

    def last_rejected(self) -> dict[str, Any] | None:
        path = self.root / REJECTED_FILE
        return json.loads(path.read_text()) if path.exists() else None

    def discard(self, folder: Path) -> None:
        """Remove a version that never got a manifest (its training failed half way)."""
        if folder.name != self.current():
            shutil.rmtree(folder, ignore_errors=True)

    def _prune(self, keep: str) -> None:
        versions = sorted((p for p in self.root.iterdir() if p.is_dir()), key=lambda p: p.name)
        for old in versions[:-KEEP_VERSIONS]:
            if old.name != keep:
                shutil.rmtree(old, ignore_errors=True)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
