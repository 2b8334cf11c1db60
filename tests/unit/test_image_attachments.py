"""Image attachments: the `images` argument of codex.ask / codex.runTask, the user message
they become (Codex 0.169's shape, recorded from `codex exec -i`), and their limits."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from codex_lsp.agent.attachments import (
    AttachedImage,
    ImageSource,
    load_images,
    user_message_with_images,
)
from codex_lsp.lsp.features.arguments import BadArguments, ImageArg, PromptArgs, structure
from codex_lsp.models.base import ModelRequest
from codex_lsp.models.chat_request import build_messages
from codex_lsp.tools.images import MAX_IMAGE_BYTES, ImageProblem
from tests.support.images import GIF_1X1, png
from tests.support.model_inputs import input_error


def _url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def test_images_argument_takes_the_vscode_helpers_shape() -> None:
    arg = structure(
        PromptArgs,
        {"prompt": "p", "images": [{"dataUrl": "data:image/png;base64,AA=="}, {"uri": "file:///a.png"}]},
    )
    assert arg.images == [ImageArg(data_url="data:image/png;base64,AA=="), ImageArg(uri="file:///a.png")]


@pytest.mark.parametrize(
    ("images", "message"),
    [
        ([{}], "'images[0]' needs one of 'dataUrl' or 'uri'"),
        ([{"dataUrl": "data:,", "uri": "file:///a"}], "'images[0]' needs one of 'dataUrl' or 'uri'"),
        (["x.png"], "'images[0]' must be an object"),
        ([{"uri": "file:///a"}, {"dataUrl": 3}], "'images[1].dataUrl' must be a string"),
        ([{"dataUrl": ""}], "'images[0].dataUrl' must be a non-empty string"),
    ],
)
def test_bad_images_argument_names_the_field(images: list[object], message: str) -> None:
    with pytest.raises(BadArguments) as info:
        structure(PromptArgs, {"prompt": "p", "images": images})
    assert message in str(info.value)


def test_file_and_pasted_images_become_codexs_user_message(tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    shot.write_bytes(png(3, 2))
    images = load_images(
        [ImageSource(path=shot, shown_as="shot.png"), ImageSource(url=_url(GIF_1X1, "image/gif"))]
    )
    message = user_message_with_images("say hi", images)
    assert message["content"] == [
        {"type": "input_text", "text": '<image name=[Image #1] path="shot.png">'},
        {"type": "input_image", "image_url": _url(png(3, 2)), "detail": "original"},
        {"type": "input_text", "text": "</image>"},
        {"type": "input_text", "text": "<image>"},
        {"type": "input_image", "image_url": _url(GIF_1X1, "image/gif")},
        {"type": "input_text", "text": "</image>"},
        {"type": "input_text", "text": "say hi"},
    ]
    assert input_error({"input": [message]}) is None  # as OpenAI's API checks it


def test_without_images_the_message_is_the_plain_prompt() -> None:
    assert user_message_with_images("hi", ()) == {
        "type": "message",
        "role": "user",
        "content": [{"type": "input_text", "text": "hi"}],
    }


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (ImageSource(url="data:image/png;base64,%%%", shown_as="paste"), "broken base64"),
        (ImageSource(url="https://example.com/a.png", shown_as="paste"), "not a base64 data URL"),
        (ImageSource(url=_url(b"hello"), shown_as="paste"), "not a PNG, JPEG, GIF or WebP"),
        (ImageSource(path=Path("/nonexistent/x.png"), shown_as="x.png"), "`x.png` is not a file"),
    ],
)
def test_bad_image_is_refused_naming_the_problem(source: ImageSource, problem: str) -> None:
    with pytest.raises(ImageProblem, match=problem):
        load_images([source])


def test_too_large_pasted_image_is_refused_before_decoding() -> None:
    huge = "data:image/png;base64," + "A" * (MAX_IMAGE_BYTES * 4 // 3 + 8)
    with pytest.raises(ImageProblem, match="more than the"):
        load_images([ImageSource(url=huge, shown_as="paste")])


def test_chat_completions_gets_image_url_parts() -> None:
    message = user_message_with_images("what is it", [AttachedImage(_url(GIF_1X1, "image/gif"))])
    chat = build_messages(ModelRequest(model="m", instructions="", input=[message], tools=[]))
    assert chat[-1] == {
        "role": "user",
        "content": [
            {"type": "text", "text": "<image>"},
            {"type": "image_url", "image_url": {"url": _url(GIF_1X1, "image/gif")}},
            {"type": "text", "text": "</image>"},
            {"type": "text", "text": "what is it"},
        ],
    }


def test_transcript_shows_the_prompt_and_the_images_as_chips() -> None:
    from codex_lsp.agent.transcript import transcript

    message = user_message_with_images(
        "what is it", [AttachedImage(_url(GIF_1X1, "image/gif"), "shots/a.gif"), AttachedImage(_url(GIF_1X1, "image/gif"))]
    )
    (entry,) = transcript([message])
    assert entry == {"kind": "user", "text": "what is it", "chips": ["a.gif", "image"]}
