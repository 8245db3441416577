"""Static file storage: WhiteNoise's hashed and compressed files after `collectstatic`."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Falls back to the plain name (served by WhiteNoise from the app's directory) when a file
    is not in the manifest: nothing collected yet (tests, development), or a file added by an
    upgrade before `collectstatic` ran again. Manifest storage would fail every page instead,
    the error page included."""

    manifest_strict = False

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        try:
            return super().stored_name(name)
        except ValueError:
            return name
