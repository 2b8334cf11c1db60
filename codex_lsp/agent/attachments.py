"""Images the user attached to a prompt, as Codex 0.169 puts them in the user message.

An editor sends a pasted image as a data URL and a dropped one as a file; the
terminal names files (`codex-lsp exec --image FILE`). Each is checked and fitted
like `view_image`'s (tools/images.py), so a bad one is refused before anything is
sent. In the message, as the real binary sends them (`codex exec -i`): a file is
`<image name=[Image #N] path="P">`, its `input_image` (`detail: "original"`),
`</image>`; a pasted image is `<image>`, its `input_image`, `</image>`; then the
prompt's text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from codex_lsp.core.items import InputImage, InputText, MessageItem, OutputText
from codex_lsp.tools.images import data_url, decode_data_url, fit_image, read_image


@dataclass(frozen=True)
class ImageSource:
    """One attachment as the user gave it: a data URL, or a file and how to name it."""

    url: str | None = None
    path: Path | None = None
    shown_as: str = ""


@dataclass(frozen=True)
class AttachedImage:
    """An attachment ready to send: its data URL and, for a file, the path to show."""

    url: str
    path: str | None = None


def load_images(sources: Iterable[ImageSource]) -> tuple[AttachedImage, ...]:
    """Every attachment read, checked and fitted; `ImageProblem` names the first bad one."""
    return tuple(_load(source) for source in sources)


def _load(source: ImageSource) -> AttachedImage:
    if source.path is not None:
        name = source.shown_as or str(source.path)
        mime, data = fit_image(read_image(source.path, name), name)
        return AttachedImage(data_url(mime, data), name)
    name = source.shown_as or "the pasted image"
    mime, data = fit_image(decode_data_url(source.url or "", name), name)
    return AttachedImage(data_url(mime, data))


def user_message_with_images(prompt: str, images: Iterable[AttachedImage]) -> MessageItem:
    """The user's message: each image wrapped in Codex's tags, then the prompt."""
    content: list[InputText | OutputText | InputImage] = []
    for number, image in enumerate(images, start=1):
        if image.path is not None:
            content.append(_text(f'<image name=[Image #{number}] path="{image.path}">'))
            content.append({"type": "input_image", "image_url": image.url, "detail": "original"})
        else:
            content.append(_text("<image>"))
            content.append({"type": "input_image", "image_url": image.url})
        content.append(_text("</image>"))
    content.append(_text(prompt))
    return {"type": "message", "role": "user", "content": content}


def _text(text: str) -> InputText:
    return {"type": "input_text", "text": text}


_FILE_TAG = re.compile(r'<image name=\[Image #\d+\] path="(?P<path>.*)">\Z', re.S)


def split_images(item: MessageItem) -> tuple[str, list[str]]:
    """A user message's own text, and a label per image in it (`shot.png`, `image`).

    What a transcript shows: the prompt as typed, the images as chips, not their tags.
    """
    texts: list[str] = []
    labels: list[str] = []
    for part in item["content"]:
        if part["type"] == "input_image":
            continue
        text = part["text"]
        tag = _FILE_TAG.match(text)
        if tag is not None:
            labels.append(tag.group("path").rsplit("/", 1)[-1])
        elif text == "<image>":
            labels.append("image")
        elif text != "</image>":
            texts.append(text)
    return "".join(texts), labels
