"""PostgreSQL unreachable (restarting): the gateway answers 503 database_unavailable with Retry-After, never 500.
Found by the reliability campaign: its PostgreSQL restart gave 500 internal_error once the gateway's limits and
outbox moved into the database."""
import io

import numpy as np
from fastapi.testclient import TestClient
from ocr_gateway.config import Settings
from ocr_gateway.main import create_app
from PIL import Image


def test_requests_during_a_database_outage_are_503_with_retry_after(database_url):
    missing = database_url.rsplit("/", 1)[0] + "/ocrmesh_gw_does_not_exist"
    settings = Settings(DETECTION_URL="http://detection", RECOGNITION_URL="http://recognition",
                        IMAGESTORE_URL="http://image-store", RABBITMQ_URL="amqp://guest:guest@127.0.0.1:1/%2F",
                        DATABASE_URL=missing, MIGRATE_ON_START=False, LIMIT_ANONYMOUS=True)
    buf = io.BytesIO()
    Image.fromarray(np.full((40, 120, 3), 255, np.uint8)).save(buf, "PNG")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        r = client.post("/v1/ocr", files={"image": ("a.png", buf.getvalue(), "image/png")})
        ready = client.get("/readyz")
    assert (r.status_code, r.json()["error"]) == (503, "database_unavailable"), r.text
    assert int(r.headers["retry-after"]) > 0
    assert ready.status_code == 503 and ready.json()["checks"]["database"] is False
