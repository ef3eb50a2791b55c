"""Static files: WhiteNoise's compressed manifest storage, usable before collectstatic has run."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed names once `collectstatic` has written its manifest (as `mandate serve` does at each
    start); plain names before that (the test suite, `mandate serve --dev`), served from the apps' folders."""

    manifest_strict = False

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        return super().stored_name(name)
