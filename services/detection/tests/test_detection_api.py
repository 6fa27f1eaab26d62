import struct
import zlib

from ocr_models.detection.predictor import DetectionResult, Line


def assert_json_error(r, status, code):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["error"] == code


def test_health_and_readiness(client):
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/readyz").json()["checks"] == {"model_loaded": True}


def test_detect_answers_the_documented_shape(client, page_png):
    r = client.post("/v1/detect", files={"image": ("p.png", page_png, "image/png")})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["width"], body["height"]) == (400, 300)
    assert body["scale"] == 1.0 and body["model_version"].startswith("detector-")
    assert isinstance(body["lines"], list)


def test_original_routes_map_corners_and_clamp(client, page_png, monkeypatch):
    from ocr_detection import main

    lines = [([[50, 120], [300, 118], [301, 150], [51, 152]], 0.91234),
             ([[-4, 10], [200, 10], [200, 40], [-4, 40]], 0.8)]

    async def fixed(self, image, page_size=None):
        return DetectionResult(image.width, image.height, [Line(p, s) for p, s in lines])

    monkeypatch.setattr(main.DetectionEngine, "detect", fixed)
    boxes = client.post("/boxes", files={"image": ("p.png", page_png, "image/png")}).json()
    assert [b["ord_num"] for b in boxes] == [0, 1]
    assert boxes[0]["probability"] == 0.9123
    # TL, TR, BL, BR as the original system sent them.
    assert [(p["axis_x"], p["axis_y"]) for p in boxes[0]["points"]] == [(50, 120), (300, 118), (51, 152), (301, 150)]
    minimal = client.post("/minimal-boxes", files={"image": ("p.png", page_png, "image/png")}).json()
    # Top-down order and clamped to the image.
    assert minimal == [{"start_x": 0, "start_y": 10, "width": 200, "height": 30},
                       {"start_x": 50, "start_y": 118, "width": 251, "height": 34}]


def bomb() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + chunk(b"IEND", b""))


def test_bad_input_gets_json_errors(client, page_png):
    for route in ("/v1/detect", "/boxes", "/minimal-boxes"):
        assert_json_error(client.post(route, files={"image": ("a.png", b"", "image/png")}), 400, "empty_file")
        assert_json_error(client.post(route, files={"image": ("a.png", b"GIF8 nope", "image/png")}), 415, "unsupported_media_type")
        assert_json_error(client.post(route, files={"image": ("a.png", page_png[:100], "image/png")}), 400, "invalid_image")
        assert_json_error(client.post(route, files={"image": ("a.png", bomb(), "image/png")}), 413, "image_too_large")
        assert_json_error(client.post(route, files={"file": ("a.png", page_png, "image/png")}), 422, "invalid_request")


def test_tiny_blank_and_extreme_images_give_no_lines(client):
    import cv2
    import numpy as np

    for img in (np.zeros((1, 1), np.uint8), np.full((600, 800), 255, np.uint8), np.full((20, 5000), 128, np.uint8)):
        r = client.post("/v1/detect", files={"image": ("x.png", cv2.imencode(".png", img)[1].tobytes(), "image/png")})
        assert r.status_code == 200 and r.json()["lines"] == []


def test_openapi_lists_the_routes(client):
    assert {"/v1/detect", "/boxes", "/minimal-boxes", "/healthz", "/readyz"} <= set(client.get("/openapi.json").json()["paths"])


def test_a_large_image_is_decoded_reduced_and_answered_in_its_own_pixels(client, monkeypatch):
    """The detector reads grey pages at 1600 px at most: a 3400 px wide colour page is decoded grey at half size
    (not 3400 px, not three channels), and the lines come back in the upload's pixels."""
    import cv2
    import numpy as np

    from ocr_models.detection.predictor import TextDetector

    seen = []

    def fake(self, pixels):
        seen.append(pixels.shape)
        return DetectionResult(pixels.shape[1], pixels.shape[0],
                               [Line([[100, 10], [700, 10], [700, 40], [100, 40]], 0.9),
                                Line([[1600, 250], [1700, 250], [1700, 300], [1600, 300]], 0.8)], scale=0.94)

    monkeypatch.setattr(TextDetector, "detect", fake)
    page = np.full((600, 3400, 3), 255, np.uint8)
    cv2.putText(page, "Total 12.50", (200, 100), cv2.FONT_HERSHEY_SIMPLEX, 2, (0, 0, 0), 3)
    r = client.post("/v1/detect", files={"image": ("p.png", cv2.imencode(".png", page)[1].tobytes(), "image/png")})
    assert r.status_code == 200, r.text
    assert seen == [(300, 1700)]
    body = r.json()
    assert (body["width"], body["height"], body["scale"]) == (3400, 600, 0.47)
    assert [ln["points"] for ln in body["lines"]] == [[[200, 20], [1400, 20], [1400, 80], [200, 80]],
                                                      [[3200, 500], [3400, 500], [3400, 600], [3200, 600]]]


def test_metrics_count_requests_and_the_admission_queue(client, page_png):
    from prometheus_client.parser import text_string_to_metric_families

    def scrape():
        text = client.get("/metrics").text
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for f in text_string_to_metric_families(text) for s in f.samples}

    served = ("ocrmesh_admission_served_total", (("priority", "normal"),))
    ok = ("ocrmesh_http_requests_total", (("method", "POST"), ("route", "/v1/detect"), ("status", "200")))
    before = scrape()
    assert client.post("/v1/detect", files={"image": ("p.png", page_png, "image/png")}).status_code == 200
    after = scrape()
    assert after[served] == before[served] + 1 and after[ok] == before.get(ok, 0) + 1
    assert after[("ocrmesh_admission_running", ())] == 0 and after[("ocrmesh_admission_waiting", ())] == 0


def test_a_reduced_copy_sent_with_the_page_size_is_answered_in_the_pages_pixels():
    """The gateway's way: the grey page at the detector's size and page_width/page_height; the lines are those the
    page itself gives. Sizes that do not fit, or one side alone, are a clear 422."""
    import cv2
    import numpy as np
    from fastapi.testclient import TestClient
    from ocr_detection.config import Settings
    from ocr_detection.main import create_app

    from ocr_models.loader import default_weights, load_detector

    page = np.full((2600, 1900), 255, np.uint8)
    for i, text in enumerate(["Invoice 2041", "Total due 12.50 EUR"]):
        cv2.putText(page, text, (120, 300 + 260 * i), cv2.FONT_HERSHEY_SIMPLEX, 3.0, 0, 6)
    small = load_detector().reduced(page)
    app = create_app(Settings(MODEL_PATH=default_weights("detector")))
    with TestClient(app) as c:
        def post(image, **params):
            return c.post("/v1/detect", params=params, files={"image": ("p.bmp", cv2.imencode(".bmp", image)[1].tobytes(), "image/bmp")})

        whole, reduced = post(page), post(small, page_width=1900, page_height=2600)
        assert whole.status_code == reduced.status_code == 200, reduced.text
        assert len(whole.json()["lines"]) >= 2 and reduced.json()["lines"] == whole.json()["lines"]
        assert (reduced.json()["width"], reduced.json()["height"]) == (1900, 2600)
        for bad in (post(small, page_width=1900, page_height=2500), post(small, page_width=1900),
                    post(page, page_width=1900, page_height=2600)):
            assert (bad.status_code, bad.json()["error"]) == (422, "page_size_mismatch"), bad.text
