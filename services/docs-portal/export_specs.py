"""Exports the OpenAPI document of every ocrmesh service from its FastAPI app, without running it.

    python services/docs-portal/export_specs.py DIR              # DIR/<service>.json for all, and DIR/services.json
    python services/docs-portal/export_specs.py --only gateway --file services/frontend/openapi.json

Creating an app loads no model and opens no connection (only its lifespan would), so this runs
anywhere the services are installed. The output is deterministic: the same code gives the same bytes.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

# Placeholder peers: the documents do not depend on them, but the settings require them.
_PEERS = {"DETECTION_URL": "http://detection:8000", "RECOGNITION_URL": "http://recognition:8000",
          "IMAGESTORE_URL": "http://image-store:8000"}


def _gateway() -> dict:
    from ocr_gateway.config import Settings
    from ocr_gateway.main import create_app

    return create_app(Settings(**_PEERS, DATABASE_URL="postgresql+psycopg2://ocrmesh@postgres:5432/ocrmesh")).openapi()


def _detection() -> dict:
    from ocr_detection.config import Settings
    from ocr_detection.main import create_app

    return create_app(Settings()).openapi()


def _recognition() -> dict:
    from ocr_recognition.config import Settings
    from ocr_recognition.main import create_app

    return create_app(Settings()).openapi()


def _imagestore() -> dict:
    from ocr_imagestore.config import Settings
    from ocr_imagestore.main import create_app

    settings = Settings(DATABASE_URL="postgresql+psycopg2://ocrmesh@postgres:5432/ocrmesh",
                        RABBITMQ_URL="amqp://guest:guest@rabbitmq:5672/%2F")
    return create_app(settings).openapi()


# In the order the portal lists them: the public gateway first, then the services behind it.
SERVICES: dict[str, Callable[[], dict]] = {
    "gateway": _gateway,
    "detection": _detection,
    "recognition": _recognition,
    "image-store": _imagestore,
}


def render(spec: dict) -> str:
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def export(names: list[str] | None = None) -> dict[str, str]:
    """File name -> content: one document per service, plus services.json (the portal's index)."""
    names = names or list(SERVICES)
    files, index = {}, []
    for name in names:
        spec = SERVICES[name]()
        files[f"{name}.json"] = render(spec)
        info = spec.get("info", {})
        index.append({"name": name, "title": info.get("title", name), "version": info.get("version", ""),
                      "description": info.get("description", ""), "spec": f"specs/{name}.json",
                      "operations": sum(len(ops) for ops in spec.get("paths", {}).values())})
    if len(names) > 1:
        files["services.json"] = render({"services": index})
    return files


def write_if_changed(path: Path, content: str) -> bool:
    if path.exists() and path.read_text(encoding="utf-8") == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, help="write <service>.json and services.json here")
    parser.add_argument("--only", nargs="+", choices=list(SERVICES), help="export these services only")
    parser.add_argument("--file", type=Path, help="with a single --only: write that document to this file")
    args = parser.parse_args(argv)
    files = export(args.only)
    if args.file:
        if not args.only or len(args.only) != 1:
            parser.error("--file needs exactly one --only service")
        changed = write_if_changed(args.file, files[f"{args.only[0]}.json"])
        print(f"{args.file}: {'written' if changed else 'unchanged'}", file=sys.stderr)
        return 0
    if not args.dir:
        parser.error("give an output directory or --file")
    for name, content in files.items():
        changed = write_if_changed(args.dir / name, content)
        print(f"{args.dir / name}: {'written' if changed else 'unchanged'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
