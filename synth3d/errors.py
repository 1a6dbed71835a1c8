"""User-facing errors.

Every mistake a user can make (a template field, a missing asset, an impossible placement) raises a
:class:`Synth3dError` whose message names the place: a YAML path such as ``objects[2].scale.max`` or a
file. The CLI prints ``str(err)`` on one line and exits non-zero.
"""

from __future__ import annotations


class Synth3dError(Exception):
    """Base class of errors caused by user input, printed as one line by the CLI."""

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}" if where else message)


class TemplateError(Synth3dError):
    """The template is not valid YAML or does not match the schema."""


class AssetError(Synth3dError):
    """A referenced asset is missing, unreadable or corrupt."""


class PlacementError(Synth3dError):
    """A placement constraint could not be satisfied within the allowed attempts."""


class LayoutFailed(PlacementError):
    """One layout attempt of a frame failed (no collision-free start, an object off its
    support or region, a pile not at rest in time); the template's ``failure`` policy decides
    what follows."""


class FrameSkipped(PlacementError):
    """Every layout attempt of a frame failed and the ``failure`` policy skips the frame
    (``attempts``: layouts tried). Runs record the skip and go on."""

    def __init__(self, where: str, message: str, attempts: int = 1):
        self.attempts = attempts
        super().__init__(where, message)


class RenderError(Synth3dError):
    """The GL stack could not be set up or a frame could not be rendered."""


class DatasetError(Synth3dError):
    """An output folder is unusable (written by another template, unwritable, inconsistent)."""


class AssetWarning(UserWarning):
    """An asset loads but not entirely (a missing texture, a skipped bad file); the CLI prints
    it as one ``warning:`` line."""
