"""Typed secret values: secret keys, key shares, encryption nonces, credentials' signing keys.

A :class:`Secret` prints as ``Secret(<kind>, redacted)``, refuses to be pickled, copied into JSON or formatted,
and hands out its value only through :meth:`Secret.reveal`, so a secret cannot reach a log or a published
record by accident. Fresh secret scalars come from the operating system's CSPRNG (Python's ``secrets``).
"""

from __future__ import annotations

import secrets as _stdlib_secrets
from typing import Any, NoReturn

from mandate.crypto.group import ORDER


class SecretLeakError(TypeError):
    """Raised when code tries to serialise or format a secret."""


class Secret:
    """A secret scalar (or bytes) that cannot be serialised or logged."""

    __slots__ = ("_kind", "_value")
    _kind: str
    _value: int | bytes

    def __init__(self, kind: str, value: int | bytes) -> None:
        object.__setattr__(self, "_kind", kind)
        object.__setattr__(self, "_value", value)

    @property
    def kind(self) -> str:
        return self._kind

    def reveal(self) -> Any:
        """The secret value itself: call only where the value is used in a computation."""
        return self._value

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("a Secret is immutable")

    def __repr__(self) -> str:
        return f"Secret({self._kind}, redacted)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return self._kind == other._kind and _stdlib_secrets.compare_digest(
            _as_bytes(self._value), _as_bytes(other._value)
        )

    def __hash__(self) -> int:
        raise TypeError("a Secret is not hashable")

    def __reduce__(self) -> NoReturn:
        raise SecretLeakError(f"refusing to pickle a secret ({self._kind})")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise SecretLeakError(f"refusing to pickle a secret ({self._kind})")

    def __getstate__(self) -> NoReturn:
        raise SecretLeakError(f"refusing to serialise a secret ({self._kind})")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Secret:
        return self

    def __bool__(self) -> bool:
        return True


def _as_bytes(v: int | bytes) -> bytes:
    return v if isinstance(v, bytes) else v.to_bytes(64, "little")


def random_secret_scalar(kind: str) -> Secret:
    """A fresh uniformly random non-zero secret scalar from the OS CSPRNG."""
    while True:
        k = int.from_bytes(_stdlib_secrets.token_bytes(64), "little") % ORDER
        if k:
            return Secret(kind, k)
