"""`ocrmesh ocr` on pages: images, multi-page TIFFs and PDFs in; JSON, text, hOCR, ALTO or a searchable PDF out.

Every input is opened and checked whole first (ocr_common.pages: size, pages, encryption), then read one page
at a time. JSON and text go to stdout, one JSON object (or text) per input, unless -o names a file. hOCR, ALTO
and PDF are one document per input: -o FILE for one input, -o DIR for several (DIR/<name>.<ext>); hOCR and ALTO
of one input may also go to stdout, and a PDF when stdout is not a terminal.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from ocr_common.errors import ApiError
from ocr_common.export import EXTENSIONS, to_alto, to_hocr, to_text
from ocr_common.ocr_result import OcrPage, document_text
from ocr_common.pages import Document, DocumentLimits
from ocr_common.searchable_pdf import make_pdf

FORMATS = ("json", "txt", "text", "hocr", "alto", "pdf")
DOCUMENT_FORMATS = ("hocr", "alto", "pdf")


def add_document_arguments(p) -> None:
    p.add_argument("-o", "--output", type=Path, default=None,
                   help="output file (one input) or folder (several inputs); default stdout for json, txt, hocr, alto")
    p.add_argument("--dpi", type=float, default=200.0, help="resolution PDF pages are rendered at (default 200)")
    p.add_argument("--max-pages", type=int, default=500, help="refuse documents with more pages (default 500)")
    p.add_argument("--max-page-pixels", type=int, default=100_000_000, help="per rendered page (default 100 M)")
    p.add_argument("--max-file-bytes", type=int, default=500 * 1024 * 1024, help="per input file (default 500 MiB)")


def limits_of(args) -> DocumentLimits:
    return DocumentLimits(max_bytes=args.max_file_bytes, max_pages=args.max_pages, max_page_pixels=args.max_page_pixels,
                          max_side=30_000, dpi=args.dpi, min_dpi=min(72.0, args.dpi))


def check_output(args, n_inputs: int) -> str | None:
    """Why these arguments cannot write the output, or None."""
    fmt = args.format
    if fmt in DOCUMENT_FORMATS and n_inputs > 1 and args.output is None:
        return f"--format {fmt} with several inputs needs -o DIR"
    if fmt in DOCUMENT_FORMATS and n_inputs > 1 and args.output.exists() and not args.output.is_dir():
        return f"-o {args.output}: with several inputs this must be a folder"
    if fmt == "pdf" and args.output is None and sys.stdout.isatty():
        return "--format pdf writes binary: give -o FILE or redirect stdout"
    return None


def read_document(reader, path: Path, name: str, limits: DocumentLimits, progress=None) -> tuple[list[OcrPage], float]:
    """OCRs every page of the file; returns the pages and the smallest detector scale (1.0 = full size)."""
    pages, scale = [], 1.0
    with Document(path.read_bytes(), limits, what=name) as doc:
        for i in range(len(doc)):
            image = doc.render(i, grey=True)   # both models read grey
            result = reader.read(image.pixels)
            scale = min(scale, result.scale)
            pages.append(result.to_page(image.number, image.dpi))
            if progress is not None:
                progress.update(1)
    return pages, scale


def page_images(path: Path, limits: DocumentLimits, name: str):
    """The pages' pixels again, one at a time (for the PDF's images: nothing is kept while reading)."""
    with Document(path.read_bytes(), limits, what=name) as doc:
        for i in range(len(doc)):
            yield doc.render(i).pixels


def json_row(name: str, pages: list[OcrPage], scale: float, is_document: bool) -> dict:
    first = pages[0]
    row = {"image": name, "width": first.width, "height": first.height, "text": document_text(pages),
           "lines": [ln.model_dump() for p in pages for ln in p.lines]}
    if is_document:
        row["pages"] = [p.model_dump() for p in pages]
    else:
        row["rotation"] = first.rotation
    if scale < 1.0:
        row["downscaled"] = round(scale, 4)
    return row


def run_pages(args, items, reader) -> int:
    """Detection + recognition in-process for every input, written in the chosen format."""
    from tqdm import tqdm

    fmt = "txt" if args.format == "text" else args.format
    problem = check_output(args, len(items))
    if problem:
        print(f"ocrmesh ocr: {problem}", file=sys.stderr)
        return 2
    limits = limits_of(args)
    to_dir = fmt in DOCUMENT_FORMATS and len(items) > 1
    if to_dir:
        args.output.mkdir(parents=True, exist_ok=True)
    stream = open(args.output, "w", encoding="utf-8") if fmt in ("json", "txt") and args.output else sys.stdout  # noqa: SIM115
    failed = 0
    try:
        with tqdm(desc="ocr", unit="page", disable=len(items) < 3, file=sys.stderr) as progress:
            for it in items:
                try:
                    pages, scale = read_document(reader, it.path, it.name, limits, progress)
                except (OSError, ApiError) as exc:
                    failed += 1
                    error = exc.detail if isinstance(exc, ApiError) else _os_error(exc)
                    print(f"ocrmesh: {it.name}: {error}", file=sys.stderr)
                    if fmt == "json":
                        print(json.dumps({"image": it.name, "error": error}), file=stream, flush=True)
                    continue
                is_document = len(pages) > 1 or pages[0].dpi is not None   # several pages, or a PDF
                if fmt == "json":
                    print(json.dumps(json_row(it.name, pages, scale, is_document), ensure_ascii=False), file=stream, flush=True)
                elif fmt == "txt":
                    print(to_text(pages), end="", file=stream, flush=True)
                else:
                    target = args.output / f"{Path(it.name).stem}.{EXTENSIONS[fmt]}" if to_dir else args.output
                    _write_document(fmt, pages, it, limits, target)
    finally:
        if stream is not sys.stdout:
            stream.close()
    return 1 if failed else 0


def _write_document(fmt: str, pages: list[OcrPage], item, limits: DocumentLimits, target: Path | None) -> None:
    if fmt == "pdf":
        data = make_pdf(zip(pages, page_images(item.path, limits, item.name)), title=Path(item.name).name)
    elif fmt == "hocr":
        data = to_hocr(pages, title=item.name).encode()
    else:
        data = to_alto(pages, file_name=item.name).encode()
    if target is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    else:
        target.write_bytes(data)


def _os_error(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "file not found"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    return exc.strerror or str(exc)
