"""A DATABASE_URL that cannot be reached fails at start with one clear line naming the host."""

from __future__ import annotations

import os
import subprocess
import sys


def test_unreachable_database_is_one_clear_line(tmp_path) -> None:
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere", "MANDATE_DATA_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "mandate.cli", "manage", "migrate"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mandate: cannot reach the database at 127.0.0.1:1")
    assert "Traceback" not in result.stderr
