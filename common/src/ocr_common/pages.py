"""Uploaded files as pages: an image is one page, a multi-page TIFF one page per frame, a PDF one page per
page rendered with PDFium (pypdfium2) at `dpi`.

Everything that can be refused is refused before a pixel is rendered: the file size, the number of pages,
each page's size (a million-point PDF page or a huge TIFF frame), encryption and damage. Pages are then
rendered one at a time (`Document.render`), so memory holds one page, not the whole document.
"""
from __future__ import annotations

import io
import math
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from .errors import ApiError
from .images import ImageLimits, decode_image, sniff_format, to_pixels

PDF_MAGIC = b"%PDF-"

# PDFium is not thread-safe, not even across documents: every call into it holds this lock.
_PDFIUM = threading.Lock()


@dataclass(frozen=True)
class DocumentLimits:
    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 100
    max_page_pixels: int = 40_000_000       # per rendered page or TIFF frame
    max_side: int = 20_000
    dpi: float = 200.0                      # PDF pages are rendered at this resolution ...
    min_dpi: float = 100.0                  # ... or lower, down to this, to fit max_page_pixels

    def image_limits(self) -> ImageLimits:
        return ImageLimits(self.max_bytes, self.max_page_pixels, self.max_side)


@dataclass
class PageImage:
    number: int                 # 1-based
    pixels: np.ndarray          # BGR uint8, or grey (2-D) when rendered grey
    dpi: float | None = None    # the rendering resolution of a PDF page

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])


def sniff_kind(data: bytes) -> str | None:
    """'pdf', an image format (see ocr_common.images), or None."""
    # PDF readers accept the header within the first KiB, as PDFium does.
    return "pdf" if PDF_MAGIC in data[:1024] else sniff_format(data)


class Document:
    """An opened upload: `len(doc)` pages, `doc.render(i)` the i-th (0-based) as BGR pixels (`grey=True`: grey).
    Use it as a context manager (a PDF holds PDFium resources)."""

    def __init__(self, data: bytes, limits: DocumentLimits = DocumentLimits(), what: str = "file"):
        self.data, self.limits, self.what = data, limits, what
        if not data:
            raise ApiError(400, "empty_file", f"{what} is empty")
        if len(data) > limits.max_bytes:
            raise ApiError(413, "file_too_large", f"{what} is {len(data)} bytes; the limit is {limits.max_bytes}")
        self.kind = sniff_kind(data)
        self._pdf = None
        self._scales: list[float] = []
        self._frames = 1
        if self.kind == "pdf":
            self._open_pdf()
        elif self.kind == "tiff":
            self._open_tiff()
        elif self.kind is None:
            raise ApiError(415, "unsupported_media_type",
                           f"{what} is not a PDF or a supported image (PDF, PNG, JPEG, TIFF, BMP, WebP, GIF)")

    # --- PDF ---------------------------------------------------------------------------------
    def _open_pdf(self) -> None:
        import pypdfium2 as pdfium

        with _PDFIUM:
            try:
                pdf = pdfium.PdfDocument(self.data)
            except pdfium.PdfiumError as exc:
                if "password" in str(exc).lower():
                    raise ApiError(422, "encrypted_pdf", f"{self.what} is encrypted: send it without a password") from None
                raise ApiError(400, "invalid_pdf", f"{self.what} could not be read as a PDF ({exc})") from None
            try:
                n = len(pdf)
                if n < 1:
                    raise ApiError(400, "invalid_pdf", f"{self.what} has no pages")
                if n > self.limits.max_pages:
                    raise ApiError(413, "too_many_pages", f"{self.what} has {n} pages; the limit is {self.limits.max_pages}")
                self._scales = [self._pdf_scale(i, *pdf.get_page_size(i)) for i in range(n)]
            except BaseException:
                pdf.close()
                raise
        self._pdf = pdf

    def _pdf_scale(self, index: int, w_pt: float, h_pt: float) -> float:
        """Pixels per point for page `index`: `dpi`, lowered to fit the pixel limits, never below `min_dpi`."""
        lim = self.limits
        if not (math.isfinite(w_pt) and math.isfinite(h_pt)) or w_pt <= 0 or h_pt <= 0:
            raise ApiError(400, "invalid_pdf", f"page {index + 1} of {self.what} has no size")
        scale = lim.dpi / 72
        scale = min(scale, math.sqrt(lim.max_page_pixels / (w_pt * h_pt)), lim.max_side / max(w_pt, h_pt))
        while scale > 0 and math.ceil(w_pt * scale) * math.ceil(h_pt * scale) > lim.max_page_pixels:
            scale *= 0.995   # PDFium rounds the bitmap's size up
        if scale < lim.min_dpi / 72:
            raise ApiError(413, "page_too_large", f"page {index + 1} of {self.what} is {w_pt:.0f}x{h_pt:.0f} points: "
                           f"at {lim.min_dpi:.0f} dpi it is over {lim.max_page_pixels} pixels or {lim.max_side} px per side")
        return scale

    # --- multi-page TIFF ----------------------------------------------------------------------
    def _open_tiff(self) -> None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                img = Image.open(io.BytesIO(self.data))
                n = getattr(img, "n_frames", 1)
                if n > self.limits.max_pages:
                    raise ApiError(413, "too_many_pages", f"{self.what} has {n} pages; the limit is {self.limits.max_pages}")
                for i in range(n):
                    img.seek(i)
                    w, h = img.size
                    if w * h > self.limits.max_page_pixels or max(w, h) > self.limits.max_side:
                        raise ApiError(413, "image_too_large", f"page {i + 1} of {self.what} is {w}x{h} pixels; the limits "
                                       f"are {self.limits.max_page_pixels} pixels and {self.limits.max_side} px per side")
        except ApiError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ApiError(413, "image_too_large", f"{self.what} has too many pixels") from None
        except Exception as exc:
            raise ApiError(400, "invalid_image", f"{self.what} could not be decoded: {exc}") from None
        self._frames = n

    # --- pages --------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._scales) if self.kind == "pdf" else self._frames

    def render(self, index: int, grey: bool = False) -> PageImage:
        if self.kind == "pdf":
            return self._render_pdf(index, grey)
        if self.kind == "tiff" and self._frames > 1:
            return PageImage(index + 1, _tiff_frame(self.data, index, self.what, grey))
        return PageImage(1, decode_image(self.data, self.limits.image_limits(), self.what, grey=grey).pixels)

    def _render_pdf(self, index: int, grey: bool = False) -> PageImage:
        import pypdfium2 as pdfium

        scale = self._scales[index]
        with _PDFIUM:
            try:
                page = self._pdf[index]
                try:
                    bitmap = page.render(scale=scale, may_draw_forms=True)
                    bgrx = bitmap.to_numpy()   # PDFium writes BGR(x)
                    pixels = cv2.cvtColor(bgrx, cv2.COLOR_BGRA2GRAY) if grey else bgrx[:, :, :3].copy()
                finally:
                    page.close()
            except pdfium.PdfiumError as exc:
                raise ApiError(400, "invalid_pdf", f"page {index + 1} of {self.what} could not be rendered ({exc})") from None
        return PageImage(index + 1, np.ascontiguousarray(pixels), dpi=round(scale * 72, 2))

    def pages(self, grey: bool = False) -> Iterator[PageImage]:
        for i in range(len(self)):
            yield self.render(i, grey)

    def close(self) -> None:
        if self._pdf is not None:
            with _PDFIUM:
                self._pdf.close()
            self._pdf = None

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _tiff_frame(data: bytes, index: int, what: str, grey: bool = False) -> np.ndarray:
    try:
        img = Image.open(io.BytesIO(data))
        img.seek(index)
        img.load()
        return to_pixels(img, grey=grey)
    except Exception as exc:
        raise ApiError(400, "invalid_image", f"page {index + 1} of {what} could not be decoded: {exc}") from None
