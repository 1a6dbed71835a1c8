"""Format ``mot``: MOT Challenge folders of a sequence dataset (see :mod:`.tracks`)."""

from __future__ import annotations

from .tracks import write_mot as write  # noqa: F401
