#!/usr/bin/env python3
"""The two Quickstart commands, for a fresh machine with Python 3.11+ and nothing else.

    python3 dev.py start   # install into .venv, migrate the SQLite database, load the demo once, serve :8000
    python3 dev.py test    # install (with test tools) and run the whole test suite

Everything the project needs is installed from its own files: Python packages from requirements.lock,
the booth's browser module from package-lock.json, and (when run as root on Debian) the system packages
listed in SYSTEM_PACKAGES. Only the standard library is used here, because nothing else exists yet.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
STAMP = VENV / ".mandate-installed"

# Debian packages: Chromium for the browser tests, libdecaf for the verifier's variable-time arithmetic, Pango
# for WeasyPrint's PDFs, fonts for both. (The verifier benchmark's peer, belenios-tool, is installed by hand:
# see docs/benchmarks.md.)
SYSTEM_PACKAGES = ["chromium", "libdecaf-dev", "libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"]


def say(message: str) -> None:
    print(f"[mandate] {message}", flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path = ROOT) -> None:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env)
    if result.returncode != 0:
        say(f"failed: {' '.join(str(a) for a in args)} (exit {result.returncode})")
        sys.exit(result.returncode)


def install_system_packages() -> None:
    missing = [p for p in SYSTEM_PACKAGES if subprocess.run(
        ["dpkg", "-s", p], capture_output=True).returncode != 0] if shutil.which("dpkg") else []
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        say("please install these system packages, then run again: " + " ".join(missing))
        sys.exit(1)
    say("installing system packages: " + " ".join(missing))
    run("apt-get", "update", "-qq")
    run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})


def lock_digest() -> str:
    digest = hashlib.sha256()
    for name in ("requirements.lock", "pyproject.toml", "package-lock.json"):
        path = ROOT / name
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def install() -> None:
    if sys.version_info < (3, 11):
        say("mandate needs Python 3.11 or newer")
        sys.exit(1)
    install_system_packages()
    if not PY.exists():
        say("creating the virtual environment in .venv")
        run(sys.executable, "-m", "venv", VENV)
    if not (STAMP.exists() and STAMP.read_text() == lock_digest()):
        install_packages()
    build_libdecaf_binding()


def build_libdecaf_binding() -> None:
    """The verifier's variable-time arithmetic (src/mandate/crypto/libdecaf_build.py): compiled in place when
    missing or older than its build script."""
    crypto = ROOT / "src" / "mandate" / "crypto"
    script = crypto / "libdecaf_build.py"
    built = list(crypto.glob("_libdecaf.*.so"))
    if built and all(b.stat().st_mtime >= script.stat().st_mtime for b in built):
        return
    say("compiling the verifier's binding to libdecaf")
    run(PY, "-m", "mandate.crypto.libdecaf_build")


def install_packages() -> None:
    say("installing Python packages from requirements.lock")
    run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "requirements.lock")
    run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "-e", ".")
    if (ROOT / "package.json").exists():
        if shutil.which("npm") is None:
            say("npm is needed to build the voting booth module (install Node.js 18+)")
            sys.exit(1)
        say("installing the booth module's packages from package-lock.json")
        run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
        run("npm", "run", "--silent", "build")
    STAMP.write_text(lock_digest())


def start() -> None:
    os.environ.setdefault("MANDATE_DEMO", "1")  # the demo: two-factor sign-in off, and the sign-in page says so
    install()
    mandate = BIN / "mandate"
    run(mandate, "manage", "migrate", "--no-input", "-v", "0")
    run(mandate, "demo", "--if-empty")
    say("serving on http://127.0.0.1:8000 (Ctrl+C stops it). Demo accounts are listed in README.md.")
    os.execv(str(mandate), [str(mandate), "serve", "--port", "8000"])


def test(extra: list[str]) -> None:
    install()
    # One pytest worker per core (pytest-xdist) unless the caller chose otherwise.
    workers = [] if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in extra) else ["-n", "auto"]
    os.execv(str(PY), [str(PY), "-m", "pytest", *workers, *extra])


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if command == "start":
        start()
    elif command == "test":
        test(sys.argv[2:])
    elif command == "install":
        install()
    else:
        print(__doc__)
        sys.exit(0 if command in {"help", "-h", "--help"} else 2)


if __name__ == "__main__":
    main()
