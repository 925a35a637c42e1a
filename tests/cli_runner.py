"""Run the `suggestify` console script as a user does, with the test app's settings in its environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.app.wiring import App

SCRIPT = str(Path(sys.executable).with_name("suggestify"))


def run(app: App, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **app.settings.to_env()}
    return subprocess.run([SCRIPT, *args], input=stdin, capture_output=True, text=True, env=env, timeout=600)
