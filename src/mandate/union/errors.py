"""The union wing's one refusal: a step that cannot be taken now, its message saying why in plain words."""

from __future__ import annotations


class BallotError(ValueError):
    """A step that cannot be taken now; the message says why, in plain words."""
