"""Checks of a Responses request's `input` the way OpenAI's API refuses bad ones (400).

From the API reference of `input` items: a `function_call_output`'s `output` is a
string or a list of content items — `input_text {text}`, `input_image {image_url |
file_id, detail?}`, `input_file` — and an image URL is an https URL or a base64 data
URL of a PNG, JPEG, WebP or non-animated GIF. A user (developer, system) message's content
list takes the same items. Our client's shapes are not consulted.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

CONTENT_TYPES = ("input_text", "input_image", "input_file")
INPUT_ROLES = ("user", "developer", "system")
"""Roles whose message content is input items (an assistant's is `output_text`)."""
DETAILS = ("low", "high", "auto", "original")
_DATA_URL = re.compile(r"data:image/(png|jpeg|gif|webp);base64,(?P<data>[A-Za-z0-9+/=]+)\Z")


def input_error(body: dict[str, Any]) -> str | None:
    """OpenAI's error message for the first malformed tool output in `input`, else None."""
    items = body.get("input")
    if not isinstance(items, list):
        return None
    for index, item in enumerate(items):
        error = None
        if isinstance(item, dict) and item.get("type") == "function_call_output":
            error = _output_error(item.get("output"), f"input[{index}].output")
        elif isinstance(item, dict) and item.get("role") in INPUT_ROLES:
            content = item.get("content")
            if isinstance(content, list):  # a user's content items: the same three kinds
                error = _output_error(content, f"input[{index}].content")
        if error is not None:
            return error
    return None


def _output_error(output: Any, where: str) -> str | None:
    if isinstance(output, str):
        return None
    if not isinstance(output, list):
        return f"Invalid type for '{where}': expected a string or an array of content items."
    for n, part in enumerate(output):
        error = _content_error(part, f"{where}[{n}]")
        if error is not None:
            return error
    return None


def _content_error(part: Any, where: str) -> str | None:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind not in CONTENT_TYPES:
        return (
            f"Invalid value: {kind!r}. Supported values are: 'input_text', 'input_image', "
            f"and 'input_file'. (param: '{where}.type')"
        )
    assert isinstance(part, dict)
    if kind == "input_text" and not isinstance(part.get("text"), str):
        return f"Missing required parameter: '{where}.text'."
    if kind == "input_image":
        if part.get("detail") is not None and part["detail"] not in DETAILS:
            return f"Invalid value for '{where}.detail'."
        url, file_id = part.get("image_url"), part.get("file_id")
        if not isinstance(url, str) and not isinstance(file_id, str):
            return f"Missing required parameter: '{where}.image_url'."
        if isinstance(url, str) and not _valid_image_url(url):
            return f"Invalid 'image_url' in '{where}': expected an https URL or a base64 image data URL."
    return None


def _valid_image_url(url: str) -> bool:
    if url.startswith("https://"):
        return True
    match = _DATA_URL.match(url)
    if match is None:
        return False
    try:
        base64.b64decode(match.group("data"), validate=True)
    except binascii.Error:
        return False
    return True
