"""Serving needs no PyTorch: with `import torch` made impossible, every service app imports, and a dev page is
read through the detection and recognition apps and in-process (ocr_models.loader + PageReader), the same."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import importlib.abc, json, sys

    class NoTorch(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                raise ModuleNotFoundError(f"import of {name} blocked: serving must not need torch")
            return None

    sys.meta_path.insert(0, NoTorch())

    import cv2
    from fastapi.testclient import TestClient

    import ocr_gateway.main, ocr_imagestore.main  # noqa: E401, F401 (every service app imports)
    from ocr_common.geometry import crop_quad
    from ocr_detection.config import Settings as DetectionSettings
    from ocr_detection.main import create_app as detection_app
    from ocr_models.loader import load_detector, load_recognizer
    from ocr_models.pipeline import PageReader
    from ocr_recognition.config import Settings as RecognitionSettings
    from ocr_recognition.main import create_app as recognition_app

    page_path = sys.argv[1]
    data = open(page_path, "rb").read()
    pixels = cv2.imread(page_path, cv2.IMREAD_COLOR)
    with TestClient(detection_app(DetectionSettings(MODEL_RELOAD_SECONDS=0))) as det, \\
         TestClient(recognition_app(RecognitionSettings(MODEL_RELOAD_SECONDS=0))) as rec:
        lines = det.post("/v1/detect", files={"image": ("page.png", data, "image/png")}).json()["lines"]
        crops = [cv2.imencode(".png", crop_quad(pixels, ln["points"]))[1].tobytes() for ln in lines]
        read = rec.post("/v1/recognize", files=[("images", (f"{i}.png", c, "image/png")) for i, c in enumerate(crops)])
        texts = [ln["text"] for ln in read.json()["lines"]]
    detector, recognizer = load_detector(), load_recognizer()
    local = detector.detect(pixels).lines
    page = PageReader(detector, recognizer).read(pixels)
    print(json.dumps({
        "service_points": [ln["points"] for ln in lines], "local_points": [ln.points for ln in local],
        "service_texts": texts, "local_texts": [r.text for r in recognizer.recognize([crop_quad(pixels, ln.points) for ln in local])],
        "page_text": page.text, "torch_loaded": "torch" in sys.modules,
    }))
""")


def test_services_and_the_page_pipeline_run_without_torch(evaldata):
    page = evaldata / "pages" / "sroie" / "066.png"
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(page)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["torch_loaded"] is False
    assert result["service_points"] == result["local_points"] and len(result["local_points"]) > 20
    # The recognition service reads a crop from a grey copy at most 64 px tall (bounded memory), the in-process
    # reader from the crop itself: the same lines, read the same but for a rare character.
    same = sum(a == b for a, b in zip(result["service_texts"], result["local_texts"]))
    assert len(result["service_texts"]) == len(result["local_texts"]) and same >= 0.95 * len(result["local_texts"])
    assert "PASARAYA BORONG PINTAR" in result["page_text"]


def test_every_committed_onnx_model_carries_its_checkpoints_kind_and_config():
    """What `ocrmesh export` and `ocrmesh models promote` write; serving reads nothing else."""
    from ocr_models.checkpoint import load_checkpoint
    from ocr_models.loader import model_dir
    from ocr_models.runtime import read_metadata, weights_twin

    root = model_dir()
    found = sorted([*root.glob("*.onnx"), *root.glob("versions/*/*.onnx")])
    assert len([p for p in found if p.name.endswith(".int8.onnx")]) >= 2   # the int8 twins serving runs
    for path in found:
        kind, config = read_metadata(path)
        ckpt = load_checkpoint(weights_twin(path, ".pt"))
        assert kind == ckpt["kind"], path
        assert json.loads(json.dumps(ckpt["config"])) == config, path


CLI_SCRIPT = SCRIPT.split("import cv2")[0] + textwrap.dedent("""
    from ocrmesh.__main__ import main

    status = main(["ocr", "--format", "txt", sys.argv[1]])
    print(json.dumps({"status": status, "torch_loaded": "torch" in sys.modules}))
""")


def test_the_cli_reads_a_page_without_torch(evaldata):
    """`ocrmesh ocr` starts and reads without the train extra (only `ocrmesh train` needs PyTorch)."""
    page = evaldata / "pages" / "sroie" / "066.png"
    out = subprocess.run([sys.executable, "-c", CLI_SCRIPT, str(page)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    *text, last = out.stdout.strip().splitlines()
    assert json.loads(last) == {"status": 0, "torch_loaded": False}
    assert "PASARAYA BORONG PINTAR" in "\n".join(text)
