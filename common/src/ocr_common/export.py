"""Renders the canonical result (a list of `OcrPage`) as plain text, hOCR 1.2 or ALTO v4.

Boxes are axis-aligned in the page's pixels: the bounding box of each 4-point quad. A searchable PDF is
made by `ocr_common.searchable_pdf`.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from .ocr_result import PAGE_SEPARATOR, OcrLine, OcrPage

FORMATS = {"txt": "text/plain; charset=utf-8", "hocr": "text/html; charset=utf-8",
           "alto": "application/xml; charset=utf-8", "pdf": "application/pdf"}
EXTENSIONS = {"txt": "txt", "hocr": "hocr", "alto": "xml", "pdf": "pdf", "json": "json"}
ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"


def bbox(points, width: int | None = None, height: int | None = None) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) around the points, rounded outwards, clamped to the page when its size is given."""
    xs, ys = [float(p[0]) for p in points], [float(p[1]) for p in points]
    x0, y0, x1, y1 = math.floor(min(xs)), math.floor(min(ys)), math.ceil(max(xs)), math.ceil(max(ys))
    if width is not None and height is not None:
        x0, x1 = min(max(x0, 0), width), min(max(x1, 0), width)
        y0, y1 = min(max(y0, 0), height), min(max(y1, 0), height)
    return x0, y0, x1, y1


def to_text(pages: list[OcrPage]) -> str:
    """Lines in reading order, one per line of text; pages separated by a form feed."""
    return PAGE_SEPARATOR.join(p.text + "\n" if p.text else "" for p in pages)


def _words(line: OcrLine):
    """The line's words; a line without word boxes counts as one word."""
    return line.words or [line]


# --- hOCR 1.2 -----------------------------------------------------------------------------------
def to_hocr(pages: list[OcrPage], title: str = "") -> str:
    """hOCR 1.2 (XHTML): ocr_page > ocr_par > ocr_line > ocrx_word, each with `bbox`, words with `x_wconf` (0-100)."""
    html = ET.Element("html", {"xmlns": "http://www.w3.org/1999/xhtml", "xml:lang": "en", "lang": "en"})
    head = ET.SubElement(html, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "meta", {"http-equiv": "Content-Type", "content": "text/html;charset=utf-8"})
    ET.SubElement(head, "meta", {"name": "ocr-system", "content": "ocrmesh"})
    ET.SubElement(head, "meta", {"name": "ocr-capabilities", "content": "ocr_page ocr_par ocr_line ocrx_word ocrp_wconf"})
    body = ET.SubElement(html, "body")
    for p in pages:
        page_title = f"bbox 0 0 {p.width} {p.height}; ppageno {p.page - 1}"
        if p.dpi:
            page_title += f"; scan_res {round(p.dpi)} {round(p.dpi)}"
        page = ET.SubElement(body, "div", {"class": "ocr_page", "id": f"page_{p.page}", "title": page_title})
        if p.lines:   # one paragraph holds the page's lines: readers such as OCRmyPDF look for lines in paragraphs
            px0, py0, px1, py1 = bbox([pt for line in p.lines for pt in line.points], p.width, p.height)
            page = ET.SubElement(page, "p", {"class": "ocr_par", "id": f"par_{p.page}_1", "lang": "eng",
                                             "title": f"bbox {px0} {py0} {px1} {py1}"})
        for li, line in enumerate(p.lines, 1):
            x0, y0, x1, y1 = bbox(line.points, p.width, p.height)
            span = ET.SubElement(page, "span", {"class": "ocr_line", "id": f"line_{p.page}_{li}",
                                                "title": f"bbox {x0} {y0} {x1} {y1}"})
            for wi, word in enumerate(_words(line), 1):
                wx0, wy0, wx1, wy1 = bbox(word.points, p.width, p.height)
                w = ET.SubElement(span, "span", {"class": "ocrx_word", "id": f"word_{p.page}_{li}_{wi}",
                                                 "title": f"bbox {wx0} {wy0} {wx1} {wy1}; "
                                                          f"x_wconf {round(word.confidence * 100)}"})
                w.text = word.text
                w.tail = " "
            span.tail = "\n"
    ET.indent(head)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n' + ET.tostring(html, encoding="unicode") + "\n")


# --- ALTO v4 ------------------------------------------------------------------------------------
def _box_attrs(x0: int, y0: int, x1: int, y1: int) -> dict[str, str]:
    return {"HPOS": str(x0), "VPOS": str(y0), "WIDTH": str(x1 - x0), "HEIGHT": str(y1 - y0)}


def to_alto(pages: list[OcrPage], file_name: str = "") -> str:
    """ALTO v4 in pixels: Page > PrintSpace > TextBlock (one per page) > TextLine > String (CONTENT, WC 0-1) / SP."""
    ET.register_namespace("", ALTO_NS)
    ET.register_namespace("xsi", XSI_NS)
    q = lambda tag: f"{{{ALTO_NS}}}{tag}"  # noqa: E731
    alto = ET.Element(q("alto"), {f"{{{XSI_NS}}}schemaLocation": f"{ALTO_NS} http://www.loc.gov/alto/v4/alto-4-2.xsd"})
    desc = ET.SubElement(alto, q("Description"))
    ET.SubElement(desc, q("MeasurementUnit")).text = "pixel"
    ET.SubElement(ET.SubElement(desc, q("sourceImageInformation")), q("fileName")).text = file_name
    step = ET.SubElement(ET.SubElement(desc, q("OCRProcessing"), {"ID": "OCR_0"}), q("ocrProcessingStep"))
    ET.SubElement(ET.SubElement(step, q("processingSoftware")), q("softwareName")).text = "ocrmesh"
    layout = ET.SubElement(alto, q("Layout"))
    for p in pages:
        page = ET.SubElement(layout, q("Page"), {"ID": f"page_{p.page}", "PHYSICAL_IMG_NR": str(p.page),
                                                 "WIDTH": str(p.width), "HEIGHT": str(p.height)})
        space = ET.SubElement(page, q("PrintSpace"), _box_attrs(0, 0, p.width, p.height))
        if not p.lines:
            continue
        boxes = [bbox(ln.points, p.width, p.height) for ln in p.lines]
        block_box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        block = ET.SubElement(space, q("TextBlock"), {"ID": f"block_{p.page}"} | _box_attrs(*block_box))
        for li, (line, lbox) in enumerate(zip(p.lines, boxes, strict=True), 1):
            tl = ET.SubElement(block, q("TextLine"), {"ID": f"line_{p.page}_{li}"} | _box_attrs(*lbox))
            prev_x1 = None
            for wi, word in enumerate(_words(line), 1):
                wb = bbox(word.points, p.width, p.height)
                if prev_x1 is not None:
                    ET.SubElement(tl, q("SP"), {"HPOS": str(prev_x1), "VPOS": str(wb[1]),
                                                "WIDTH": str(max(wb[0] - prev_x1, 0))})
                ET.SubElement(tl, q("String"), {"ID": f"string_{p.page}_{li}_{wi}", "CONTENT": word.text}
                              | _box_attrs(*wb) | {"WC": f"{word.confidence:.4f}"})
                prev_x1 = wb[2]
    ET.indent(alto)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(alto, encoding="unicode") + "\n"
