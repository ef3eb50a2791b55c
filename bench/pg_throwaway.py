"""A throwaway PostgreSQL server of its own (initdb in a temporary folder, its own port), for benchmarks and tests
that restart or kill the database: the shared server on 5432 is never touched.

    with ThrowawayPostgres() as pg:
        url = pg.url("mandate")   # postgres://postgres@127.0.0.1:PORT/mandate
        pg.restart()              # a fast shutdown and start, as an operator restarting the service

Needs the PostgreSQL server binaries (Debian's postgresql package, which dev.py installs). Run as root, the
server runs as the `postgres` user (PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _bindir() -> Path:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))  # Debian's, not its pg_wrapper
    if versions:
        return versions[-1].parent
    found = shutil.which("pg_ctl")
    if not found:
        raise RuntimeError("the PostgreSQL server binaries are not installed (apt install postgresql)")
    return Path(found).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayPostgres:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.bin = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix=f"mandate-pg-{self.port}-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self._as, *args], capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise RuntimeError(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    def start(self) -> ThrowawayPostgres:
        if self._as:
            shutil.chown(self.root, "postgres", "postgres")
        if not self.data.exists():
            self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                      "--no-instructions")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200", "start")
        return self

    def restart(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "-t", "60",
                  "restart")

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except subprocess.CalledProcessError:
            pass

    def create_database(self, name: str) -> str:
        self._run(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while subprocess.run([str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)]).returncode:
            if time.monotonic() > deadline:
                raise TimeoutError("the throwaway PostgreSQL did not come back")
            time.sleep(0.2)
