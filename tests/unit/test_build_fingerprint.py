"""The catalog's fingerprint: what forces a rebuild (and a first model) and what does not."""

from __future__ import annotations

from pathlib import Path

from jobs.pipelines.build import fingerprint


def test_labelled_sets_beside_the_data_do_not_change_the_catalog(tmp_path: Path) -> None:
    """Correcting an evaluation label must not rebuild the catalog and retrain the model it serves."""
    for folder, text in (("tidytuesday", "songs"), ("fit", "requests"), ("chat2tag", "messages")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "data.jsonl").write_text(text)
    before = fingerprint(tmp_path, 5, "encoder")
    for labels in ("fit", "chat2tag"):
        (tmp_path / labels / "data.jsonl").write_text("more labelled requests")
    assert fingerprint(tmp_path, 5, "encoder") == before
    (tmp_path / "tidytuesday" / "data.jsonl").write_text("more songs")
    assert fingerprint(tmp_path, 5, "encoder") != before
    assert fingerprint(tmp_path, 6, "encoder") != fingerprint(tmp_path, 5, "encoder")
