"""Tool definitions for the model, generated from pydantic models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from server.models.types import ToolSpec


def _strip_titles(node: Any) -> Any:
    """Pydantic adds a ``title`` to every property; the model gains nothing from them."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "title" and isinstance(value, str):
                continue
            # a property literally named "title" is kept: it sits under "properties"
            out[key] = {k: _strip_titles(v) for k, v in value.items()} if key == "properties" else _strip_titles(value)
        return out
    if isinstance(node, list):
        return [_strip_titles(item) for item in node]
    return node


def tool_spec(name: str, description: str, model: type[BaseModel]) -> ToolSpec:
    """The ToolSpec the model sees for a tool whose input is validated by `model`."""
    schema = _strip_titles(model.model_json_schema())
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    return ToolSpec(name=name, description=description, input_schema=schema)
