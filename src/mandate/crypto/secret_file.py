"""The one explicit writer (and its reader) of secret files: a trustee's coefficients and key share, a share sent to
another trustee, the credential authority's key, members' credentials.

A :class:`~mandate.crypto.secrets.Secret` refuses to be printed, pickled or put into JSON; this module is the one
place that reveals secrets to write them, and only into a file that it creates itself with permissions 0600 (read
and write for its owner only), never over a symbolic link. The reader refuses a file that its owner does not own or
that anyone else may read or write, and hands the values back as ``Secret`` values again.

The file is JSON: ``{"mandate_secret": KIND, "public": {...}, "secret": {...}}``. Inside ``secret``, each secret
scalar is written ``{"secret": its kind, "scalar": 64 hex digits}`` (32 bytes little-endian, reduced); anything
else there is ordinary JSON. ``public`` holds what may be shown (the election's hash, a trustee's number).
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from mandate.crypto import group
from mandate.crypto.secrets import Secret

FORMAT_KEY = "mandate_secret"
SECRET_MODE = 0o600


class SecretFileError(ValueError):
    """A secret file that cannot be used: missing, of another kind, unreadable, or readable by others."""


def _encode(value: Any) -> Any:
    if isinstance(value, Secret):
        v = value.reveal()
        if not isinstance(v, int):
            raise TypeError("only secret scalars are written to secret files")
        return {"secret": value.kind, "scalar": group.encode_scalar(v).hex()}
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, str | int | bool):
        return value
    raise TypeError(f"cannot write {type(value).__name__} to a secret file")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secret", "scalar"} and isinstance(value["secret"], str):
            try:
                raw = bytes.fromhex(value["scalar"])
                return Secret(value["secret"], group.decode_scalar(raw))
            except (TypeError, ValueError) as exc:
                raise SecretFileError("a secret value in the file is not a canonical scalar") from exc
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def write_secret_file(path: Path, kind: str, public: dict[str, Any], secret: dict[str, Any], *,
                      replace: bool = False) -> Path:
    """Write a secret file, mode 0600, atomically. Refuses to overwrite an existing file unless ``replace``
    (and never writes through a symbolic link)."""
    path = Path(path)
    if path.is_symlink():
        raise SecretFileError(f"{path} is a symbolic link: a secret file is never written through one")
    if path.exists() and not replace:
        raise SecretFileError(f"{path} exists already: a secret file is never overwritten")
    if not path.parent.is_dir():
        raise SecretFileError(f"the folder {path.parent} does not exist")
    body = json.dumps({FORMAT_KEY: kind, "public": public, "secret": _encode(secret)}, indent=1, sort_keys=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, SECRET_MODE)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(body + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        if not replace and path.exists():
            raise SecretFileError(f"{path} appeared while writing: not overwritten")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_secret_file(path: Path, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(public, secret) of a secret file of this kind; secret scalars come back as ``Secret`` values.

    Refuses (SecretFileError) a missing file, a symbolic link, a file someone other than its owner may read or
    write, a file owned by another user, and a file of another kind."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        raise SecretFileError(f"{path} does not exist") from None
    except OSError as exc:
        raise SecretFileError(f"{path} cannot be opened ({exc.strerror}; a symbolic link is refused)") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise SecretFileError(f"{path} is not a file")
        if st.st_mode & 0o077:
            raise SecretFileError(f"{path} may be read or written by others (mode {st.st_mode & 0o777:o}): "
                                  f"run `chmod 600 {path}` and check that nobody copied it")
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            raise SecretFileError(f"{path} belongs to another user")
        data = fh.read(16 * 1024 * 1024 + 1)
    if len(data) > 16 * 1024 * 1024:
        raise SecretFileError(f"{path} is too large to be a secret file")
    try:
        obj = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise SecretFileError(f"{path} is not a secret file (not JSON)") from None
    if not isinstance(obj, dict) or set(obj) != {FORMAT_KEY, "public", "secret"}:
        raise SecretFileError(f"{path} is not a mandate secret file")
    if obj[FORMAT_KEY] != kind:
        raise SecretFileError(f"{path} holds a {str(obj[FORMAT_KEY])[:40]!r}, not a {kind!r}")
    if not isinstance(obj["public"], dict) or not isinstance(obj["secret"], dict):
        raise SecretFileError(f"{path} is not a mandate secret file")
    return obj["public"], _decode(obj["secret"])
