"""An OCRmyPDF plugin: `ocrmypdf --plugin ocrmesh.ocrmypdf in.pdf out.pdf` reads the pages with ocrmesh's models
in place of Tesseract.

OCRmyPDF rasterizes each page, hands the image to this engine (OCRmyPDF's `OcrEngine` interface), and grafts the
text layer we return onto the page: hOCR for its default renderer (fpdf2), or a text-only PDF for
`--pdf-renderer sandwich` (both from ocrmesh's one result, `ocr_common.export` and `ocr_common.searchable_pdf`).

By default the pages are read in-process with the committed models (OCRMESH_MODEL_DIR), loaded once per OCRmyPDF
worker, each worker on one thread (OCRmyPDF runs pages side by side itself, `--jobs`). `--ocrmesh-url URL` sends
each page image to a running gateway's `POST /v1/ocr` instead (with `--ocrmesh-api-key` or OCRMESH_API_KEY when
its authentication is on); the gateway keeps the page and its result like any upload.
"""
from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np
from ocrmypdf import hookimpl
from ocrmypdf.exceptions import BadArgsError, SubprocessOutputError
from ocrmypdf.pluginspec import OcrEngine, OrientationConfidence
from PIL import Image
from pydantic import BaseModel

from ocr_common.export import to_hocr
from ocr_common.ocr_result import OcrPage
from ocr_common.searchable_pdf import DEFAULT_IMAGE_DPI, make_pdf

LANGUAGES = frozenset({"eng"})     # the recognizer reads printable ASCII and a few typographic signs


class OcrmeshOptions(BaseModel):
    """The plugin's options (`options.ocrmesh.*`), from --ocrmesh-* on the command line."""
    url: str | None = None
    api_key: str | None = None
    timeout: float = 120.0


@hookimpl
def register_options():
    return {"ocrmesh": OcrmeshOptions}


@hookimpl
def add_options(parser):
    group = parser.add_argument_group("ocrmesh", "Reading pages with ocrmesh's models (--plugin ocrmesh.ocrmypdf)")
    group.add_argument("--ocrmesh-url", metavar="URL", default=None,
                       help="a running ocrmesh gateway (e.g. http://127.0.0.1:8080) to send each page to; "
                            "default: read in-process with the committed models")
    group.add_argument("--ocrmesh-api-key", metavar="KEY", default=os.environ.get("OCRMESH_API_KEY"),
                       help="API key for a gateway with authentication on (default: OCRMESH_API_KEY)")
    group.add_argument("--ocrmesh-timeout", metavar="SECONDS", type=float, default=120.0,
                       help="seconds to wait for the gateway per page (default 120)")


@hookimpl
def check_options(options):
    url = options.ocrmesh.url
    if url is not None and not url.startswith(("http://", "https://")):
        raise BadArgsError(f"--ocrmesh-url must be an http(s) URL, not {url!r}")


@hookimpl
def get_ocr_engine(options):
    """ocrmesh answers for the default engine ('auto'); `--ocr-engine tesseract` or `none` still choose those."""
    if options is not None and getattr(options, "ocr_engine", "auto") != "auto":
        return None
    return OcrmeshEngine()


# --- reading a page -------------------------------------------------------------------------------
_load_lock = threading.Lock()


@lru_cache(maxsize=1)
def _page_reader():
    """Detector and recognizer from the committed weights, loaded once per process, on one thread."""
    from ocr_models.pipeline import PageReader

    from .commands import _load_detector, _load_recognizer

    # OCRmyPDF turns pages itself (--rotate-pages, asking get_orientation): the reader reads them as they come.
    return PageReader(_load_detector(None, "auto"), _load_recognizer(None, "auto", workers=1), orientation=False)


def _open_page(path: Path) -> tuple[np.ndarray, float]:
    """The page image as BGR pixels, and its resolution (OCRmyPDF's rasterized pages carry it)."""
    with Image.open(path) as im:
        dpi = im.info.get("dpi", (DEFAULT_IMAGE_DPI,))[0] or DEFAULT_IMAGE_DPI
        rgb = np.asarray(im.convert("RGB"))
    return np.ascontiguousarray(rgb[..., ::-1]), float(dpi)


def _reader():
    with _load_lock:
        return _page_reader()


def read_page(path: Path, settings: OcrmeshOptions) -> OcrPage:
    """ocrmesh's reading of one page image, at the image's resolution."""
    if settings.url:
        return _read_through_gateway(path, settings)
    pixels, dpi = _open_page(path)
    return _reader().read(pixels).to_page(1, dpi)


def page_orientation(path: Path) -> OrientationConfidence:
    """For --rotate-pages: OCRmyPDF's angle is the clockwise turn the page's content has (it turns the page back
    by as much), ocrmesh's the clockwise turn that puts it upright. ocrmesh turns only when sure (confidence 15,
    above OCRmyPDF's default threshold); in-process even with --ocrmesh-url."""
    pixels, _ = _open_page(path)
    rotation, _ = _reader().orient(pixels)
    return OrientationConfidence(angle=(360 - rotation) % 360, confidence=15.0)


def _read_through_gateway(path: Path, settings: OcrmeshOptions) -> OcrPage:
    import httpx

    with Image.open(path) as im:
        dpi = float(im.info.get("dpi", (DEFAULT_IMAGE_DPI,))[0] or DEFAULT_IMAGE_DPI)
    headers = {"Authorization": f"Bearer {settings.api_key}"} if settings.api_key else {}
    url = settings.url.rstrip("/") + "/v1/ocr"
    try:
        with open(path, "rb") as f:
            response = httpx.post(url, files={"image": (path.name, f)}, headers=headers, timeout=settings.timeout)
    except httpx.HTTPError as exc:
        raise SubprocessOutputError(f"ocrmesh gateway {url}: {exc}") from exc
    if response.status_code != 200:
        raise SubprocessOutputError(f"ocrmesh gateway {url}: {response.status_code} {response.text[:300]}")
    page = OcrPage.model_validate(response.json()["pages"][0])
    return page.model_copy(update={"dpi": dpi})


class OcrmeshEngine(OcrEngine):
    @staticmethod
    def version() -> str:
        from importlib.metadata import version

        return version("ocrmesh")

    @staticmethod
    def creator_tag(options) -> str:
        return f"ocrmesh {OcrmeshEngine.version()}"

    def __str__(self) -> str:
        return f"ocrmesh {self.version()}"

    @staticmethod
    def languages(options) -> frozenset[str]:
        return LANGUAGES

    @staticmethod
    def get_orientation(input_file: Path, options) -> OrientationConfidence:
        return page_orientation(Path(input_file))

    @staticmethod
    def generate_hocr(input_file: Path, output_hocr: Path, output_text: Path, options) -> None:
        page = read_page(Path(input_file), options.ocrmesh)
        Path(output_hocr).write_text(to_hocr([page], title=Path(input_file).name), encoding="utf-8")
        Path(output_text).write_text(page.text + "\n" if page.text else "", encoding="utf-8")

    @staticmethod
    def generate_pdf(input_file: Path, output_pdf: Path, output_text: Path, options) -> None:
        page = read_page(Path(input_file), options.ocrmesh)
        Path(output_pdf).write_bytes(make_pdf([(page, None)]))
        Path(output_text).write_text(page.text + "\n" if page.text else "", encoding="utf-8")
