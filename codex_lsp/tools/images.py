"""Images for the model: read, checked and fitted the one way Codex does it.

Both ways an image reaches the model go through here: `view_image` (the model
asks for a workspace file) and the user's attachments (`codex.ask` /
`codex.runTask` `images`, `codex-lsp exec --image`). PNG, JPEG, GIF and WebP are
accepted, up to `MAX_IMAGE_BYTES`. Larger than Codex's 2048x768 box, an image is
downscaled to fit when Pillow is installed (`pip install 'codex-lsp[images]'`);
without it, an image up to `MAX_SIDE_WITHOUT_PILLOW` pixels a side goes as it is
(the API scales it) and a larger one is refused with what to do.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from pathlib import Path

from codex_lsp.tools.image_info import ImageInfo, NotAnImage, image_info

MAX_IMAGE_BYTES = 20 * 1024 * 1024
"""Largest image read (the API takes at most 50 MB a request)."""
FIT_WIDTH, FIT_HEIGHT = 2048, 768
"""Codex's resize box (codex-rs utils/image): larger images are scaled to fit."""
MAX_SIDE_WITHOUT_PILLOW = 8192
"""Without Pillow, larger images are refused rather than sent unscaled."""

_DATA_URL = re.compile(
    r"data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(;[^;,]*)*),(?P<data>.*)\Z",
    re.S,
)


class ImageProblem(Exception):
    """An image that cannot go to the model; the message says why and what to do."""


def read_image(path: Path, name: str) -> bytes:
    """The bytes of the image file at `path` (`name` as the user or model wrote it)."""
    if not path.is_file():
        raise ImageProblem(f"image path `{name}` is not a file")
    size = path.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise ImageProblem(_too_large(name, size))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImageProblem(f"unable to read image at `{name}`: {exc.strerror or exc}") from exc


def decode_data_url(url: str, name: str) -> bytes:
    """The bytes of a base64 `data:` URL, as an editor sends a pasted image."""
    match = _DATA_URL.match(url.strip())
    if match is None or ";base64" not in match.group("params").lower():
        raise ImageProblem(f"{name} is not a base64 data URL (data:image/png;base64,...)")
    if len(match.group("data")) > MAX_IMAGE_BYTES * 4 // 3 + 4:
        raise ImageProblem(_too_large(name, len(match.group("data")) * 3 // 4))
    try:
        return base64.b64decode(match.group("data"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ImageProblem(f"{name} has broken base64 data: {exc}") from exc


def fit_image(data: bytes, name: str) -> tuple[str, bytes]:
    """The MIME type and bytes to send: as they are, or scaled into Codex's box."""
    try:
        info = image_info(data)
    except NotAnImage as exc:
        raise ImageProblem(f"unable to process image at `{name}`: {exc}") from exc
    if info.width <= FIT_WIDTH and info.height <= FIT_HEIGHT:
        return info.mime, data
    scaled = _downscale(data, info)
    if scaled is not None:
        return scaled
    if max(info.width, info.height) > MAX_SIDE_WITHOUT_PILLOW:
        raise ImageProblem(
            f"image `{name}` is {info.width}x{info.height} pixels, more than "
            f"{MAX_SIDE_WITHOUT_PILLOW} a side, and it cannot be downscaled here "
            "(install Pillow: pip install 'codex-lsp[images]'); or make a smaller copy"
        )
    return info.mime, data


def data_url(mime: str, data: bytes) -> str:
    """A base64 data URL, the form the Responses API takes an image in."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _too_large(name: str, size: int) -> str:
    return (
        f"image `{name}` is {size} bytes, more than the {MAX_IMAGE_BYTES} bytes "
        "an image may have; make a smaller copy (e.g. a screenshot of the part you need)"
    )


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
