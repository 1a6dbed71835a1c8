"""The style chain of a ``synth3d stylize`` run: ``--style``/``--set``/``--p`` to validated
steps, the concrete steps of each stylisation (variant) of a frame, and the manifest keys of the
extra files a run writes. Shared by dataset and photo stylisation (:mod:`.stylize`,
:mod:`.photos`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from ..errors import AssetError, Synth3dError, TemplateError

STREAM_PREFIX = "stylize"


def _rewrite_where(err, old: str, new: str):
    where = err.where.replace(old, new, 1) if err.where.startswith(old) else err.where
    return type(err)(where, err.message)


def load_chain(
    style: str, sets: Iterable[str] = (), p: float | None = None
) -> tuple[list, list[dict], Path]:
    """The validated steps of ``--style`` (a pass name, or a YAML file holding ``styles:``),
    with ``--set`` and ``--p`` applied.

    Returns (template step models, the steps as plain data, folder for relative paths).
    Raises TemplateError / AssetError (one line naming the option or the YAML path).
    """
    from ..post.styles import names
    from ..sampling.styles import check_style_assets
    from ..template.loading import apply_override, parse_override, safe_load_unique
    from ..template.styles import validate_steps

    sets = list(sets)
    known = names()
    path = Path(style)
    is_file = style not in known and (path.suffix.lower() in (".yaml", ".yml") or path.is_file())
    if is_file:
        if not path.is_file():
            raise TemplateError(
                "--style",
                f"'{style}' not found (a pass — {', '.join(known)} — "
                "or a YAML file with a styles: list)",
            )
        if p is not None:
            raise TemplateError("--p", "applies to a single pass; give each step's p in the file")
        try:
            data = safe_load_unique(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problem = getattr(e, "problem", None) or e.__class__.__name__
            raise TemplateError(style, f"invalid YAML: {at}{problem}") from None
        except (OSError, UnicodeDecodeError) as e:
            raise TemplateError(style, f"cannot read ({e.__class__.__name__})") from None
        if not isinstance(data, dict) or not isinstance(data.get("styles"), list):
            raise TemplateError(style, "expected a mapping with a `styles:` list")
        extra = sorted(set(data) - {"styles"})
        if extra:
            raise TemplateError(f"{style}: {extra[0]}", "unknown field (only `styles:`)")
        for text in sets:
            key, value = parse_override(text)
            apply_override(data, key, value)
        raw = data["styles"]
        steps = validate_steps(raw, style)
        root = path.resolve().parent
        check_style_assets(steps, root, "styles")
        return steps, raw, root

    if style not in known:
        raise TemplateError(
            "--style",
            f"unknown style '{style}' (known: {', '.join(known)}; "
            "or a YAML file with a styles: list)",
        )
    params: dict = {}
    for text in sets:
        key, value = parse_override(text)
        if len(key) != 1 or not isinstance(key[0], str):
            raise TemplateError("--set", f"expected PARAM=VALUE for the {style} pass, got {text!r}")
        params[key[0]] = value
    raw_step: dict = {"pass": style, "params": params}
    if p is not None:
        raw_step["p"] = p
    try:
        steps = validate_steps([raw_step], "styles")
    except TemplateError as e:
        msg = e.message
        for old, new in (
            ("styles[0].params.", "--set "),
            ("styles[0].p:", "--p:"),
            ("styles[0].pass:", "--style:"),
        ):
            if msg.startswith(old):
                msg = new + msg[len(old) :]
        raise TemplateError("", msg) from None
    root = Path.cwd()
    try:
        check_style_assets(steps, root, "styles")
    except AssetError as e:
        raise _rewrite_where(e, "styles[0].params.", "--set ") from None
    return steps, [raw_step], root


def variant_prefix(variant: int) -> str:
    """Stream-name prefix of stylisation ``variant`` of a frame (variant 0: ``stylize``, so a
    one-variant run draws what it always drew; variant K: ``stylize/vK``)."""
    return STREAM_PREFIX if variant == 0 else f"{STREAM_PREFIX}/v{variant}"


def draw_chain(steps: list, seed: int, index: int, root: Path, variant: int = 0) -> list:
    """The concrete steps of one stylisation (``variant``) of frame ``index``."""
    from ..sampling.rng import stream
    from ..sampling.styles import sample_styles

    return sample_styles(
        steps,
        lambda name: stream(seed, index, name),
        root,
        prefix=variant_prefix(variant),
        where="styles",
    )


def check_variants(variants: int, pairs) -> int:
    """``--variants`` checked: ≥ 1, and > 1 only when a pair side is the styled image."""
    if not isinstance(variants, int) or variants < 1 or variants > 1000:
        raise Synth3dError("--variants", f"expected a whole number in 1..1000, got {variants!r}")
    if variants > 1 and pairs is not None and "styled" not in (pairs.a, pairs.b):
        raise Synth3dError(
            "--variants",
            "several stylisations need `styled` as --a or --b "
            "(otherwise every variant gives the same pair)",
        )
    return variants


def file_key(rel: str) -> str:
    """Manifest key of an extra file: ``styles:<suffix>``, ``variant:<K>.<ext>``,
    ``pairs:<split>/<name>``."""
    top, rest = rel.split("/", 1)
    if top == "styles":
        return "styles:" + rest.split(".", 1)[1]
    if top == "variants":
        return "variant:" + rest.split(".", 1)[1]
    return f"{top}:{rest}"
