"""Scene templates: schema, distributions and loading."""

from .loading import LoadedTemplate, load_template
from .schema import Template, json_schema

__all__ = ["LoadedTemplate", "Template", "json_schema", "load_template"]
