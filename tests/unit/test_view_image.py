"""`view_image`: types and sizes read from real headers, the workspace path policy, the
`input_image` data URL the model gets (also through the engine), and the limits."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path

import pytest

from codex_lsp.tools.base import ToolFailure
from codex_lsp.tools.image_info import NotAnImage, image_info
from codex_lsp.tools.view_image import MAX_IMAGE_BYTES, MAX_SIDE_WITHOUT_PILLOW, ViewImageTool
from tests.support.core_harness import make_core
from tests.support.images import GIF_1X1, jpeg_header, png, webp_lossless_header
from tests.support.model_inputs import input_error
from tests.support.scripted_model import ScriptedModel, call, reply, text
from tests.unit.test_shell_support import make_ctx

FIXTURE = Path(__file__).parents[1] / "fixtures" / "codex-0.169-tools.json"
HAS_PILLOW = importlib.util.find_spec("PIL") is not None


def test_schema_is_codex_0169s() -> None:
    recorded = {t.get("name"): t for t in json.loads(FIXTURE.read_text())["gpt-5.5"]}
    assert recorded["view_image"]["parameters"] == ViewImageTool.parameters
    assert recorded["view_image"]["description"] == ViewImageTool.description


@pytest.mark.parametrize(
    ("data", "mime", "size"),
    [
        (png(3, 2), "image/png", (3, 2)),
        (GIF_1X1, "image/gif", (1, 1)),
        (jpeg_header(640, 480), "image/jpeg", (640, 480)),
        (webp_lossless_header(300, 200), "image/webp", (300, 200)),
    ],
)
def test_image_info_reads_headers(data: bytes, mime: str, size: tuple[int, int]) -> None:
    info = image_info(data)
    assert (info.mime, (info.width, info.height)) == (mime, size)


@pytest.mark.parametrize("data", [b"", b"hello", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0\x00"])
def test_image_info_refuses_what_is_not_an_image(data: bytes) -> None:
    with pytest.raises(NotAnImage):
        image_info(data)


async def test_png_goes_back_as_an_input_image_data_url(tmp_path: Path) -> None:
    data = png(4, 4)
    (tmp_path / "shot.png").write_bytes(data)
    out = await ViewImageTool().run(make_ctx(tmp_path), {"path": "shot.png"})
    assert out == [
        {"type": "input_image", "image_url": "data:image/png;base64," + base64.b64encode(data).decode()}
    ]
    body = {"input": [{"type": "function_call_output", "call_id": "c", "output": out}]}
    assert input_error(body) is None  # OpenAI's shape


async def test_outside_the_workspace_and_non_images_are_refused(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (tmp_path / "secret.png").write_bytes(png(1, 1))
    (ws / "notes.txt").write_text("not an image")
    ctx = make_ctx(ws)
    with pytest.raises(ToolFailure, match="outside"):
        await ViewImageTool().run(ctx, {"path": str(tmp_path / "secret.png")})
    with pytest.raises(ToolFailure, match="not a PNG, JPEG, GIF or WebP"):
        await ViewImageTool().run(ctx, {"path": "notes.txt"})
    with pytest.raises(ToolFailure, match="is not a file"):
        await ViewImageTool().run(ctx, {"path": "missing.png"})


async def test_too_many_bytes_is_refused_with_a_next_step(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    with big.open("wb") as f:
        f.write(png(1, 1))
        f.truncate(MAX_IMAGE_BYTES + 1)
    with pytest.raises(ToolFailure, match="make a smaller copy"):
        await ViewImageTool().run(make_ctx(tmp_path), {"path": "big.png"})


@pytest.mark.skipif(HAS_PILLOW, reason="with Pillow, large images are downscaled instead")
async def test_huge_image_without_pillow_is_refused_and_large_one_sent_as_is(tmp_path: Path) -> None:
    side = MAX_SIDE_WITHOUT_PILLOW + 1
    (tmp_path / "huge.jpg").write_bytes(jpeg_header(side, 10))
    with pytest.raises(ToolFailure, match="pip install 'codex-lsp\\[images\\]'"):
        await ViewImageTool().run(make_ctx(tmp_path), {"path": "huge.jpg"})
    (tmp_path / "wide.jpg").write_bytes(jpeg_header(4000, 100))
    (item,) = await ViewImageTool().run(make_ctx(tmp_path), {"path": "wide.jpg"})
    assert item["type"] == "input_image" and item["image_url"].startswith("data:image/jpeg;base64,")


@pytest.mark.skipif(not HAS_PILLOW, reason="Pillow is not installed")
async def test_large_image_is_downscaled_into_codexs_box(tmp_path: Path) -> None:
    (tmp_path / "big.png").write_bytes(png(4096, 100))
    (item,) = await ViewImageTool().run(make_ctx(tmp_path), {"path": "big.png"})
    assert item["type"] == "input_image"
    data = base64.b64decode(item["image_url"].split(",", 1)[1])
    info = image_info(data)
    assert (info.width, info.height) == (2048, 50)


async def test_engine_sends_the_image_as_the_calls_output(tmp_path: Path) -> None:
    model = ScriptedModel(reply(call("view_image", {"path": "d.gif"}, "v1")), reply(text("A dot.")))
    core = make_core(tmp_path, model, approval_policy="never")
    core.path("d.gif").write_bytes(GIF_1X1)
    from codex_lsp.agent import tasks

    result = await core.agent.run(tasks.run_task("what is in d.gif?"))
    assert result.text == "A dot."
    assert "view_image" in [t.name for t in model.requests[0].tools]
    output = model.requests[1].input[-1]
    assert output == {
        "type": "function_call_output",
        "call_id": "v1",
        "output": [{"type": "input_image", "image_url": "data:image/gif;base64," + base64.b64encode(GIF_1X1).decode()}],
    }


def test_model_server_refuses_malformed_tool_outputs() -> None:
    def body(output: object) -> dict[str, object]:
        return {"input": [{"type": "function_call_output", "call_id": "c", "output": output}]}

    assert input_error(body("text")) is None
    assert input_error(body([{"type": "image", "image_url": "x"}])) is not None
    assert input_error(body([{"type": "input_image"}])) is not None
    assert input_error(body([{"type": "input_image", "image_url": "data:image/png;base64,@@"}])) is not None
    assert input_error(body({"type": "input_image"})) is not None
