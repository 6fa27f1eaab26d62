"""Page layouts (documents, receipts, tables and forms, slides, labels, scenes) and non-text distractors."""
from __future__ import annotations

import cv2
import numpy as np

from ..recognition.vocab import DEFAULT_CHARSET
from .fonts import Font
from .page_canvas import _compose, _Ctx, _Glyphs, _glyphs, _log_uniform, _Page, _photo_patch, _texture, _wrap


# --- layouts ---------------------------------------------------------------------------------------
def _paragraphs(page: _Page, ctx: _Ctx, x0: float, x1: float, y: float, y_end: float, size: int, font: Font,
                value: float) -> float:
    """Fills the column [x0, x1] from y down with headings, paragraphs, lists and figures."""
    rng = ctx.rng
    g = _glyphs(font, size)
    leading = size * rng.uniform(1.15, 1.75)
    width = x1 - x0
    while y < y_end:
        r = rng.random()
        if r < 0.12:  # heading
            hsize = max(size + 2, int(size * rng.uniform(1.2, 2.2)))
            hf = ctx.sibling(font) if rng.random() < 0.6 else ctx.font()
            hg = _glyphs(hf, hsize)
            text = ctx.clean(ctx.text.prose(rng.randint(1, 7)).rstrip(".,;:"), hf)
            if rng.random() < 0.3:
                text = f"{rng.randint(1, 12)}{rng.choice(['.', '', '.' + str(rng.randint(1, 9))])} {text}"
            y += hsize * rng.uniform(0.6, 1.2)
            for line in _wrap(text.split(), hg, width)[:2]:
                y += hsize * 1.05
                lw = hg.width(line)
                xx = x0 + ((width - lw) / 2 if rng.random() < 0.3 else 0)
                page.text_row([_compose(line, hg, xx, y)], value, bold=int(rng.random() < 0.2))
            y += hsize * 0.3
        elif r < 0.19:  # figure or photo with a caption
            fh = min(int(rng.uniform(3, 14) * leading), max(0, int(y_end - y)))
            fw = int(width * rng.uniform(0.4, 1.0))
            if fh > 12 and fw > 12:
                fx = int(x0 + (width - fw) * rng.random())
                if rng.random() < 0.5:
                    page.paste(fx, int(y), _photo_patch(fh, fw, rng, ctx.nrng))
                else:
                    _chart(page, ctx, fx, int(y), fw, fh, value)
                page.occupied.append((fx, y, fx + fw, y + fh))
                y += fh + leading
                cap = ctx.clean(f"{rng.choice(['Figure', 'Fig.', 'Table', 'Plate'])} {rng.randint(1, 20)}. "
                                + ctx.text.prose(rng.randint(3, 16)), font)
                for line in _wrap(cap.split(), g, width)[:2]:
                    page.text_row([_compose(line, g, x0, y)], value)
                    y += leading
        elif r < 0.27:  # list
            bullet = rng.choice(["dot", "dash", "num", "square"])
            for k in range(rng.randint(2, 6)):
                y += leading
                indent = size * rng.uniform(1.2, 2.5)
                marker = None
                if bullet == "num":
                    marker = _compose(f"{k + 1}.", g, x0, y)
                elif bullet == "dash":
                    page.text_row([_compose("-", g, x0, y)], value, label=False)
                else:
                    r_ = max(1, int(size * 0.15))
                    c = (int(x0 + r_ + 1), int(y - size * 0.3))
                    if bullet == "dot":
                        cv2.circle(page.img, c, r_, value, -1, cv2.LINE_AA)
                    else:
                        cv2.rectangle(page.img, (c[0] - r_, c[1] - r_), (c[0] + r_, c[1] + r_), value, -1)
                words = ctx.clean(ctx.text.prose(rng.randint(2, 25)), font).split()
                for j, line in enumerate(_wrap(words, g, width - indent)[:3]):
                    if j:
                        y += leading
                    # A number is its item's first word when close enough (the gap rule of text_row).
                    page.text_row([_compose(line, g, x0 + indent, y)] + ([marker] if j == 0 and marker else []), value)
            y += leading * rng.uniform(0.3, 1.0)
        else:  # paragraph
            n_lines = rng.randint(1, 10)
            words = ctx.clean(ctx.text.prose(int(n_lines * width / (size * 3.2)) + 2), font).split()
            indent = size * rng.uniform(1, 3) if rng.random() < 0.4 else 0.0
            lines = _wrap(words, g, width - indent) if words else []
            align = rng.choice(["left", "left", "left", "centre", "right"]) if len(lines) < 3 else "left"
            for j, line in enumerate(lines[:n_lines]):
                y += leading
                lw = g.width(line)
                xx = x0 + (indent if j == 0 else 0)
                if align == "centre":
                    xx = x0 + (width - lw) / 2
                elif align == "right":
                    xx = x1 - lw
                page.text_row([_compose(line, g, xx, y)], value)
            y += leading * rng.uniform(0.2, 1.2)
    return y


def _document(page: _Page, ctx: _Ctx) -> None:
    rng = ctx.rng
    W, H = page.w, page.h
    size = int(_log_uniform(rng, 8, 30) if rng.random() < 0.85 else _log_uniform(rng, 28, 56))
    font = ctx.font()
    value = ctx.ink_value(ctx.paper)
    margin = W * rng.uniform(-0.08, 0.12)
    max_cols = max(1, int((W - 2 * margin) / (size * 14)))
    n_cols = min(max_cols, rng.choice([1, 1, 1, 2, 2, 3]))
    gutter = size * rng.uniform(1.2, 4.0)
    col_w = (W - 2 * margin - (n_cols - 1) * gutter) / n_cols
    y = H * rng.uniform(-0.1, 0.1)
    if rng.random() < 0.35:  # a title across the page
        tsize = int(min(80, size * rng.uniform(1.5, 3.0)))
        tf = ctx.sibling(font)
        tg = _glyphs(tf, tsize)
        text = ctx.clean(ctx.text.prose(rng.randint(2, 9)).rstrip(".,"), tf)
        for line in _wrap(text.split(), tg, W - 2 * margin)[:2]:
            y += tsize * 1.15
            lw = tg.width(line)
            page.text_row([_compose(line, tg, margin + (W - 2 * margin - lw) / 2 * (rng.random() < 0.6), y)], value)
        y += tsize * rng.uniform(0.5, 1.5)
    for c in range(n_cols):
        x0 = margin + c * (col_w + gutter)
        _paragraphs(page, ctx, x0, x0 + col_w, y, H + size, size, font, value)
    if rng.random() < 0.3:  # page number or running footer
        g = _glyphs(font, max(8, size - 2))
        text = str(rng.randint(1, 999)) if rng.random() < 0.6 else ctx.clean(ctx.text.prose(rng.randint(2, 6)), font)
        page.text_row([_compose(text, g, W * rng.uniform(0.1, 0.8), H - size * rng.uniform(0.5, 2))], value)
    if rng.random() < 0.3 and n_cols > 1:  # column rule
        x = int(margin + col_w + gutter / 2)
        cv2.line(page.img, (x, int(y)), (x, H), value, 1, cv2.LINE_AA)


def _receipt(page: _Page, ctx: _Ctx) -> None:
    rng, W, H = ctx.rng, page.w, page.h
    mono = rng.random() < 0.65
    font = ctx.font(mono=mono)
    size = int(_log_uniform(rng, 9, 36))
    g = _glyphs(font, size)
    char_w = g.get("0")[3] or size * 0.6
    paper_w = int(np.clip(W * rng.uniform(0.45, 1.1), char_w * 16, W * 1.2))
    px0 = int((W - paper_w) * rng.uniform(0.1, 0.9)) if paper_w < W else int((W - paper_w) / 2)
    if paper_w < W * 0.95:  # the table the receipt lies on
        page.img[...] = _photo_patch(H, W, rng, ctx.nrng) * rng.uniform(0.3, 1.0)
        paper = np.full((H, paper_w), ctx.paper, np.float32) + _texture(H, paper_w, rng, ctx.nrng, rng.uniform(0, 6))
        xa, xb = max(px0, 0), min(px0 + paper_w, W)
        page.img[:, xa:xb] = paper[:, xa - px0: xb - px0]
        page.occupied.append((0, 0, max(xa, 0), H))
        page.occupied.append((xb, 0, W, H))
    value = ctx.ink_value(ctx.paper)
    pad = char_w * rng.uniform(0.5, 3)
    left, right = px0 + pad, px0 + paper_w - pad
    avail = right - left
    n_chars = max(8, int(avail / char_w))
    leading = size * rng.uniform(1.1, 1.7)
    y = rng.uniform(-0.3, 0.15) * H
    upper = rng.random() < 0.8
    row = 0
    text = ctx.text

    def up(s: str) -> str:
        return ctx.clean(s.upper() if upper else s, font)

    def field(s: str, x: float, align: str = "left", gl: _Glyphs = g):
        w = gl.width(s)
        x = x - w if align == "right" else (x - w / 2 if align == "centre" else x)
        return _compose(s, gl, x, y)

    n_header = rng.randint(2, 7)
    while y < H + size:
        y += leading
        if row < n_header:  # centred header: shop name, address, phone
            hs = size if row else int(size * rng.uniform(1.0, 1.8))
            hg = _glyphs(font, hs)
            s = up(rng.choice([text.receipt(rng.randint(1, 5)), text.line(DEFAULT_CHARSET, n_chars), text.code()]))
            s = s[: max(1, int(avail / (hg.get("0")[3] or 1)))]
            if row == 0:
                y += hs - size
            page.text_row([field(s, (left + right) / 2, "centre", hg)], value, bold=int(row == 0 and rng.random() < 0.3))
        else:
            r = rng.random()
            if r < 0.1:  # separator: not text
                ch = rng.choice("-=*_.~")
                page.text_row([field(ch * n_chars, left)], value, label=False)
            elif r < 0.55:  # item row: name ... price, optional quantity column
                name = up(" ".join(text.word() for _ in range(rng.randint(1, 4))))[: int(n_chars * 0.6)]
                price = up(text.price())
                if rng.random() < 0.15:  # dotted leaders make one line of the row
                    dots = max(2, n_chars - len(name) - len(price) - 2)
                    page.text_row([field(f"{name} {'.' * dots} {price}", left)], value)
                else:
                    fields = [field(name, left), field(price, right, "right")]
                    if rng.random() < 0.4:
                        fields.append(field(up(rng.choice([str(rng.randint(1, 20)), f"{rng.randint(1, 9)} x", text.price()])),
                                            left + avail * rng.uniform(0.5, 0.7), "right"))
                    page.text_row(fields, value)
            elif r < 0.75:  # label ... value
                label = up(text.receipt(rng.randint(1, 3)))[: int(n_chars * 0.5)]
                val = up(rng.choice([text.price(), text.date(), text.code(), text.number()]))
                if rng.random() < 0.5:
                    page.text_row([field(f"{label}{rng.choice([':', ' :', ''])} {val}", left)], value)
                else:
                    page.text_row([field(label, left), field(val, right, "right")], value,
                                  bold=int(rng.random() < 0.15))
            elif r < 0.85:  # column headers at tab stops
                n = rng.randint(2, 4)
                stops = sorted(rng.uniform(0, 1) for _ in range(n))
                page.text_row([field(up(rng.choice(["QTY", "UOM", "PRICE", "AMT", "AMOUNT", "DISC", "TAX", "ITEM", "RM", "TOTAL"])),
                                     left + avail * s) for s in stops], value)
            elif r < 0.9:  # blank row
                pass
            elif r < 0.95 and y < H:  # barcode or QR code
                bh = int(size * rng.uniform(1.5, 4))
                if rng.random() < 0.7:
                    _barcode(page, ctx, int(left + avail * rng.uniform(0, 0.3)), int(y - size), int(avail * rng.uniform(0.4, 0.8)), bh, value)
                else:
                    _qr(page, ctx, int((left + right) / 2 - bh), int(y - size), 2 * bh, value)
                y += bh
            else:
                s = up(text.line(DEFAULT_CHARSET, n_chars))
                page.text_row([field(s, (left + right) / 2, "centre")], value)
        row += 1


def _table(page: _Page, ctx: _Ctx, x0: int, y0: int, w: int, h: int, size: int, font: Font, value: float) -> None:
    rng = ctx.rng
    g = _glyphs(font, size)
    row_h = size * rng.uniform(1.5, 2.6)
    n_rows = max(1, int(h / row_h))
    n_cols = rng.randint(2, max(2, min(7, int(w / (size * 4)))))
    weights = np.array([rng.uniform(0.5, 2.0) for _ in range(n_cols)])
    xs = x0 + np.concatenate([[0], np.cumsum(weights / weights.sum() * w)])
    rules = rng.choice(["grid", "grid", "rows", "none", "header"])
    thick = rng.choice([1, 1, 1, 2, 3])
    if rng.random() < 0.3:  # shaded header row
        page.img[max(y0, 0): max(0, int(y0 + row_h)), max(x0, 0): max(0, x0 + w)] *= rng.uniform(0.7, 0.9)
    kinds = [rng.choice(["word", "number", "price", "date", "code", "words"]) for _ in range(n_cols)]
    for r in range(n_rows):
        y = y0 + r * row_h
        baseline = y + (row_h + size * 0.7) / 2
        segs = []
        for c in range(n_cols):
            if rng.random() < 0.12:
                continue
            kind = "words" if r == 0 else kinds[c]
            s = {"word": ctx.text.word, "number": ctx.text.number, "price": ctx.text.price, "date": ctx.text.date,
                 "code": ctx.text.code, "words": lambda: ctx.text.prose(rng.randint(1, 3))}[kind]()
            s = ctx.clean(s, font)
            cw = xs[c + 1] - xs[c] - size * 0.6
            while s and g.width(s) > cw:
                s = s[:-1].rstrip()
            if not s:
                continue
            sw = g.width(s)
            align = "right" if kind in ("number", "price") and r else rng.choice(["left", "left", "centre"])
            xx = xs[c] + size * 0.3 if align == "left" else (xs[c + 1] - size * 0.3 - sw if align == "right" else (xs[c] + xs[c + 1] - sw) / 2)
            segs.append(_compose(s, g, xx, baseline))
        bold = int(r == 0 and rng.random() < 0.3)
        if rules == "grid":  # ruled cells: one box per cell
            for s in segs:
                page.text_row([s], value, bold=bold)
        else:  # unruled: cells close together form one line (the gap rule of text_row)
            page.text_row(segs, value, bold=bold)
        if rules in ("grid", "rows") or (rules == "header" and r <= 1):
            yy = int(y)
            cv2.line(page.img, (int(x0), yy), (int(x0 + w), yy), value, thick, cv2.LINE_AA)
    if rules in ("grid", "rows"):
        yy = int(y0 + n_rows * row_h)
        cv2.line(page.img, (int(x0), yy), (int(x0 + w), yy), value, thick, cv2.LINE_AA)
    if rules == "grid":
        for x in xs:
            cv2.line(page.img, (int(x), int(y0)), (int(x), int(y0 + n_rows * row_h)), value, thick, cv2.LINE_AA)


def _form(page: _Page, ctx: _Ctx) -> None:
    rng, W, H = ctx.rng, page.w, page.h
    font = ctx.font()
    size = int(_log_uniform(rng, 9, 32))
    value = ctx.ink_value(ctx.paper)
    margin = int(W * rng.uniform(0.0, 0.1))
    y = int(H * rng.uniform(-0.05, 0.1))
    g = _glyphs(font, size)
    while y < H:
        r = rng.random()
        if r < 0.45:
            th = int(min(H - y, size * rng.uniform(6, 30)))
            if th > size * 2:
                _table(page, ctx, margin, y, W - 2 * margin, th, size, font, value)
            y += th + int(size * rng.uniform(0.5, 2))
        elif r < 0.8:  # labelled fields: "Name: ____ value" with an underline, checkboxes
            for _ in range(rng.randint(1, 5)):
                y += int(size * rng.uniform(1.6, 2.6))
                x = margin
                while x < W - margin - size * 4:
                    label = ctx.clean(ctx.text.word().capitalize() + rng.choice([":", "", " No.:", " / date:"]), font)
                    seg = _compose(label, g, x, y)
                    if seg is None:
                        break
                    row = [seg]
                    x = int(seg.ink[:, 2].max() + size * 0.5)
                    fw = int(size * rng.uniform(4, 16))
                    if rng.random() < 0.2:  # checkbox
                        cv2.rectangle(page.img, (x, int(y - size * 0.75)), (x + int(size * 0.75), y), value, 1)
                        fw = size
                    else:
                        cv2.line(page.img, (x, y + 2), (min(W, x + fw), y + 2), value, 1, cv2.LINE_AA)
                        if rng.random() < 0.6:  # a filled-in value: one box with its label when close to it
                            vfont = ctx.font()
                            v = ctx.clean(rng.choice([ctx.text.word(), ctx.text.date(), ctx.text.number(), ctx.text.code()]), vfont)
                            vg = _glyphs(vfont, max(8, int(size * rng.uniform(0.8, 1.2))))
                            row.append(_compose(v, vg, x + size * rng.uniform(0.3, 1.5), y - 1))
                    page.text_row(row, value)
                    x += fw + int(size * rng.uniform(1, 4))
            y += size
        else:
            y = int(_paragraphs(page, ctx, margin, W - margin, y, y + size * rng.uniform(3, 10), size, font, value))


def _slide(page: _Page, ctx: _Ctx) -> None:
    rng, W, H = ctx.rng, page.w, page.h
    dark = rng.random() < 0.35
    bg = rng.uniform(10, 90) if dark else rng.uniform(170, 255)
    ramp = np.linspace(0, rng.uniform(-40, 40), H if rng.random() < 0.5 else W, dtype=np.float32)
    page.img[...] = bg + (ramp[:, None] if len(ramp) == H else ramp[None, :])
    value = ctx.ink_value(bg)
    font = ctx.font()
    margin = W * rng.uniform(-0.05, 0.1)
    tsize = int(_log_uniform(rng, 24, 84))
    tfont = ctx.sibling(font)
    tg = _glyphs(tfont, tsize)
    y = H * rng.uniform(-0.05, 0.08)
    if rng.random() < 0.4:  # title band
        page.img[max(0, int(y)): max(0, int(y + tsize * 1.8)), :] = ctx.ink_value(bg) if rng.random() < 0.5 else bg * 0.8
        value_t = ctx.ink_value(float(page.img[max(0, min(H - 1, int(y + tsize))), W // 2]))
    else:
        value_t = value
    title = ctx.clean(ctx.text.prose(rng.randint(1, 6)).rstrip(".,"), tfont)
    for line in _wrap(title.split(), tg, W - 2 * margin)[:2]:
        y += tsize * 1.15
        lw = tg.width(line)
        page.text_row([_compose(line, tg, margin + ((W - 2 * margin - lw) / 2 if rng.random() < 0.5 else 0), y)], value_t)
    y += tsize * 0.5
    size = int(_log_uniform(rng, 12, 44))
    g = _glyphs(font, size)
    leading = size * rng.uniform(1.3, 2.0)
    for _ in range(rng.randint(1, 8)):
        y += leading
        if y > H + size:
            break
        indent = size * (1.5 if rng.random() < 0.8 else 3)
        r_ = max(2, size // 5)
        cv2.circle(page.img, (int(margin + indent / 2), int(y - size * 0.35)), r_, value, -1, cv2.LINE_AA)
        words = ctx.clean(ctx.text.prose(rng.randint(1, 14)), font).split()
        for j, line in enumerate(_wrap(words, g, W - 2 * margin - indent)[:2]):
            if j:
                y += leading * 0.8
            page.text_row([_compose(line, g, margin + indent, y)], value)
    if rng.random() < 0.5:
        fg = _glyphs(font, max(8, size // 2))
        page.text_row([_compose(str(rng.randint(1, 60)), fg, W - margin - size, H - size * 0.6)], value)


def _label(page: _Page, ctx: _Ctx) -> None:
    rng, W, H = ctx.rng, page.w, page.h
    page.img[...] = _photo_patch(H, W, rng, ctx.nrng) if rng.random() < 0.6 else ctx.paper
    for _ in range(rng.randint(1, 3)):
        lw, lh = int(W * rng.uniform(0.3, 0.9)), int(H * rng.uniform(0.2, 0.7))
        lx, ly = rng.randint(-lw // 4, max(1, W - lw * 3 // 4)), rng.randint(-lh // 4, max(1, H - lh * 3 // 4))
        if not page.is_free((lx, ly, lx + lw, ly + lh)):
            continue
        bg = rng.uniform(150, 255) if rng.random() < 0.8 else rng.uniform(0, 80)
        page.img[max(ly, 0): max(0, ly + lh), max(lx, 0): max(0, lx + lw)] = bg
        value = ctx.ink_value(bg)
        if rng.random() < 0.6:
            cv2.rectangle(page.img, (lx + 3, ly + 3), (lx + lw - 4, ly + lh - 4), value, rng.choice([1, 2, 3]))
        font = ctx.font()
        y = ly + lh * rng.uniform(0.05, 0.2)
        for _ in range(rng.randint(1, 6)):
            size = int(_log_uniform(rng, 10, 72))
            if y + size * 1.3 > ly + lh:
                break
            lfont = font if rng.random() < 0.7 else ctx.font()
            g = _glyphs(lfont, size)
            s = ctx.clean(rng.choice([ctx.text.line(DEFAULT_CHARSET, 30), ctx.text.price(), ctx.text.code(), ctx.text.word().upper()]), lfont)
            while s and g.width(s) > lw * 0.95:
                s = s[:-1].rstrip()
            y += size * rng.uniform(1.1, 1.5)
            if not s:
                continue
            invert = rng.random() < 0.15
            v = value
            if invert:
                band = ctx.ink_value(bg)
                page.img[max(0, int(y - size * 1.05)): max(0, int(y + size * 0.35)), max(lx, 0): max(0, lx + lw)] = band
                v = ctx.ink_value(band)
            sw = g.width(s)
            page.text_row([_compose(s, g, lx + (lw - sw) / 2 * rng.uniform(0, 2), y)], v)
        page.occupied.append((lx, ly, lx + lw, ly + lh))
        if rng.random() < 0.3 and y + 30 < ly + lh:
            _barcode(page, ctx, lx + lw // 8, int(y + 8), lw * 3 // 4, int(min(ly + lh - y - 10, 60)), value)


def _scene(page: _Page, ctx: _Ctx) -> None:
    """Short texts on photo-like textures, some on signs."""
    rng, W, H = ctx.rng, page.w, page.h
    page.img[...] = _photo_patch(H, W, rng, ctx.nrng)
    for _ in range(rng.randint(2, 12)):
        font = ctx.font()
        size = int(_log_uniform(rng, 10, 80))
        g = _glyphs(font, size)
        s = ctx.clean(rng.choice([" ".join(ctx.text.word() for _ in range(rng.randint(1, 4))), ctx.text.price(),
                                  ctx.text.code(), ctx.text.number(), ctx.text.line(DEFAULT_CHARSET, 24)]), font)
        if rng.random() < 0.4:
            s = s.upper()
        s = ctx.clean(s, font)
        if not s:
            continue
        sw = g.width(s)
        x, y = rng.uniform(-0.1 * sw, W - 0.9 * sw), rng.uniform(size, H + size * 0.2)
        box = (x - size * 0.3, y - size * 1.1, x + sw + size * 0.3, y + size * 0.4)
        if not page.is_free(box, pad=size * 0.2):
            continue
        if rng.random() < 0.5:  # a sign behind the text
            bg = rng.uniform(0, 255)
            cv2.rectangle(page.img, (int(box[0]), int(box[1])), (int(box[2]), int(box[3])), bg, -1, cv2.LINE_AA)
        xa, ya = int(np.clip(box[0], 0, W - 1)), int(np.clip(box[1], 0, H - 1))
        xb, yb = int(np.clip(box[2], xa + 1, W)), int(np.clip(box[3], ya + 1, H))
        local = float(page.img[ya:yb, xa:xb].mean())
        page.text_row([_compose(s, g, x, y)], ctx.ink_value(local), bold=int(rng.random() < 0.2))


# --- distractors -----------------------------------------------------------------------------------
def _barcode(page: _Page, ctx: _Ctx, x: int, y: int, w: int, h: int, value: float) -> None:
    rng = ctx.rng
    unit = rng.choice([1, 1, 2, 2, 3])
    widths = ctx.nrng.integers(1, 5, size=max(4, w // (2 * unit))) * unit
    xs = x + np.concatenate([[0], np.cumsum(widths)])
    for k in range(0, len(widths) - 1, 2):
        if xs[k] >= x + w:
            break
        cv2.rectangle(page.img, (int(xs[k]), y), (int(xs[k + 1]) - 1, y + h), value, -1)
    page.occupied.append((x, y, x + w, y + h))


def _qr(page: _Page, ctx: _Ctx, x: int, y: int, side: int, value: float) -> None:
    n = ctx.rng.choice([21, 25, 29])
    cells = (ctx.nrng.random((n, n)) < 0.5).astype(np.float32)
    for cx, cy in ((0, 0), (n - 7, 0), (0, n - 7)):
        cells[cy: cy + 7, cx: cx + 7] = 1
        cells[cy + 1: cy + 6, cx + 1: cx + 6] = 0
        cells[cy + 2: cy + 5, cx + 2: cx + 5] = 1
    page.blend(x, y, cv2.resize(cells, (side, side), interpolation=cv2.INTER_NEAREST), value)
    page.occupied.append((x, y, x + side, y + side))


def _chart(page: _Page, ctx: _Ctx, x: int, y: int, w: int, h: int, value: float) -> None:
    rng = ctx.rng
    cv2.line(page.img, (x, y + h), (x + w, y + h), value, 1, cv2.LINE_AA)
    cv2.line(page.img, (x, y), (x, y + h), value, 1, cv2.LINE_AA)
    for _ in range(rng.randint(1, 3)):
        n = rng.randint(4, 30)
        ys = np.cumsum(ctx.nrng.standard_normal(n))
        ys = (ys - ys.min()) / max(np.ptp(ys), 1e-3)
        pts = np.stack([x + np.linspace(0, w, n), y + h - ys * h * 0.9], 1).astype(np.int32)
        cv2.polylines(page.img, [pts], False, value, rng.choice([1, 2]), cv2.LINE_AA)


def _distractors(page: _Page, ctx: _Ctx, n: int) -> None:
    rng, W, H = ctx.rng, page.w, page.h
    for _ in range(n):
        kind = rng.choice(["rule", "rule", "box", "blob", "patch", "stamp", "barcode", "scribble", "dots", "qr", "dashes"])
        w, h = int(W * rng.uniform(0.05, 0.5)), int(H * rng.uniform(0.03, 0.3))
        x, y = rng.randint(-w // 4, W - w // 2), rng.randint(-h // 4, H - h // 2)
        overlap_ok = kind in ("stamp", "scribble") and rng.random() < 0.5
        if not overlap_ok and not page.is_free((x, y, x + w, y + h), pad=4):
            continue
        local = float(page.img[int(np.clip(y + h // 2, 0, H - 1)), int(np.clip(x + w // 2, 0, W - 1))])
        v = ctx.ink_value(local)
        t = rng.choice([1, 1, 2, 3, 5])
        if kind == "rule":
            if rng.random() < 0.6:
                cv2.line(page.img, (x, y), (x + w, y), v, t, cv2.LINE_AA)
            else:
                cv2.line(page.img, (x, y), (x, y + h), v, t, cv2.LINE_AA)
        elif kind == "box":
            cv2.rectangle(page.img, (x, y), (x + w, y + h), v, t if rng.random() < 0.8 else -1, cv2.LINE_AA)
        elif kind == "blob":
            cv2.ellipse(page.img, (x + w // 2, y + h // 2), (max(1, w // 2), max(1, h // 2)), rng.uniform(0, 180), 0, 360, v, -1, cv2.LINE_AA)
        elif kind == "patch":
            page.paste(x, y, _photo_patch(h, w, rng, ctx.nrng))
        elif kind == "stamp":
            r = max(6, min(w, h) // 2)
            cv2.circle(page.img, (x + r, y + r), r, v, max(1, t), cv2.LINE_AA)
            cv2.circle(page.img, (x + r, y + r), max(2, int(r * 0.7)), v, 1, cv2.LINE_AA)
        elif kind == "barcode":
            _barcode(page, ctx, x, y, w, max(8, h // 2), v)
        elif kind == "qr":
            _qr(page, ctx, x, y, max(16, min(w, h)), v)
        elif kind == "scribble":
            n = rng.randint(5, 40)
            pts = np.stack([x + np.cumsum(ctx.nrng.uniform(0, w / n * 2, n)),
                            y + h / 2 + np.cumsum(ctx.nrng.standard_normal(n)) * h / 6], 1).astype(np.int32)
            cv2.polylines(page.img, [pts], False, v, rng.choice([1, 2]), cv2.LINE_AA)
        elif kind == "dots":
            for _ in range(rng.randint(3, 40)):
                cv2.circle(page.img, (rng.randint(x, x + w), rng.randint(y, y + h)), rng.randint(1, 4), v, -1, cv2.LINE_AA)
        else:  # dashes: a dashed separator
            step = rng.randint(4, 12)
            for xx in range(x, x + w, step):
                cv2.line(page.img, (xx, y), (xx + step // 2, y), v, t, cv2.LINE_AA)
        if kind not in ("stamp", "scribble", "rule"):
            page.occupied.append((x, y, x + w, y + h))

