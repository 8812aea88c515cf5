"""The Teams app package: manifest template, icons, and the build that zips them for upload."""

from manifest.build import build_package, render_manifest
from manifest.options import ManifestError, ManifestOptions

__all__ = ["ManifestError", "ManifestOptions", "build_package", "render_manifest"]
