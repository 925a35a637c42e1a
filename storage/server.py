"""An embedded MongoDB-protocol server (secantusdb) for running without MONGO_URI.

The server runs as a child process on a free loopback port with its data under
a directory that survives restarts, so a local user keeps their sessions.
"""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from pymongo import MongoClient
from pymongo.errors import PyMongoError

log = logging.getLogger(__name__)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_command() -> str:
    # Prefer the script next to the running interpreter (the venv), then PATH.
    beside = Path(sys.executable).with_name("secantusd-py")
    if beside.exists():
        return str(beside)
    found = shutil.which("secantusd-py")
    if not found:
        raise RuntimeError("secantusd-py not found: install secantusdb or set MONGO_URI")
    return found


class EmbeddedMongo:
    """Start `secantusd-py` on 127.0.0.1, wait until it answers ping, stop it on exit."""

    # WiredTiger cannot evict a transaction's uncommitted writes: a smaller cache wedged the whole server
    # (every thread stuck in eviction) while a model's GridFS chunks went in beside other writers.
    def __init__(self, data_dir: Path, *, cache_size: str = "1G", start_timeout: float = 30.0) -> None:
        self.data_dir = Path(data_dir)
        self.cache_size = cache_size
        self.start_timeout = start_timeout
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        # No retryable writes: the embedded server scans every write it remembers (up to 10,000, for 30 minutes)
        # on each new one, so a turn's writes slowed from ~1 to ~7 ms as a session went on. Retries guard against
        # a failover, which one local process never has; a MONGO_URI deployment keeps the driver's default.
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true&retryWrites=false"

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> str:
        """Start the server; a restart keeps its port, so clients reconnect to the same address."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or _free_port()
        log_path = self.data_dir.parent / "secantusd.log"
        cmd = [
            _server_command(),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--storage-path", str(self.data_dir),
            "--cache-size", self.cache_size,
            "--log-level", "WARNING",
        ]
        with open(log_path, "ab") as out:
            # Own process group: a Ctrl-C in the console must not kill the
            # database before the bot has flushed its sessions.
            self._proc = subprocess.Popen(cmd, stdout=out, stderr=out, start_new_session=True)
        self._wait_ready(log_path)
        log.info("embedded database ready on 127.0.0.1:%d (data in %s)", self.port, self.data_dir)
        return self.uri

    def _wait_ready(self, log_path: Path) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:] if log_path.exists() else ""
                raise RuntimeError(f"embedded database exited with {self._proc.returncode}:\n{tail}")
            try:
                with MongoClient(self.uri, serverSelectionTimeoutMS=300) as client:
                    client.admin.command("ping")
                return
            except PyMongoError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"embedded database did not answer within {self.start_timeout:.0f}s")

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)  # lets WiredTiger checkpoint and close cleanly
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            log.warning("embedded database did not stop in time; killing it")
            proc.kill()
            proc.wait()

    def __enter__(self) -> "EmbeddedMongo":
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

