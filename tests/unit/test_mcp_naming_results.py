"""Model-facing names of MCP tools and the text of their results (pure functions)."""

from __future__ import annotations

import re

import mcp.types as mt

from codex_lsp.mcp import qualified_tool_name
from codex_lsp.mcp.results import MAX_OUTPUT_CHARS, result_text

VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def test_names_are_prefixed_and_sanitized() -> None:
    assert qualified_tool_name("files", "read") == "files__read"
    assert qualified_tool_name("my.server", "tool name/x") == "my_server__tool_name_x"
    assert qualified_tool_name("a-b", "c_d") == "a-b__c_d"


def test_long_names_are_capped_and_stay_distinct() -> None:
    first = qualified_tool_name("server", "x" * 80 + "one")
    second = qualified_tool_name("server", "x" * 80 + "two")
    assert len(first) == len(second) == 64
    assert VALID.match(first) and VALID.match(second)
    assert first != second
    assert first.startswith("server__xxxx")
    assert first == qualified_tool_name("server", "x" * 80 + "one")  # stable
    exact = qualified_tool_name("s", "t" * 61)
    assert exact == "s__" + "t" * 61  # exactly 64: kept as is


def test_text_blocks_are_joined() -> None:
    result = mt.CallToolResult(
        content=[mt.TextContent(type="text", text="one"), mt.TextContent(type="text", text="two")]
    )
    assert result_text(result) == "one\ntwo"


def test_binary_and_resource_blocks_are_summarised() -> None:
    result = mt.CallToolResult(
        content=[
            mt.ImageContent(type="image", data="AAAA", mime_type="image/png"),
            mt.AudioContent(type="audio", data="AAAAAAAA", mime_type="audio/wav"),
            mt.ResourceLink(type="resource_link", uri="file:///a.txt", name="a.txt"),
            mt.EmbeddedResource(
                type="resource",
                resource=mt.TextResourceContents(uri="file:///b.txt", text="inside b"),
            ),
            mt.EmbeddedResource(
                type="resource",
                resource=mt.BlobResourceContents(
                    uri="file:///c.bin", blob="AAAA", mime_type="application/octet-stream"
                ),
            ),
        ]
    )
    assert result_text(result).splitlines() == [
        "[image: image/png, 3 bytes]",
        "[audio: audio/wav, 6 bytes]",
        "[resource link: file:///a.txt (a.txt)]",
        "[resource: file:///b.txt]",
        "inside b",
        "[resource: file:///c.bin, application/octet-stream, 3 bytes]",
    ]


def test_structured_only_and_empty_results() -> None:
    structured = mt.CallToolResult(content=[], structured_content={"n": 1})
    assert result_text(structured) == '{"n": 1}'
    assert result_text(mt.CallToolResult(content=[])) == "(no output)"


def test_huge_output_is_capped() -> None:
    text = "z" * (MAX_OUTPUT_CHARS + 10)
    out = result_text(mt.CallToolResult(content=[mt.TextContent(type="text", text=text)]))
    assert out.startswith("z" * 100)
    assert out.endswith("[... 10 more characters truncated]")
