"""`view_image {path}`: the model looks at an image in the workspace, as in Codex.

The image goes back as the call's output, one `input_image` content item
with a data URL (Codex's shape, so the Responses API shows the model the
picture). Paths follow the workspace policy of the file tools. Types, size
limits and downscaling are tools/images.py's, shared with user attachments.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from codex_lsp.core.items import OutputContent
from codex_lsp.core.workspace import OutsideWorkspace
from codex_lsp.tools.base import ToolContext, ToolFailure, require_str
from codex_lsp.tools.codex_schemas import VIEW_IMAGE_DESCRIPTION, VIEW_IMAGE_PARAMETERS
from codex_lsp.tools.images import (
    MAX_IMAGE_BYTES,
    MAX_SIDE_WITHOUT_PILLOW,
    ImageProblem,
    data_url,
    fit_image,
    read_image,
)

__all__ = ["MAX_IMAGE_BYTES", "MAX_SIDE_WITHOUT_PILLOW", "ViewImageTool"]


class ViewImageTool:
    """`view_image {path}`: an image file from the workspace, shown to the model."""

    name = "view_image"
    description = VIEW_IMAGE_DESCRIPTION
    parameters: dict[str, Any] = VIEW_IMAGE_PARAMETERS

    async def run(self, ctx: ToolContext, args: dict[str, Any]) -> list[OutputContent]:
        name = require_str(args, "path")
        try:
            path = ctx.workspace.resolve(name)
        except OutsideWorkspace as exc:
            raise ToolFailure(str(exc)) from exc
        try:
            mime, data = await asyncio.to_thread(_load, path, name)
        except ImageProblem as exc:
            raise ToolFailure(str(exc)) from exc
        return [{"type": "input_image", "image_url": data_url(mime, data)}]


def _load(path: Path, name: str) -> tuple[str, bytes]:
    return fit_image(read_image(path, name), name)
