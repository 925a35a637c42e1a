"""What the offline pipelines read from the app's settings: an interface, so jobs never import the composition
root (its `Settings` has all of these)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class PipelineSettings(Protocol):
    @property
    def home(self) -> Path: ...  # models/ lives under it

    @property
    def data_dir(self) -> Path: ...  # the shipped datasets

    @property
    def catalog_dir(self) -> Path: ...  # the built catalog and index

    @property
    def inbox_dir(self) -> Path: ...  # new track files to ingest

    @property
    def encoder(self) -> str: ...  # the sentence-transformers model name

    @property
    def train_epochs(self) -> int: ...

    @property
    def quick_start_epochs(self) -> int: ...  # a first start serves a model this quick while the full one trains

    @property
    def models_in_database(self) -> bool: ...  # published versions shared through MongoDB (several machines)

    @property
    def model_poll_seconds(self) -> float: ...  # how often a waiting machine looks for a published version
