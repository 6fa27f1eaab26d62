"""Finds usable fonts from the system's font packages and splits them into train / held-out families."""
from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# OCRMESH_FONT_DIRS (colon-separated) replaces them, e.g. with fonts carried to a machine without the packages.
FONT_DIRS = tuple(filter(None, os.environ.get("OCRMESH_FONT_DIRS", "").split(":"))) or (
    "/usr/share/fonts", "/usr/share/texmf/fonts/opentype")
REQUIRED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,:;-()/%$&'\"!?"

# Families kept out of training and used for validation only. Each has close relatives in the
# training set (other Times/Arial/Courier/Palatino/Century clones), so holding them out measures
# generalisation to new faces without removing a whole style.
HELD_OUT_FAMILIES = frozenset({
    "Liberation Serif", "Liberation Sans", "Liberation Mono", "Liberation Sans Narrow",
    "C059", "URW Gothic", "Gentium", "Fira Code", "Lato", "PT Serif",
})

# Symbol, math, decorative or non-Latin families, and small-caps faces whose glyphs contradict the labels.
_EXCLUDED = re.compile(
    r"^(Noto (Sans|Serif) (?!Mono$|Display$).+|Noto (Kufi|Looped|Music|Naskh|Nastaliq|Rashi|Traditional).*|NotoSerif.+"
    r"|STIX(?!General$|$).*|.*Math.*|Standard Symbols PS|D050000L|Z003|Go Smallcaps|Linux Libertine Initials O"
    r"|Linux Biolinum Keyboard O|Droid Sans Fallback|GentiumAlt|TeX Gyre Chorus)$"
)
_WEIGHT_WORDS = re.compile(
    r"\s+(Thin|Hairline|ExtraLight|Light|Regular|Medium|SemiBold|Semibold|Bold|ExtraBold|Extrabold|Black|Heavy"
    r"|Condensed|SemiCondensed|Expanded|SemiExpanded|Narrow|Rg|Retina|Minus|Caption|Display|Code|Sans)\b.*$"
)


# Part of the cache key: bump it when the rules of `_scan_font` change, so no cache keeps a font they now exclude.
_SCAN_RULES = "2: no inverted styles"


@dataclass(frozen=True)
class Font:
    path: str
    family: str        # the family as the font names it
    group: str         # family with weight/width words removed: the unit of sampling and of the split
    chars: frozenset   # characters the font has glyphs for (within the recognizer charset)


def _family_group(family: str) -> str:
    if family.startswith(("Junicode", "EB Garamond", "OCR B")):
        return family.split()[0] + (" " + family.split()[1] if family.startswith("EB") else "")
    return _WEIGHT_WORDS.sub("", family).strip() or family


def _scan_font(path: str, charset: str) -> Font | None:
    from fontTools.ttLib import TTFont

    try:
        tt = TTFont(path, lazy=True, fontNumber=0)
        names = tt["name"]
        family = names.getDebugName(16) or names.getDebugName(1) or Path(path).stem
        cmap = tt.getBestCmap() or {}
    except Exception:
        return None
    style = names.getDebugName(17) or names.getDebugName(2) or ""
    if _EXCLUDED.match(family) or "Inverted" in style:   # OCR B's inverted styles print white on black boxes
        return None
    chars = frozenset(c for c in charset if ord(c) in cmap or c == " ")
    if not set(REQUIRED) <= chars:
        return None
    return Font(path, family, _family_group(family), chars)


@lru_cache(maxsize=4)
def discover_fonts(charset: str, dirs: tuple[str, ...] = FONT_DIRS) -> tuple[Font, ...]:
    """Every usable font file (cached on disk by the list of files, since scanning takes seconds)."""
    paths = sorted(
        str(p) for d in dirs if os.path.isdir(d) for p in Path(d).rglob("*")
        if p.suffix.lower() in (".ttf", ".otf")
    )
    key = hashlib.sha1(("\n".join(paths) + charset + _SCAN_RULES).encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "ocrmesh" / f"fonts-{key}.json"
    if cache.exists():
        rows = json.loads(cache.read_text())
        return tuple(Font(r["path"], r["family"], r["group"], frozenset(r["chars"])) for r in rows)
    fonts = tuple(f for f in (_scan_font(p, charset) for p in paths) if f is not None)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps([{"path": f.path, "family": f.family, "group": f.group, "chars": "".join(sorted(f.chars))} for f in fonts]))
    return fonts


def split_fonts(fonts, held_out=HELD_OUT_FAMILIES) -> tuple[list[Font], list[Font]]:
    """(training fonts, held-out validation fonts)."""
    train = [f for f in fonts if f.family not in held_out and f.group not in held_out]
    val = [f for f in fonts if f.family in held_out or f.group in held_out]
    return train, val


def by_group(fonts) -> dict[str, list[Font]]:
    groups: dict[str, list[Font]] = {}
    for f in fonts:
        groups.setdefault(f.group, []).append(f)
    return groups


def is_monospace(font: Font) -> bool:
    """Whether every character takes the same width (`i`, `M`, `.` and `W` measured), as a line printer's."""
    from PIL import ImageFont

    face = ImageFont.truetype(font.path, 40)
    widths = {face.getlength(c) for c in "iM.W"}
    return max(widths) - min(widths) < 0.5


# Anonymous Pro names its styles ` B`, ` BI`, ` I`; PT Mono its bold `PTM75F`; OCR B its outline and slanted
# faces `OCRBF`, `OCRBL`.
_STYLED = re.compile(r"Bold|Black|Heavy|Italic|Oblique|Light|Thin|\s(B|BI|I)$|^PTM75F$|^OCRB[FL]$", re.IGNORECASE)


def is_plain(font: Font) -> bool:
    """Whether the face is upright and of regular weight, as its file name says (`DejaVuSansMono.ttf`, not
    `DejaVuSansMono-BoldOblique.ttf`)."""
    return not _STYLED.search(Path(font.path).stem)
