"""Template side of the stylisation passes: ``post.styles`` steps.

Each pass's ``Params`` (concrete values, see :mod:`synth3d.post.styles.base`) is turned into a
template model whose fields take distributions: numbers a constant or any scalar distribution
(:data:`~synth3d.template.distributions.FloatDist` / ``IntDist``), categorical and other values a
constant or a weighted ``choice``. The pass's own field constraints (``ge``, ``le`` …) become range
checks on every value a distribution can draw, so a template is refused at load, with the YAML
path, before anything renders. The steps form a discriminated union on ``pass``.
"""

from __future__ import annotations

import types
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from .distributions import Choice, FloatDist, IntDist, Model, check_range, dist_tag
from .messages import STYLE_TAG_PREFIX, validation_error_line
from .style_params import get, names

TAG_PREFIX = STYLE_TAG_PREFIX
"""Prefix of the union tags of style steps (dropped from error paths)."""

NoneType = type(None)


class StyleStepBase(Model):
    """Common fields of a ``post.styles`` step (``pass`` and ``params`` are per pass)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_default=True,
        populate_by_name=True,
        allow_inf_nan=False,
    )

    p: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Probability that the step applies to a frame "
        "(drawn per frame; the SceneSpec records whether it did).",
    )


def _range_of(metadata) -> dict[str, float]:
    out: dict[str, float] = {}
    for m in metadata:
        for key in ("ge", "gt", "le", "lt"):
            v = getattr(m, key, None)
            if v is not None:
                out[key] = v
    return out


def range_text(metadata) -> str:
    """``≥ 2``, ``in [0, 1]`` … of a field's constraints ('' when unconstrained)."""
    r = _range_of(metadata)
    lo = ("≥", r["ge"]) if "ge" in r else ((">", r["gt"]) if "gt" in r else None)
    hi = ("≤", r["le"]) if "le" in r else (("<", r["lt"]) if "lt" in r else None)
    if lo and hi:
        return (
            f"in {'[' if lo[0] == '≥' else '('}{lo[1]:g}, {hi[1]:g}{']' if hi[0] == '≤' else ')'}"
        )
    if lo:
        return f"{lo[0]} {lo[1]:g}"
    if hi:
        return f"{hi[0]} {hi[1]:g}"
    return ""


def _range_validator(metadata):
    r = _range_of(metadata)
    lo = r.get("ge", r.get("gt"))
    hi = r.get("le", r.get("lt"))

    def check(v):
        return check_range(v, lo, hi, lo_open="gt" in r, hi_open="lt" in r)

    return check


def _choice_of(check, what: str, name: str) -> type:
    """A ``choice`` distribution whose values must each pass ``check``."""

    def _items(self):
        for i, v in enumerate(self.values):
            try:
                check(v)
            except (ValueError, ValidationError) as e:
                msg = e.errors()[0]["msg"] if isinstance(e, ValidationError) else str(e)
                raise ValueError(f"values[{i}]: {msg}") from None
        return self

    return create_model(
        name,
        __base__=Choice,
        __doc__=f"A choice among {what}.",
        __validators__={"_items": model_validator(mode="after")(_items)},
    )


def _const_checker(annotation, metadata) -> Any:
    ta = TypeAdapter(Annotated[(annotation, *metadata)] if metadata else annotation)
    return lambda v: ta.validate_python(v, strict=isinstance(v, bool) or None)


def _with_choice(const_type, choice_cls) -> Any:
    return Annotated[
        Annotated[const_type, Tag("const")] | Annotated[choice_cls, Tag("choice")],
        Discriminator(dist_tag),
    ]


def template_field(pass_name: str, name: str, finfo) -> tuple[Any, Any, list]:
    """(annotation, default, validators) of the template form of one ``Params`` field."""
    ann, meta = finfo.annotation, list(finfo.metadata)
    optional = False
    if get_origin(ann) in (Union, types.UnionType) and NoneType in get_args(ann):
        rest = [a for a in get_args(ann) if a is not NoneType]
        if len(rest) == 1:
            ann, optional = rest[0], True
    validators: list = []
    if ann is float:
        tp: Any = FloatDist
        validators.append(_range_validator(meta))
    elif ann is int:
        tp = IntDist
        validators.append(_range_validator(meta))
    else:
        if get_origin(ann) is Literal:
            allowed = get_args(ann)
            what = ", ".join(repr(a) for a in allowed)

            def check(v, allowed=allowed, what=what):
                if v not in allowed or isinstance(v, bool) != isinstance(allowed[0], bool):
                    raise ValueError(f"expected one of {what}, got {v!r}")
                return v

            what_doc = "the values " + ", ".join(f"`{a}`" for a in allowed)
        else:
            check = _const_checker(ann, meta)
            what_doc = "constants of the field's type"
        choice = _choice_of(
            check, what_doc, f"{pass_name.title()}{name.title().replace('_', '')}Choice"
        )
        const = Annotated[(ann, *meta)] if meta and get_origin(ann) is not Literal else ann
        tp = _with_choice(const, choice)
    if optional:
        tp = Union[tp, None]  # noqa: UP007 — built at run time from a type object
    return tp, finfo.get_default(call_default_factory=True), validators


def _is_const(v) -> bool:
    return not isinstance(v, Model)


@cache
def step_model(pass_name: str) -> type:
    """The template model of one pass's steps: ``{pass: NAME, p, params: {...}}``."""
    mod = get(pass_name)
    P = mod.Params
    fields: dict[str, Any] = {}
    validators: dict[str, Any] = {}
    for name, finfo in P.model_fields.items():
        tp, default, checks = template_field(pass_name, name, finfo)
        desc = finfo.description or ""
        rng = range_text(finfo.metadata)
        if rng and "range" not in desc.lower():
            desc = (desc + " " if desc else "") + f"Range: {rng}."
        fields[name] = (tp, Field(default, description=desc))
        for j, chk in enumerate(checks):
            validators[f"_check_{name}_{j}"] = field_validator(name)(
                classmethod(lambda cls, v, chk=chk: chk(v))
            )

    def _concrete(self):
        # All constants: the pass's own (cross-field) validation runs now, not at the first frame.
        data = {k: getattr(self, k) for k in P.model_fields}
        if all(_is_const(v) for v in data.values()):
            try:
                P.model_validate(data)
            except ValidationError as e:
                err = e.errors()[0]
                where = ".".join(str(x) for x in err["loc"])
                msg = err["msg"].removeprefix("Value error, ")
                raise ValueError(f"{where}: {msg}" if where else msg) from None
        return self

    doc = (mod.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
    params = create_model(
        f"{pass_name.title()}StyleParams",
        __base__=Model,
        __doc__=f"Parameters of the `{pass_name}` pass (each a constant or a distribution).",
        __validators__={**validators, "_concrete": model_validator(mode="after")(_concrete)},
        **fields,
    )
    step = create_model(
        f"{pass_name.title()}Style",
        __base__=StyleStepBase,
        __doc__=doc or f"The `{pass_name}` pass.",
        pass_=(Literal[pass_name], Field(alias="pass", description="The pass.")),
        params=(params, Field(default_factory=params, description="The pass's parameters.")),
    )
    step.__module__ = __name__
    params.__module__ = __name__
    return step


def _step_tag(v: Any) -> str | None:
    if isinstance(v, dict):
        name = v.get("pass")
        return f"{TAG_PREFIX}{name}" if isinstance(name, str) else None
    name = getattr(v, "pass_", None)
    return f"{TAG_PREFIX}{name}" if name else None


def _step_input(v: Any) -> Any:
    if isinstance(v, str):  # `- sketch` is short for `- {pass: sketch}`
        return {"pass": v}
    return v


@cache
def step_union() -> Any:
    """The annotation of one ``post.styles`` item: a union of the passes' step models."""
    known = names()
    if not known:
        return Annotated[StyleStepBase, BeforeValidator(_step_input)]
    members = tuple(Annotated[step_model(n), Tag(f"{TAG_PREFIX}{n}")] for n in known)
    return Annotated[
        Union[members] if len(members) > 1 else members[0],  # noqa: UP007 — a tuple of types
        Discriminator(
            _step_tag,
            custom_error_type="unknown_style",
            custom_error_message=f"unknown pass (known: {', '.join(known)})",
            custom_error_context={"known": ", ".join(known)},
        ),
        BeforeValidator(_step_input),
    ]


def validate_steps(data: Any, label: str = "styles") -> list:
    """Validate a list of steps given as plain data (``synth3d stylize`` presets); raises
    :class:`~synth3d.errors.TemplateError` with the path of the first problem."""
    from ..errors import TemplateError

    try:
        return TypeAdapter(list[step_union()]).validate_python(data)
    except ValidationError as e:
        line = validation_error_line(e)
        raise TemplateError(label, "styles" + line if line.startswith("[") else line) from None
