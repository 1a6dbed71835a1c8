"""Fault injection for the scale-out tests, read from one environment variable in one place.

``SYNTH3D_TEST_FAULT=KIND:FRAME:MARKER`` makes the process rendering frame FRAME fail once —
``exit`` dies at once (as a GL crash or the OOM killer would), ``raise`` raises RuntimeError — and
creates the file MARKER so that the retry succeeds. Unset (always, outside the tests) there is no
hook and nothing runs per frame.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

ENV = "SYNTH3D_TEST_FAULT"


def fault_hook() -> Callable[[int], None] | None:
    """The hook to call as each frame starts, or None when no fault is asked for."""
    text = os.environ.get(ENV)
    if not text:
        return None
    kind, frame, marker = text.split(":", 2)

    def hook(index: int) -> None:
        if int(frame) != index or os.path.exists(marker):
            return
        Path(marker).touch()
        if kind == "exit":
            os._exit(70)
        raise RuntimeError(f"injected fault at frame {index}")

    return hook
