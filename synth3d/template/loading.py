"""Reading templates: YAML → overrides (``--set``) → validated :class:`Template`.

Errors become :class:`~synth3d.errors.TemplateError` with the YAML path of the offending field,
e.g. ``objects[2].scale.max: must be ≥ min``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ..errors import TemplateError
from .messages import format_loc, validation_error_line  # noqa: F401 — re-exported
from .schema import Template

_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass(frozen=True)
class LoadedTemplate:
    """A validated template with the facts needed to resolve its assets.

    Attributes
    ----------
    template : Template
        The validated model (overrides applied).
    source : Path or None
        The YAML file it came from (None for templates built in Python).
    asset_root : Path
        Absolute folder that relative asset paths are resolved against.
    raw : dict
        The template as plain data after overrides (what ``dataset.json`` records).
    """

    template: Template
    source: Path | None
    asset_root: Path
    raw: dict


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a mapping holding the same key twice (PyYAML keeps the
    last one silently, which hides typos such as two ``camera:`` blocks)."""


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    loader.flatten_mapping(node)  # merge keys (<<) first; an explicit key then overrides them
    seen: dict = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            continue  # reported by the default constructor below
        if key in seen and key_node.tag != "tag:yaml.org,2002:merge":
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first at line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def safe_load_unique(text: str):
    """``yaml.safe_load`` that raises ``yaml.YAMLError`` on a duplicate mapping key."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 — a SafeLoader subclass


def parse_override(text: str) -> tuple[list[str | int], Any]:
    """Parse ``path.to[0].field=value``; the value is read as YAML (``3``, ``[1, 2]``,
    ``{dist: uniform, min: 0, max: 1}``)."""
    if "=" not in text:
        raise TemplateError("--set", f"expected key=value, got {text!r}")
    key, value = text.split("=", 1)
    path: list[str | int] = []
    pos = 0
    key = key.strip()
    for m in _SEGMENT.finditer(key):
        if m.start() != pos and key[pos : m.start()] != ".":
            raise TemplateError("--set", f"cannot parse key {key!r}")
        pos = m.end()
        name, index = m.groups()
        if index is not None:
            path.append(int(index))
        elif name.isdigit():
            path.append(int(name))
        else:
            path.append(name)
    if not path or pos != len(key):
        raise TemplateError("--set", f"cannot parse key {key!r}")
    try:
        parsed = yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError as e:
        raise TemplateError(
            "--set", f"{key}: value is not valid YAML ({e.__class__.__name__})"
        ) from None
    return path, parsed


def apply_override(data: dict, path: list[str | int], value: Any) -> None:
    """Set ``data[path] = value`` in place, creating mappings on the way."""
    node: Any = data
    where = ""
    for i, part in enumerate(path):
        last = i == len(path) - 1
        where += f"[{part}]" if isinstance(part, int) else ("." if where else "") + part
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                size = len(node) if isinstance(node, list) else 0
                raise TemplateError(f"--set {where}", f"index out of range (list has {size} items)")
        elif not isinstance(node, dict):
            raise TemplateError(f"--set {where}", "parent is not a mapping")
        if last:
            node[part] = value
        else:
            nxt = node[part] if isinstance(part, int) else node.get(part)
            if nxt is None:
                nxt = {}
                node[part] = nxt
            node = nxt


def _is_path_key(path: list[str | int]) -> bool:
    return bool(path) and isinstance(path[-1], str) and path[-1] in ("asset_root", "path")


def load_template(source: str | os.PathLike | dict, overrides: list[str] = ()) -> LoadedTemplate:
    """Load, override and validate a template.

    Parameters
    ----------
    source : path or dict
        A YAML file, or the template as plain data (asset paths then resolve against the current
        directory).
    overrides : list of str
        ``key=value`` strings as given to ``--set``. Relative ``asset_root``/``path`` values given
        this way resolve against the current directory.

    Raises
    ------
    TemplateError
        With the file and YAML path of the first problem.
    """
    if isinstance(source, dict):
        data = yaml.safe_load(yaml.safe_dump(source))  # deep copy as plain data
        path = None
        label = "template"
        base = Path.cwd()
    else:
        path = Path(source)
        label = str(source)
        if not path.is_file():
            raise TemplateError(label, "template file not found")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise TemplateError(label, f"cannot read ({e.__class__.__name__})") from None
        try:
            data = safe_load_unique(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            problem = getattr(e, "problem", None) or str(e).splitlines()[0]
            raise TemplateError(label, f"invalid YAML: {at}{problem}") from None
        if data is None:
            raise TemplateError(label, "the template is empty")
        if not isinstance(data, dict):
            raise TemplateError(label, "the top level must be a mapping")
        base = path.resolve().parent

    cwd_paths: list[list[str | int]] = []
    for text in overrides:
        key, value = parse_override(text)
        apply_override(data, key, value)
        if _is_path_key(key):
            cwd_paths.append(key)

    # Paths given on the command line are relative to where the user typed them.
    for key in cwd_paths:
        node: Any = data
        for part in key[:-1]:
            node = node[part]
        val = node[key[-1]]
        if isinstance(val, str) and not os.path.isabs(val):
            node[key[-1]] = str(Path.cwd() / val)
        elif isinstance(val, list):
            node[key[-1]] = [v if os.path.isabs(v) else str(Path.cwd() / v) for v in val]

    try:
        template = Template.model_validate(data)
    except ValidationError as e:
        raise TemplateError(label, validation_error_line(e)) from None
    root = Path(template.asset_root)
    if not root.is_absolute():
        root = base / root
    return LoadedTemplate(template=template, source=path, asset_root=root.resolve(), raw=data)
