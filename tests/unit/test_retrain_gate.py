"""The retrain gate's decision, and a failing scheduled retrain: no training needed."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest

from jobs.pipelines.retrain import (
    TOLERANCE,
    decide,
    register_retrain,
    scheduled_retrain,
    unregister_retrain,
)


@pytest.mark.parametrize(("candidate", "served", "swap"), [
    (0.01, {"version": None}, True),  # nothing served yet
    (0.01, {"version": "v", "score": 0.05, "comparable": False}, True),  # the served score is not honest
    (0.05, {"version": "v", "score": 0.05, "comparable": True}, True),  # no worse
    (0.06, {"version": "v", "score": 0.05, "comparable": True}, True),
    (0.0499, {"version": "v", "score": 0.05, "comparable": True}, False),  # worse, however little
])
def test_gate(candidate: float, served: dict[str, Any], swap: bool) -> None:
    assert TOLERANCE == 0.0
    assert decide(candidate, served)[0] is swap


async def test_a_failing_scheduled_retrain_is_logged_and_never_raises(caplog: pytest.LogCaptureFixture) -> None:
    async def broken() -> dict[str, Any]:
        raise OSError("disk full")

    name = f"t{uuid.uuid4().hex[:6]}"
    register_retrain(name, broken)
    try:
        with caplog.at_level(logging.ERROR):
            assert await scheduled_retrain(name) is None
    finally:
        unregister_retrain(name)
    assert "scheduled retrain failed" in caplog.text and "disk full" in caplog.text
    assert await scheduled_retrain(name) is None  # unregistered: skipped with a warning
