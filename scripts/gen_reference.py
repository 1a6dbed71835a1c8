#!/usr/bin/env python
"""Generate ``docs/template-reference.md`` from the template schema.

The reference is written by walking the pydantic models in :mod:`synth3d.template.schema` and the
distribution types in :mod:`synth3d.template.distributions` (fields, annotations, constraints,
defaults, descriptions and docstrings), so it cannot drift from the code: a test runs this script
with ``--check``.

Usage::

    python scripts/gen_reference.py              # (re)write docs/template-reference.md
    python scripts/gen_reference.py --check      # exit 1 if the file is out of date
    python scripts/gen_reference.py --stdout     # print instead of writing
    python scripts/gen_reference.py --undocumented   # list fields/models lacking descriptions
"""

from __future__ import annotations

import argparse
import ast
import inspect
import json
import re
import sys
import textwrap
import types
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from pydantic import BaseModel, TypeAdapter  # noqa: E402
from pydantic.fields import FieldInfo  # noqa: E402
from pydantic.functional_validators import BeforeValidator  # noqa: E402

from synth3d.template import distributions as D  # noqa: E402
from synth3d.template import schema as S  # noqa: E402

OUT = ROOT / "docs" / "template-reference.md"
GENERATOR = "python scripts/gen_reference.py"

HEADER = f"""\
# Scene template reference

<!-- GENERATED FILE: do not edit by hand. Regenerate with `{GENERATOR}`. -->

*This file is generated from the template schema (`synth3d/template/schema.py` and
`synth3d/template/distributions.py`) by `{GENERATOR}` and must not be edited by hand;
a test fails when it is out of date.*

A template is a YAML file describing a *distribution* of scenes. Conventions: lengths in
**metres**, **z up**; angles in **degrees** (keys ending in `_deg`); colours are sRGB in 0..1
(`[r, g, b]`, as colour pickers show) or `"#rrggbb"`; relative asset paths resolve against
`asset_root` (itself relative to the template file). Unknown keys are errors. Any field can be
overridden on the command line with `--set path.to.field=VALUE` (list items as `objects[0].scale`),
where VALUE is parsed as YAML (`3`, `[1, 2]`, `{{dist: uniform, min: 0, max: 1}}`).
`synth3d schema` prints the JSON Schema of templates, for editor completion and validation.

Fields whose type says "or distribution" take either a constant or a mapping with a `dist:` key;
see [Distributions](#distributions).
"""

# Nouns for the constant form of each distribution alias, where the constant's type alone (a list of
# three numbers) does not say what it means.
ALIAS_NOUN = {"RotationDist": "rotation", "ColorDist": "colour"}

# One constant example per distribution alias (validated against the alias when generating).
CONST_EXAMPLES: dict[str, list[Any]] = {
    "FloatDist": [0.5],
    "IntDist": [3],
    "Vec3Dist": [[0.0, 0.0, 1.0]],
    "Vec2Dist": [[0.5, 0.5]],
    "RotationDist": [[0.0, 0.0, 90.0]],
    "ColorDist": [[1.0, 0.5, 0.0], "#ff8800"],
}

# One example per distribution class: (YAML key, alias, value). The key must be a template field of
# that alias type and the value must validate; both are checked when generating.
DIST_EXAMPLES: dict[str, tuple[str, str, dict]] = {
    "UniformScalar": ("scale", "FloatDist", {"dist": "uniform", "min": 0.8, "max": 1.2}),
    "NormalScalar": (
        "distance",
        "FloatDist",
        {"dist": "normal", "mean": 2.0, "std": 0.3, "min": 1.0, "max": 3.0},
    ),
    "RandInt": ("count", "IntDist", {"dist": "randint", "min": 1, "max": 4}),
    "Choice": (
        "scale",
        "FloatDist",
        {"dist": "choice", "values": [0.5, 1.0, 2.0], "weights": [1, 2, 1]},
    ),
    "UniformVec3": (
        "position",
        "Vec3Dist",
        {"dist": "uniform", "min": [-0.5, -0.5, 0], "max": [0.5, 0.5, 0]},
    ),
    "UniformVec2": ("point", "Vec2Dist", {"dist": "uniform", "min": [0.2, 0.2], "max": [0.8, 0.8]}),
    "NormalVec3": ("target", "Vec3Dist", {"dist": "normal", "mean": [0, 0, 0.1], "std": 0.05}),
    "NormalVec2": (
        "point",
        "Vec2Dist",
        {"dist": "normal", "mean": [0.5, 0.5], "std": [0.1, 0.05], "min": [0, 0], "max": [1, 1]},
    ),
    "SphereDir": ("offset", "Vec3Dist", {"dist": "sphere", "radius": [1.0, 2.0]}),
    "HemisphereDir": ("direction", "Vec3Dist", {"dist": "hemisphere", "axis": [0, 0, 1]}),
    "ConeDir": (
        "offset",
        "Vec3Dist",
        {
            "dist": "cone",
            "axis": [0, 0, 1],
            "angle_deg": 70,
            "min_angle_deg": 20,
            "radius": [1.0, 2.0],
        },
    ),
    "SO3": ("rotation", "RotationDist", {"dist": "so3"}),
    "AxisAngle": (
        "rotation",
        "RotationDist",
        {
            "dist": "axis_angle",
            "axis": [0, 0, 1],
            "angle_deg": {"dist": "uniform", "min": 0, "max": 360},
        },
    ),
    "HSV": ("color", "ColorDist", {"dist": "hsv", "h": [0, 360], "s": [0.3, 0.8], "v": [0.5, 1.0]}),
}

NoneType = type(None)


# ---------------------------------------------------------------------------------------------
# Small helpers


def anchor(name: str) -> str:
    """GitHub-style anchor of a heading that is a plain identifier."""
    return "#" + name.lower()


def link(name: str) -> str:
    return f"[{name}]({anchor(name)})"


def rst_to_md(text: str) -> str:
    """Docstrings use reST inline markup; turn it into Markdown."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def rst_blocks_to_md(text: str) -> str:
    """Turn reST literal blocks (a paragraph ending in ``::`` followed by an indented block) into
    fenced YAML blocks."""
    paras = text.split("\n\n")
    out = []
    fence_next = False
    for p in paras:
        if fence_next and p.startswith(" "):
            out.append("```yaml\n" + textwrap.dedent(p) + "\n```")
            fence_next = False
            continue
        fence_next = p.rstrip().endswith("::")
        out.append(p.rstrip()[:-1] if fence_next else p)
    return "\n\n".join(out)


def own_doc(obj: Any) -> str:
    doc = obj.__dict__.get("__doc__") if isinstance(obj, type) else getattr(obj, "__doc__", None)
    return rst_to_md(inspect.cleandoc(doc)) if doc else ""


def first_sentence(text: str) -> str:
    para = text.split("\n\n")[0].replace("\n", " ")
    m = re.match(r"(.+?[.!?])(\s|$)", para)
    return m.group(1) if m else para


def model_data(v: BaseModel) -> dict:
    """A model instance as plain data: only the fields that differ from a default-constructed
    instance (so a model holding only defaults is `{}`); distributions in full."""
    try:
        base = type(v)()
    except Exception:  # required fields (e.g. distributions): show every field
        base = None
    out = {}
    for name in type(v).model_fields:
        x = getattr(v, name)
        if base is None or x != getattr(base, name):
            out[name] = model_data(x) if isinstance(x, BaseModel) else x
    return out


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")


def flow(v: Any) -> str:
    """Compact YAML flow rendering (also valid JSON for numbers/lists without strings)."""
    if isinstance(v, BaseModel):
        return flow(model_data(v))
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        if _PLAIN.match(v) and yaml.safe_load(v) == v:
            return v
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dict):
        return "{" + ", ".join(f"{flow(k)}: {flow(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(flow(x) for x in v) + "]"
    raise TypeError(f"cannot render default {v!r}")


def cell(text: str) -> str:
    return text.replace("\n", " ").replace("|", "\\|").strip()


def join_or(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " or " + parts[-1]


# ---------------------------------------------------------------------------------------------
# Distribution aliases (FloatDist, ...): found in the distributions module, in source order.


def _is_dist_alias(obj: Any) -> bool:
    if get_origin(obj) is not Annotated:
        return False
    inner, *meta = get_args(obj)
    return get_origin(inner) is Union and any(type(m).__name__ == "Discriminator" for m in meta)


def _source_order(module) -> dict[str, int]:
    tree = ast.parse(inspect.getsource(module))
    order = {}
    for i, node in enumerate(tree.body):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    order.setdefault(t.id, i)
        elif isinstance(node, (ast.ClassDef, ast.AnnAssign)):
            name = node.name if isinstance(node, ast.ClassDef) else getattr(node.target, "id", None)
            if name:
                order.setdefault(name, i)
    return order


def _attribute_docstrings(module) -> dict[str, str]:
    """Docstrings written as a string literal right after a module-level assignment."""
    tree = ast.parse(inspect.getsource(module))
    docs = {}
    for a, b in zip(tree.body, tree.body[1:]):
        if (
            isinstance(a, ast.Assign)
            and len(a.targets) == 1
            and isinstance(a.targets[0], ast.Name)
            and isinstance(b, ast.Expr)
            and isinstance(b.value, ast.Constant)
            and isinstance(b.value.value, str)
        ):
            docs[a.targets[0].id] = rst_to_md(inspect.cleandoc(b.value.value))
    return docs


_order = _source_order(D)
ALIASES: dict[str, Any] = dict(
    sorted(
        (
            (name, obj)
            for name, obj in vars(D).items()
            if not name.startswith("_") and _is_dist_alias(obj)
        ),
        key=lambda kv: _order.get(kv[0], 10**9),
    )
)
ALIAS_DOCS = _attribute_docstrings(D)


def alias_members(name: str) -> list[tuple[str, Any, Any]]:
    """(tag, base type, full annotated member) of each member of a distribution alias's union, in
    declared order."""
    out = []
    for member in get_args(get_args(ALIASES[name])[0]):
        base, *meta = get_args(member)
        tags = [m.tag for m in meta if type(m).__name__ == "Tag"]
        out.append((tags[0] if tags else "?", base, member))
    return out


def alias_const(name: str) -> Any | None:
    """The annotated constant member of a distribution alias (tag `const`)."""
    for tag, _, member in alias_members(name):
        if tag == "const":
            return member
    return None


def match_alias(tp: Any) -> str | None:
    for name, alias in ALIASES.items():
        try:
            if tp == alias or tp == get_args(alias)[0]:
                return name
        except TypeError:  # unhashable metadata inside a Union comparison
            continue
    return None


def alias_noun(name: str) -> str:
    if name in ALIAS_NOUN:
        return ALIAS_NOUN[name]
    const = alias_const(name)
    return render_type(const) if const is not None else "value"


def canonical_dist_class(cls: type) -> type:
    """The documented class a distribution member stands for (FloatChoice → Choice)."""
    for c in cls.__mro__:
        if c is D.Model or not (isinstance(c, type) and issubclass(c, D.Model)):
            break
        if own_doc(c):
            return c
    return cls


# ---------------------------------------------------------------------------------------------
# Types


SCALARS = {float: "number", int: "integer", str: "string", bool: "boolean", Any: "value"}
PLURAL = {
    "number": "numbers",
    "integer": "integers",
    "string": "strings",
    "boolean": "booleans",
    "value": "values",
}


def _constraints(meta) -> dict[str, Any]:
    c: dict[str, Any] = {}
    for m in meta:
        if isinstance(m, FieldInfo):
            c.update(_constraints(m.metadata))
            continue
        for key in ("ge", "gt", "le", "lt", "min_length", "max_length"):
            val = getattr(m, key, None)
            if val is not None:
                c[key] = val
    return c


def _num_range(c: dict) -> str:
    lo = ("≥", c["ge"]) if "ge" in c else ((">", c["gt"]) if "gt" in c else None)
    hi = ("≤", c["le"]) if "le" in c else (("<", c["lt"]) if "lt" in c else None)
    if lo and hi:
        left = "[" if lo[0] == "≥" else "("
        right = "]" if hi[0] == "≤" else ")"
        return f" in {left}{flow(lo[1])}, {flow(hi[1])}{right}"
    if lo:
        return f" {lo[0]} {flow(lo[1])}"
    if hi:
        return f" {hi[0]} {flow(hi[1])}"
    return ""


def render_type(tp: Any, meta: tuple = (), vec_n: int | None = None) -> str:
    """Human-readable type, with links to model and distribution sections."""
    if tp is S.StyleStep:
        return "style step ([Stylisation passes](#stylisation-passes))"
    name = match_alias(tp)
    if name:
        return f"{alias_noun(name)} or distribution ({link(name)})"
    origin, args = get_origin(tp), get_args(tp)
    if origin is Annotated:
        base, *extra = args
        return render_type(base, tuple(meta) + tuple(extra), vec_n)
    if any(
        isinstance(m, BeforeValidator) and m.func is getattr(D, "_color_const", None) for m in meta
    ):
        return "colour"
    c = _constraints(meta)
    if origin is Union or origin is types.UnionType:
        non_none = [a for a in args if a is not NoneType]
        s = join_or([render_type(a, meta, vec_n) for a in non_none])
        return s + (", or `null`" if len(non_none) < len(args) else "")
    if origin is Literal:
        vals = [f"`{flow(a)}`" for a in args]
        return vals[0] if len(vals) == 1 else "one of " + ", ".join(vals)
    if origin is list:
        item_tp = args[0] if args else Any
        n_min, n_max = c.get("min_length"), c.get("max_length")
        item = render_type(item_tp, (), vec_n)
        if item_tp is float and n_min is not None and n_min == n_max:
            return f"{n_min}-vector"
        if item_tp is float and vec_n and n_min is None and n_max is None:
            return f"{vec_n}-vector"
        noun = PLURAL.get(item)
        if n_min is not None and n_min == n_max:
            return f"list of {n_min} {noun}" if noun else f"list of {n_min}, each {item}"
        prefix = "non-empty list" if n_min == 1 and n_max is None else "list"
        if n_min not in (None, 0, 1) or n_max is not None:
            prefix += f" ({n_min or 0}..{n_max if n_max is not None else '∞'} items)"
        if noun:
            return f"{prefix} of {noun}"
        if isinstance(item_tp, type) and issubclass(item_tp, BaseModel):
            return f"{prefix} of {item}"
        return f"{prefix}, each a {item}"
    if origin is dict:
        k, v = args
        if get_origin(k) is Literal:
            key = " / ".join(f"`{flow(a)}`" for a in get_args(k))
        else:
            key = "name" if k is str else render_type(k)
        return f"mapping {key} → {render_type(v)}"
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return link(tp.__name__)
    if tp in SCALARS:
        return SCALARS[tp] + (_num_range(c) if tp in (int, float) else "")
    return str(tp).replace("typing.", "")


# ---------------------------------------------------------------------------------------------
# Models


def field_key(name: str, f: FieldInfo) -> str:
    return f.alias if isinstance(f.alias, str) else name


def field_default(f: FieldInfo) -> tuple[bool, Any]:
    """(has_default, value)."""
    if f.default_factory is not None:
        try:
            return True, f.default_factory()
        except TypeError:  # factory that takes the validated data
            return True, f.default_factory({})
    if f.is_required():
        return False, None
    return True, f.default


def render_default(f: FieldInfo) -> str:
    has, value = field_default(f)
    return f"`{flow(value)}`" if has else "*required*"


def _models_in(tp: Any) -> list[type]:
    """Model classes named by an annotation, in order; distribution aliases are not entered."""
    if match_alias(tp) or tp is S.StyleStep:  # style steps have their own section
        return []
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [tp]
    out = []
    for a in get_args(tp):
        out.extend(_models_in(a))
    return out


def template_models() -> list[type]:
    """Template, then every nested model in order of first appearance (depth first)."""
    seen: list[type] = []

    def visit(m: type) -> None:
        if m in seen:
            return
        seen.append(m)
        for f in m.model_fields.values():
            for sub in _models_in(f.annotation):
                visit(sub)

    visit(S.Template)
    return seen


def field_description(f: FieldInfo) -> str:
    if f.description:
        return rst_to_md(f.description)
    models = _models_in(f.annotation)
    if len(models) == 1 and own_doc(models[0]):
        return first_sentence(own_doc(models[0]))
    return ""


def model_section(m: type) -> list[str]:
    out = [f"## {m.__name__}", ""]
    doc = own_doc(m)
    if doc:
        out += [doc, ""]
    out += ["| Field | Type | Default | Description |", "|---|---|---|---|"]
    for name, f in m.model_fields.items():
        t = render_type(f.annotation, tuple(f.metadata))
        out.append(
            f"| `{field_key(name, f)}` | {cell(t)} | {cell(render_default(f))} | "
            f"{cell(field_description(f))} |"
        )
    return out + [""]


def where_used(models: list[type]) -> dict[str, list[str]]:
    """Alias name → 'Model.field' entries using it (directly, optional, or in a list)."""
    used: dict[str, list[str]] = {n: [] for n in ALIASES}

    def aliases_in(tp: Any) -> list[str]:
        n = match_alias(tp)
        if n:
            return [n]
        return [x for a in get_args(tp) for x in aliases_in(a)]

    for m in models:
        for name, f in m.model_fields.items():
            for n in dict.fromkeys(aliases_in(f.annotation)):
                used[n].append(f"{m.__name__}.{field_key(name, f)}")
    return used


# ---------------------------------------------------------------------------------------------
# Distributions


def dist_classes() -> list[tuple[type, list[tuple[str, type]]]]:
    """Documented distribution classes in order of appearance in the aliases, each with the
    (alias, member class) pairs that use it."""
    found: dict[type, list[tuple[str, type]]] = {}
    for alias in ALIASES:
        for tag, tp, _ in alias_members(alias):
            if tag == "const" or not (isinstance(tp, type) and issubclass(tp, BaseModel)):
                continue
            found.setdefault(canonical_dist_class(tp), []).append((alias, tp))
    return list(found.items())


def dist_tag(cls: type) -> str:
    ann = cls.model_fields["dist"].annotation
    return str(get_args(ann)[0])


def check_example(key: str, alias: str, value: Any, models: list[type]) -> None:
    TypeAdapter(ALIASES[alias]).validate_python(value)
    users = where_used(models)[alias]
    if not any(u.split(".", 1)[1] == key for u in users):
        raise SystemExit(f"gen_reference: example key {key!r} is not a {alias} field")


def distributions_section(models: list[type]) -> list[str]:
    classes = dist_classes()
    used = where_used(models)
    out = ["## Distributions", ""]
    out += [
        rst_blocks_to_md(own_doc(D).split("\n\n", 1)[-1]),
        "",
        "The parameters of a distribution are constants, except where their type below says "
        "otherwise. A `choice` takes values of the field's own constant form (numbers, "
        "integers, vectors, colours, Euler triples).",
        "",
    ]

    # Matrix: which types accept which tags.
    tags: list[str] = []
    for alias in ALIASES:
        for tag, _, _ in alias_members(alias):
            if tag not in tags:
                tags.append(tag)
    cls_by_alias_tag = {}
    for cls, uses in classes:
        for alias, member in uses:
            cls_by_alias_tag[(alias, dist_tag(member))] = cls
    out += [
        "### Which fields accept which distributions",
        "",
        "| `dist:` | " + " | ".join(link(a) for a in ALIASES) + " |",
        "|---|" + "---|" * len(ALIASES),
    ]
    for tag in tags:
        row = []
        for alias in ALIASES:
            if (alias, tag) in cls_by_alias_tag:
                row.append(link(cls_by_alias_tag[(alias, tag)].__name__))
            elif tag == "const" and alias_const(alias) is not None:
                row.append(f"{alias_noun(alias)}")
            else:
                row.append("—")
        label = "*(constant, no `dist:`)*" if tag == "const" else f"`{tag}`"
        out.append(f"| {label} | " + " | ".join(row) + " |")
    out.append("")

    for alias in ALIASES:
        out += [f"### {alias}", ""]
        if ALIAS_DOCS.get(alias):
            out += [ALIAS_DOCS[alias], ""]
        const = alias_const(alias)
        if const is not None:
            examples = CONST_EXAMPLES.get(alias, [])
            for e in examples:
                TypeAdapter(ALIASES[alias]).validate_python(e)
            ex = " or ".join(f"`{flow(e)}`" for e in examples)
            noun, form = alias_noun(alias), render_type(const)
            out.append(
                f"- Constant (no `dist:`): {noun}"
                + (f" ({form})" if form != noun else "")
                + (f", e.g. {ex}" if ex else "")
                + "."
            )
        dists = [
            (tag, cls_by_alias_tag[(alias, tag)])
            for tag, _, _ in alias_members(alias)
            if (alias, tag) in cls_by_alias_tag
        ]
        out.append(
            "- Distributions: "
            + ", ".join(f"[`{tag}`]({anchor(c.__name__)})" for tag, c in dists)
            + "."
        )
        if used[alias]:
            out.append(
                "- Used by: "
                + ", ".join(f"[`{u}`]({anchor(u.split('.')[0])})" for u in used[alias])
                + "."
            )
        out.append("")

    if "ColorDist" in ALIASES and own_doc(D.parse_color):
        out += ["### Colour constants", "", own_doc(D.parse_color), ""]

    for cls, uses in classes:
        tag = dist_tag(cls)
        out += [f"### {cls.__name__}", "", f"`dist: {tag}`", ""]
        doc = own_doc(cls)
        if doc:
            out += [doc, ""]
        accepted = []
        for alias, member in uses:
            accepted.append(
                link(alias) + (f" (as `{member.__name__}`)" if member is not cls else "")
            )
        out += ["Accepted by: " + ", ".join(accepted) + ".", ""]
        private = getattr(cls, "__private_attributes__", {})
        vec_n = private["_n"].default if "_n" in private else None
        params = [(n, f) for n, f in cls.model_fields.items() if n != "dist"]
        if params:
            out += ["| Parameter | Type | Default |", "|---|---|---|"]
            for name, f in params:
                t = render_type(f.annotation, tuple(f.metadata), vec_n)
                out.append(f"| `{field_key(name, f)}` | {cell(t)} | {cell(render_default(f))} |")
            out.append("")
        else:
            out += ["No parameters.", ""]
        if cls.__name__ in DIST_EXAMPLES:
            key, alias, value = DIST_EXAMPLES[cls.__name__]
            check_example(key, alias, value, models)
            out += ["```yaml", f"{key}: {flow(value)}", "```", ""]
    return out


# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Stylisation passes (post.styles): one table per pass, from the pass's Params


STYLES_INTRO = """\
`post.styles` is a list of steps applied in the order given to the finished 8-bit frame (after
background, exposure and tonemap). Each step is `{pass: NAME, p: PROBABILITY, params: {...}}`:

| Key | Type | Default | Description |
|---|---|---|---|
| `pass` | one of {passes} | *required* | The pass. `- NAME` alone is short for `- {pass: NAME}`. |
| `p` | number in [0, 1] | `1.0` | Probability that the step applies to a frame (drawn per frame). |
| `params` | mapping | `{}` | The pass's parameters (below); unset ones keep their defaults. |

Every numeric parameter takes a constant or a distribution ([FloatDist](#floatdist) for numbers,
[IntDist](#intdist) for integers), every value a distribution can draw must lie in the parameter's
range; other parameters take a constant or a `choice` of constants. Each frame's SceneSpec records
the concrete chain — `post.styles: [{pass, applied, seed, params}]` — so `synth3d rerender`
reproduces a stylised frame byte for byte. Labels (masks, boxes, depth) are never changed: no pass
moves geometry. Relative `reference` paths resolve against `asset_root` and are opened before the
first frame. `synth3d stylize DATASET --style NAME -o OUT` runs the same passes on a rendered
dataset.

```yaml
post:
  styles:
    - {pass: sketch, p: 0.5, params: {look: {dist: choice, values: [pencil, ink]}}}
    - {pass: augment, p: 0.5, params: {severity: {dist: randint, min: 1, max: 3}}}
```
"""


def _style_param_type(name: str, f: FieldInfo, meta) -> str:
    from synth3d.template.styles import range_text

    ann = f.annotation
    optional = False
    if get_origin(ann) in (Union, types.UnionType) and NoneType in get_args(ann):
        rest = [a for a in get_args(ann) if a is not NoneType]
        if len(rest) == 1:
            ann, optional = rest[0], True
    from synth3d.sampling.styles import is_path_param

    rng = range_text(meta)
    if ann is str and is_path_param(name, f):
        t = "file path (relative: to `asset_root`), or a `choice` of paths"
    elif ann is float:
        t = "number" + (f" {rng}" if rng else "") + " or distribution ([FloatDist](#floatdist))"
    elif ann is int:
        t = "integer" + (f" {rng}" if rng else "") + " or distribution ([IntDist](#intdist))"
    elif get_origin(ann) is Literal:
        vals = [f"`{flow(a)}`" for a in get_args(ann)]
        t = "one of " + ", ".join(vals) + ", or a `choice` of them"
    elif get_origin(ann) is list and get_args(ann) and get_origin(get_args(ann)[0]) is Literal:
        c = _constraints(meta)
        vals = [f"`{flow(a)}`" for a in get_args(get_args(ann)[0])]
        t = (
            ("non-empty list" if c.get("min_length") == 1 else "list")
            + " of "
            + ", ".join(vals)
            + ", or a `choice` of such lists"
        )
    elif get_origin(ann) is tuple and get_args(ann) and Ellipsis not in get_args(ann):
        items = get_args(ann)

        def item(a):
            if get_origin(a) is Annotated:
                base, *m = get_args(a)
                m = [x for y in m for x in (y.metadata if isinstance(y, FieldInfo) else [y])]
                return PLURAL.get(SCALARS.get(base, ""), str(base)), range_text(m)
            return PLURAL.get(SCALARS.get(a, ""), str(a)), ""

        kinds = {item(a) for a in items}
        if len(kinds) == 1:
            noun, rng = kinds.pop()
            t = f"list of {len(items)} {noun}" + (f" {rng}" if rng else "")
        else:
            t = "list of " + ", ".join(render_type(a) for a in items)
        t += ", or a `choice`"
    else:
        t = render_type(ann, tuple(meta)) + ", or a `choice`"
    return t + (", or `null`" if optional else "")


def styles_section() -> list[str]:
    from synth3d.post.styles import passes

    reg = passes()
    out = ["## Stylisation passes", ""]
    if not reg:
        return out + ["No passes are installed.", ""]
    example = yaml.safe_load(STYLES_INTRO.split("```yaml\n")[1].split("```")[0])
    if all(s["pass"] in reg for s in example["post"]["styles"]):
        from synth3d.template.styles import validate_steps

        validate_steps(example["post"]["styles"])  # the example must stay valid
    out += [STYLES_INTRO.replace("{passes}", ", ".join(f"[`{n}`](#{n}-pass)" for n in reg))]
    for name, mod in reg.items():
        out += [f"### {name} pass", ""]
        doc = rst_blocks_to_md(rst_to_md(inspect.cleandoc(mod.__doc__ or "")))
        if doc:
            out += [doc.split("\n\n")[0], ""]
        out += ["| Parameter | Type | Default | Description |", "|---|---|---|---|"]
        for pname, f in mod.Params.model_fields.items():
            t = _style_param_type(pname, f, f.metadata)
            default = f"`{flow(f.get_default(call_default_factory=True))}`"
            out.append(
                f"| `{pname}` | {cell(t)} | {cell(default)} | "
                f"{cell(rst_to_md(f.description or ''))} |"
            )
        out.append("")
    return out


def generate() -> str:
    models = template_models()
    lines = [HEADER]
    lines += ["## Contents", ""]
    lines += [
        f"- {link(m.__name__)}" + (f" — {first_sentence(own_doc(m))}" if own_doc(m) else "")
        for m in models
    ]
    lines += [
        "- [Stylisation passes](#stylisation-passes)",
        "- [Distributions](#distributions)",
        "",
    ]
    for m in models:
        lines += model_section(m)
    lines += styles_section()
    lines += distributions_section(models)
    text = "\n".join(lines)
    for bad in ("PydanticUndefined", "<function", "<class", "typing."):
        if bad in text:
            raise SystemExit(f"gen_reference: generated text contains {bad!r}; fix the generator")
    return text.rstrip("\n") + "\n"


def undocumented() -> list[str]:
    out = []
    for m in template_models():
        if not own_doc(m):
            out.append(f"{m.__name__}: no docstring")
        for name, f in m.model_fields.items():
            if not f.description:
                out.append(f"{m.__name__}.{name}: no description")
    for cls, uses in dist_classes():
        for _, member in uses:
            if not own_doc(member):
                out.append(f"{member.__name__}: no docstring (documented as {cls.__name__})")
    from synth3d.post.styles import passes

    for name, mod in passes().items():
        if not (mod.__doc__ or "").strip():
            out.append(f"style pass {name}: no module docstring")
        for pname, f in mod.Params.model_fields.items():
            if not f.description:
                out.append(f"style pass {name}: parameter {pname}: no description")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="exit 1 if the file on disk differs from what would be generated",
    )
    ap.add_argument("--stdout", action="store_true", help="print instead of writing")
    ap.add_argument(
        "--undocumented",
        action="store_true",
        help="list models without docstrings and fields without descriptions",
    )
    ap.add_argument(
        "-o", "--output", type=Path, default=OUT, help=f"default: {OUT.relative_to(ROOT)}"
    )
    args = ap.parse_args(argv)

    if args.undocumented:
        print("\n".join(undocumented()))
        return 0
    text = generate()
    if args.stdout:
        sys.stdout.write(text)
        return 0
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            what = "is missing" if current is None else "is out of date"
            print(f"{args.output} {what}: regenerate it with `{GENERATOR}`", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
