"""Pydantic validation errors as one line naming the YAML path: ``objects[2].scale.max: must be
≥ min``. Used by template loading and by the style-step validation of ``synth3d stylize``."""

from __future__ import annotations

import re

from pydantic import ValidationError

from .distributions import DIST_TAGS

# Tag of a style step in pydantic error locations (see synth3d.template.styles).
STYLE_TAG_PREFIX = "style:"


def format_loc(loc: tuple) -> str:
    """Turn a pydantic error location into a YAML path (``objects[2].scale.max``), dropping the
    distribution tags pydantic inserts for tagged unions."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in DIST_TAGS or str(part).startswith(
            ("function-", "list[", "json-or-python", STYLE_TAG_PREFIX)
        ):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out


def _error_line(err: dict) -> str:
    where = format_loc(tuple(err["loc"]))
    msg = err["msg"]
    if err["type"] == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag")
        expected = err.get("ctx", {}).get("expected_tags", "")
        expected = expected.replace("'const'", "a constant")
        msg = f"unknown distribution {tag!r} (expected {expected})"
    elif err["type"] == "unknown_style":
        name = err["input"].get("pass") if isinstance(err["input"], dict) else None
        known = err.get("ctx", {}).get("known", "")
        where = f"{where}.pass" if where else "pass"
        msg = (
            f"unknown pass {name!r} (known: {known})"
            if name is not None
            else f"required field is missing (one of: {known})"
        )
    elif err["type"] == "extra_forbidden":
        msg = "unknown field"
    elif err["type"] == "missing":
        msg = "required field is missing"
    elif err["type"] == "finite_number":
        msg = f"must be a finite number (got {err.get('input')!r})"
    elif err["type"] == "literal_error":
        msg = f"{msg} (got {err.get('input')!r})"
    msg = re.sub(r"^(Value error|Assertion failed), ", "", msg)
    # Errors raised by cross-field validators already carry their own path.
    if re.match(r"^[\w\[\].]+: ", msg) and not where:
        return msg
    return f"{where}: {msg}" if where else msg


def validation_error_line(exc: ValidationError, prefix: str = "") -> str:
    """One line describing the first error of a pydantic ValidationError (plus a count of the rest)."""
    errors = exc.errors()
    line = _error_line(errors[0])
    if prefix:
        line = f"{prefix}: {line}"
    if len(errors) > 1:
        line += f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
    return line
