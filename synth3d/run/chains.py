"""The style chain of a ``synth3d stylize`` run: ``--style``/``--set``/``--p`` to validated
steps, the concrete steps of each stylisation (variant) of a frame, and the manifest keys of the
extra files a run writes. Shared by dataset and photo stylisation (:mod:`.stylize`,
:mod:`.photos`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import AssetError, DatasetError, Synth3dError, TemplateError

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


@dataclass(frozen=True)
class StylizeOptions:
    """What a ``synth3d stylize`` run does to every image, whatever the source (a synth3d dataset
    or ordinary photos).

    Attributes
    ----------
    style : str
        A pass name, or a YAML file with a ``styles:`` list.
    sets : tuple of str
        ``PARAM=VALUE`` strings (YAML values, so distributions work); with a YAML chain, paths
        such as ``styles[1].params.levels=4``.
    p : float or None
        Probability that a single pass applies.
    seed : int
        Seed of the drawn parameters (image i's are drawn from (seed, i)).
    variants : int
        Stylisations per image, each with its own drawn parameters.
    pairs : PairOptions or None
        Image-to-image pairs to write (:mod:`synth3d.run.pairs`).
    asset_roots : dict or None
        A relocation of a dataset's asset roots (``--asset-root``).
    """

    style: str
    sets: tuple[str, ...] = ()
    p: float | None = None
    seed: int = 0
    variants: int = 1
    pairs: object = None
    asset_roots: dict | None = None

    def __post_init__(self):
        object.__setattr__(self, "sets", tuple(self.sets or ()))

    def chain(self) -> tuple[list, list[dict], Path]:
        """The checked seed, variants and chain: (step models, steps as plain data, folder for
        relative paths), as :func:`load_chain`."""
        if int(self.seed) < 0:
            raise TemplateError("--seed", f"must be ≥ 0, got {self.seed}")
        steps, raw, root = load_chain(self.style, self.sets, self.p)
        check_variants(self.variants, self.pairs)
        return steps, raw, root

    def record(self, raw: list[dict], **source) -> dict:
        """This run's entry in ``dataset.json``'s ``stylize`` list (``source``: what it read)."""
        rec = {**source, "styles": raw, "seed": int(self.seed)}
        if self.variants > 1:
            rec["variants"] = self.variants
        if self.pairs is not None:
            rec["pairs"] = self.pairs.record()
        return rec


def check_same_run(out: Path, stylize: list, source_words: str) -> bool:
    """Whether ``out`` already holds this run (to resume); False when it holds no dataset.
    DatasetError when its ``dataset.json`` is unreadable or records another run."""
    meta = out / "dataset.json"
    if not meta.exists():
        return False
    try:
        old = json.loads(meta.read_text())
    except (OSError, json.JSONDecodeError):
        raise DatasetError(str(meta), "exists but is not valid JSON; use a new folder") from None
    if old.get("stylize") != stylize:
        raise DatasetError(
            str(out),
            f"holds a dataset stylised from {source_words}, chain or seed; use a new folder "
            "(or the same command to resume)",
        )
    return True


def draw_first_chains(steps: list, seed: int, root: Path, indices, variants: int) -> None:
    """Draw the chains of the first 64 of ``indices`` (every variant) now, so a combination a
    pass refuses fails before anything is written."""
    for i in list(indices)[:64]:
        for k in range(variants):
            draw_chain(steps, seed, i, root, k)
