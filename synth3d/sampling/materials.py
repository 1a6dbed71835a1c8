"""Material draws: colour, roughness, metallic and texture overrides of an object group, and the
alpha mode of image cards."""

from __future__ import annotations

from ..assets.catalog import AssetEntry, Catalog
from ..spec import ImageAlphaSpec, MaterialSpec
from ..template import schema as S
from .values import choose_weighted, sample_color, sample_float


def _clip01(v):
    return None if v is None else float(min(max(v, 0.0), 1.0))


def sample_material(o: S.ObjectSpec, kind: str, rng, catalog: Catalog) -> MaterialSpec:
    """The material of one instance of group ``o`` (cards are unlit unless ``shading`` says)."""
    m = o.material
    unlit = (o.shading or ("unlit" if kind == "card" else "lit")) == "unlit"
    if m is None:
        return MaterialSpec(unlit=unlit)
    base = sample_color(m.base_color, rng) + [1.0] if m.base_color is not None else None
    rough = sample_float(m.roughness, rng) if m.roughness is not None else None
    metal = sample_float(m.metallic, rng) if m.metallic is not None else None
    tex = None
    if m.texture is not None and rng.random() < m.texture_probability:
        es = catalog.sets[m.texture]
        tex = choose_weighted(es, [e.weight for e in es], rng).path
    # Drawn after the older fields, and only when set: templates without them keep their draws.
    trans = sample_float(m.transmission, rng) if m.transmission is not None else None
    ior = sample_float(m.ior, rng) if m.ior is not None else None
    return MaterialSpec(
        base_color=base,
        roughness=_clip01(rough),
        metallic=_clip01(metal),
        texture=tex,
        keep_texture=m.keep_texture,
        unlit=unlit,
        transmission=_clip01(trans),
        ior=None if ior is None else float(min(max(ior, 1.0), 3.0)),
    )


def sample_card_alpha(
    entry: AssetEntry, set_spec: S.AssetSetSpec, catalog: Catalog
) -> ImageAlphaSpec:
    """How a card's image becomes transparent: its alpha channel, or a chroma key."""
    mode = set_spec.alpha
    if mode == "auto":
        mode = "channel" if catalog.image_info[entry.path].has_alpha else "key"
    from ..spec import MatteSpec

    matte = None if set_spec.matte is None else MatteSpec(**set_spec.matte.model_dump())
    return ImageAlphaSpec(
        mode=mode,
        key_color=list(set_spec.key_color),
        key_threshold=set_spec.key_threshold,
        matte=matte,
    )
