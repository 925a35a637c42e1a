"""Reading a tracks CSV: a bad row costs that row only."""

from __future__ import annotations

from pathlib import Path


def test_a_field_past_the_csv_limit_costs_its_row_only(tmp_path: Path) -> None:
    from recommender.ingest import parse_tracks_csv

    path = tmp_path / "huge.csv"
    path.write_text("track_id,name,artist,tags\n"
                    "ingest00000000000000011,First,Band,rock\n"
                    f'ingest00000000000000012,"{"x" * 200_000}",Band,rock\n'
                    "ingest00000000000000013,Third,Band,rock\n")
    result = parse_tracks_csv(path)
    assert {t.track_id for t in result.tracks} == {"ingest00000000000000011", "ingest00000000000000013"}
    assert result.errors and "field" in result.errors[0][1]
