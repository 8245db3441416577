"""Static file storage: WhiteNoise's hashed and compressed files after `collectstatic`."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    # Without a manifest (nothing collected yet) templates get the plain names, which WhiteNoise
    # then serves from the apps' directories, instead of every page failing.
    manifest_strict = False

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        return super().stored_name(name)
