"""A stored result with its corrections applied, as a person sees it: the pages, lines and words that exports
(text, hOCR, ALTO, searchable PDF) are made of.

Corrections apply oldest first. A line correction gives the line its text (its words keep their boxes when
they are as many and the box did not move; otherwise they are spread over the box by their characters), may
move its box, or mark it deleted; an index past the detected lines adds a line (on the page of the line before
it). A whole-text correction is aligned back to the lines by edit distance (`split_like`).
"""
from __future__ import annotations

from rapidfuzz.distance import Levenshtein

from .ocr_result import OcrLine, OcrPage, OcrWord, page_text, retext_line


def split_like(read: list[str], corrected: str) -> list[str]:
    """The corrected text cut into len(read) pieces where the read lines' breaks align to it."""
    if len(corrected.split("\n")) == len(read):
        return [t.strip() for t in corrected.split("\n")]
    src = "\n".join(read)
    dest_of = [0] * (len(src) + 1)          # where each position of the read text lands in the correction
    for op in Levenshtein.opcodes(src, corrected):
        span_src, span_dest = op.src_end - op.src_start, op.dest_end - op.dest_start
        for k in range(span_src):
            dest_of[op.src_start + k] = op.dest_start + (k * span_dest // span_src if op.tag != "delete" else 0)
    dest_of[len(src)] = len(corrected)
    pieces, start, pos = [], 0, 0
    for text in read[:-1]:
        pos += len(text)
        cut = dest_of[pos]                  # the line break after this line
        pieces.append(corrected[start:cut])
        start, pos = cut + (1 if corrected[cut: cut + 1] == "\n" else 0), pos + 1
    pieces.append(corrected[start:])
    return [" ".join(p.split()) for p in pieces]


def stored_pages(detail: dict) -> tuple[list[OcrPage], dict[int, tuple[int, OcrLine]]]:
    """The image-store's record (GET /v1/images/{id}) as empty pages and its lines by index: (page, line)."""
    pages = [OcrPage(page=p["page"], width=p["width"], height=p["height"], dpi=p.get("dpi"), rotation=p.get("rotation") or 0)
             for p in detail.get("pages") or []]
    if not pages:
        pages = [OcrPage(page=1, width=detail.get("width") or 0, height=detail.get("height") or 0)]
    lines = {}
    for ln in sorted(detail.get("lines", []), key=lambda ln: ln["index"]):
        words = [OcrWord.model_validate(w) for w in ln.get("words") or []]
        lines[ln["index"]] = (ln.get("page") or 1, OcrLine(points=ln.get("points") or [], text=ln.get("text") or "",
                                                           confidence=ln.get("confidence") or 0.0, words=words))
    return pages, lines


def corrected_pages(detail: dict) -> list[OcrPage]:
    """The pages of a stored result with every correction applied (oldest first); deleted lines are left out."""
    pages, lines = stored_pages(detail)
    deleted: set[int] = set()
    for c in sorted(detail.get("corrections", []), key=lambda c: c["created_at"]):
        index = c.get("line_index")
        if index is None:
            alive = [i for i in lines if i not in deleted]
            for i, text in zip(alive, split_like([lines[i][1].text for i in alive], c["text"])):
                lines[i] = (lines[i][0], retext_line(lines[i][1], text))
            continue
        if c.get("deleted"):
            deleted.add(index)
            continue
        deleted.discard(index)
        if index in lines:
            page, line = lines[index]
            lines[index] = (page, retext_line(line, c["text"], c.get("points")))
        elif c.get("points"):   # a line the detector missed, drawn and typed by a person
            before = [i for i in lines if i < index]
            page = lines[max(before)][0] if before else 1
            added = OcrLine(points=c["points"], text="", confidence=1.0)
            lines[index] = (page, retext_line(added, c["text"], c["points"]))
    out = [p.model_copy(update={"lines": []}) for p in pages]
    by_number = {p.page: p for p in out}
    for i in sorted(lines):
        page, line = lines[i]
        if i not in deleted and line.points:
            by_number.get(page, out[-1]).lines.append(line)
    for p in out:
        p.text = page_text(p.lines)
    return out
