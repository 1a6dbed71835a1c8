"""The base of every stylisation pass's parameters."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PassParams(BaseModel):
    """Base of every pass's ``Params``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
