import io
import time

import cv2
import numpy as np
import pytest
from PIL import Image

from ocr_common.errors import ApiError
from ocr_common.pages import Document, DocumentLimits


def test_a_pdf_is_one_page_per_page_rendered_at_the_dpi(text_pdf):
    with Document(text_pdf([["one"], ["two"], ["three"]]), DocumentLimits(dpi=150)) as doc:
        assert doc.kind == "pdf" and len(doc) == 3
        pages = list(doc.pages())
    assert [p.number for p in pages] == [1, 2, 3]
    # A4 is 595 x 842 points: at 150 dpi 1240 x 1754 pixels
    assert all(abs(p.width - 1240) <= 1 and abs(p.height - 1754) <= 1 and p.dpi == 150 for p in pages)
    assert pages[0].pixels.dtype == np.uint8 and pages[0].pixels.shape[2] == 3
    assert int(pages[0].pixels.min()) < 100 and int(pages[0].pixels.max()) == 255   # black text on white


def test_pages_render_grey_as_opencv_greys_their_colour(text_pdf):
    """What the OCR paths read: each kind of page rendered grey is exactly the grey of its colour rendering."""
    tiff = io.BytesIO()
    frames = [Image.new("RGB", (120, 60), (200, 40 * i, 90)) for i in range(2)]
    frames[0].save(tiff, "TIFF", save_all=True, append_images=frames[1:])
    for data in (text_pdf([["one"], ["two"]]), tiff.getvalue()):
        with Document(data, DocumentLimits(dpi=100)) as doc:
            for i in range(len(doc)):
                grey, colour = doc.render(i, grey=True), doc.render(i)
                assert grey.pixels.ndim == 2 and (grey.width, grey.height, grey.dpi) == (colour.width, colour.height, colour.dpi)
                np.testing.assert_array_equal(grey.pixels, cv2.cvtColor(colour.pixels, cv2.COLOR_BGR2GRAY))


def test_a_large_pdf_page_is_rendered_at_a_lower_dpi_to_fit_the_pixel_limit(text_pdf):
    with Document(text_pdf([["x"]]), DocumentLimits(dpi=300, min_dpi=72, max_page_pixels=2_000_000)) as doc:
        page = doc.render(0)
    assert page.width * page.height <= 2_000_000 and 72 <= page.dpi < 300


def test_a_multi_page_tiff_is_one_page_per_frame():
    frames = [Image.new("L", (200 + 10 * i, 100), 255 - 60 * i) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    with Document(buf.getvalue()) as doc:
        pages = list(doc.pages())
    assert [(p.width, int(p.pixels[0, 0, 0])) for p in pages] == [(200, 255), (210, 195), (220, 135)]


def test_an_image_is_one_page():
    buf = io.BytesIO()
    Image.new("RGB", (64, 32), "white").save(buf, "PNG")
    with Document(buf.getvalue()) as doc:
        assert doc.kind == "png" and len(doc) == 1 and doc.render(0).pixels.shape == (32, 64, 3)


def test_too_many_tiff_pages_are_refused():
    buf = io.BytesIO()
    Image.new("L", (10, 10)).save(buf, "TIFF", save_all=True, append_images=[Image.new("L", (10, 10))] * 4)
    with pytest.raises(ApiError) as err:
        Document(buf.getvalue(), DocumentLimits(max_pages=3))
    assert (err.value.status, err.value.code) == (413, "too_many_pages")


@pytest.mark.parametrize("name", ["million_point_page", "ten_thousand_pages", "encrypted", "garbage", "truncated"])
def test_bad_pdfs_are_refused_quickly_with_a_clear_error(bad_pdf_cases, name):
    data, status, code = bad_pdf_cases[name]
    start = time.monotonic()
    with pytest.raises(ApiError) as err:
        with Document(data) as doc:
            doc.render(0)
    assert (err.value.status, err.value.code) == (status, code), err.value.detail
    assert time.monotonic() - start < 2.0


def test_not_a_document_is_415():
    with pytest.raises(ApiError) as err:
        Document(b"hello, world")
    assert err.value.status == 415
