"""`view_image {path}`: the model looks at an image in the workspace, as in Codex.

The image goes back as the call's output, one `input_image` content item
with a data URL (Codex's shape, so the Responses API shows the model the
picture). Paths follow the workspace policy of the file tools. PNG, JPEG,
GIF and WebP are accepted, up to `MAX_IMAGE_BYTES`. Larger than Codex's
2048x768 box, an image is downscaled to fit when Pillow is installed
(`pip install 'codex-lsp[images]'`); without it, an image up to
`MAX_SIDE_WITHOUT_PILLOW` pixels a side goes as it is (the API scales it) and
a larger one is refused with what to do.
"""

from __future__ import annotations

import asyncio
import base64
import io
from pathlib import Path
from typing import Any

from codex_lsp.core.items import OutputContent
from codex_lsp.core.workspace import OutsideWorkspace
from codex_lsp.tools.base import ToolContext, ToolFailure, require_str
from codex_lsp.tools.codex_schemas import VIEW_IMAGE_DESCRIPTION, VIEW_IMAGE_PARAMETERS
from codex_lsp.tools.image_info import ImageInfo, NotAnImage, image_info

MAX_IMAGE_BYTES = 20 * 1024 * 1024
"""Largest image file read (the API takes at most 50 MB a request)."""
FIT_WIDTH, FIT_HEIGHT = 2048, 768
"""Codex's resize box (codex-rs utils/image): larger images are scaled to fit."""
MAX_SIDE_WITHOUT_PILLOW = 8192
"""Without Pillow, larger images are refused rather than sent unscaled."""


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
        data = await asyncio.to_thread(_read, path, name)
        mime, data = await asyncio.to_thread(_fit, data, name)
        url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        return [{"type": "input_image", "image_url": url}]


def _read(path: Path, name: str) -> bytes:
    if not path.is_file():
        raise ToolFailure(f"image path `{name}` is not a file")
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise ToolFailure(
            f"image `{name}` is {size} bytes, more than the {MAX_IMAGE_BYTES} bytes "
            "view_image sends; make a smaller copy (e.g. a screenshot of the part you need)"
        )
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ToolFailure(f"unable to read image at `{name}`: {exc.strerror or exc}") from exc


def _fit(data: bytes, name: str) -> tuple[str, bytes]:
    """The MIME type and bytes to send: as they are, or scaled into Codex's box."""
    try:
        info = image_info(data)
    except NotAnImage as exc:
        raise ToolFailure(f"unable to process image at `{name}`: {exc}") from exc
    if info.width <= FIT_WIDTH and info.height <= FIT_HEIGHT:
        return info.mime, data
    scaled = _downscale(data, info)
    if scaled is not None:
        return scaled
    if max(info.width, info.height) > MAX_SIDE_WITHOUT_PILLOW:
        raise ToolFailure(
            f"image `{name}` is {info.width}x{info.height} pixels, more than "
            f"{MAX_SIDE_WITHOUT_PILLOW} a side, and it cannot be downscaled here "
            "(install Pillow: pip install 'codex-lsp[images]'); or make a smaller copy"
        )
    return info.mime, data


def _downscale(data: bytes, info: ImageInfo) -> tuple[str, bytes] | None:
    """Scaled to fit the box with Pillow (JPEG stays JPEG, the rest become PNG); None without."""
    try:
        from PIL import Image
    except ImportError:
        return None
    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail((FIT_WIDTH, FIT_HEIGHT), Image.Resampling.BILINEAR)
        out = io.BytesIO()
        if info.mime == "image/jpeg":
            image.convert("RGB").save(out, "JPEG", quality=85)
            return "image/jpeg", out.getvalue()
        image.convert("RGBA").save(out, "PNG")
        return "image/png", out.getvalue()
