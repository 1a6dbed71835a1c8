"""The base of every stylisation pass's parameters."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class PassParams(BaseModel):
    """Base of every pass's ``Params`` (numbers must be finite)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
