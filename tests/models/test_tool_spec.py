from __future__ import annotations

from pydantic import BaseModel, Field

from server.models.tool_spec import tool_spec


class ReadFile(BaseModel):
    path: str = Field(description="Workspace-relative path")
    title: str | None = None  # a property named "title" must survive
    start_line: int = 1


def test_schema_from_pydantic_model() -> None:
    spec = tool_spec("read_file", "Read a file", ReadFile)
    assert spec.name == "read_file" and spec.description == "Read a file"
    schema = spec.input_schema
    assert schema["type"] == "object"
    assert sorted(schema["properties"]) == ["path", "start_line", "title"]
    assert schema["required"] == ["path"]
    assert schema["properties"]["path"] == {"description": "Workspace-relative path", "type": "string"}
    assert "title" not in schema  # pydantic's model title is dropped
    assert tool_spec("read_file", "Read a file", ReadFile) == spec  # deterministic
