"""Real English prose for synthetic lines of books and papers: sentences teach the recognizer where
commas, full stops and capitals fall, which random words cannot (a `,` and a `.` differ by a pixel or
two on a binarised scan). The text ships with Python itself, so every training machine has it: the
help topics of `pydoc_data` and the docstrings of the standard library (PSF license), and on Debian the
license texts of `/usr/share/common-licenses` (verbatim copying permitted)."""
from __future__ import annotations

import ast
import random
import re
import sysconfig
from functools import lru_cache
from pathlib import Path

MIN_WORDS = 8
_CODE_LIKE = re.compile(r">>>|\.\.\.:|[{}]|==|->|\b(def|class|import|return|lambda)\b|_\w+_|\w+\(\)")


def _paragraphs(text: str) -> list[str]:
    """Paragraphs of prose: blank-line separated, not indented (indented blocks are code and tables)."""
    out = []
    for block in re.split(r"\n\s*\n", text):
        lines = block.splitlines()
        if not lines or any(ln.startswith((" ", "\t")) for ln in lines):
            continue
        para = " ".join(" ".join(lines).split())
        words = para.split()
        letters = sum(c.isalpha() for c in para)
        if len(words) >= MIN_WORDS and letters > 0.75 * len(para.replace(" ", "")) and not _CODE_LIKE.search(para):
            out.append(para.replace("*", "").replace("`", ""))
    return out


def _docstrings(path: Path) -> list[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="ignore"))
    except (SyntaxError, ValueError):
        return []
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)))]
    return [d for n in nodes if (d := ast.get_docstring(n))]


@lru_cache(maxsize=1)
def load_corpus() -> tuple[str, ...]:
    """Every prose paragraph found, ASCII only (a few thousand; a couple of seconds to build)."""
    from pydoc_data.topics import topics

    texts = list(topics.values())
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(stdlib.glob("*.py")):
        texts.extend(_docstrings(path))
    licenses = Path("/usr/share/common-licenses")
    if licenses.is_dir():
        texts.extend(p.read_text(encoding="utf-8", errors="ignore") for p in sorted(licenses.iterdir()) if p.is_file())
    return tuple(p for t in texts for p in _paragraphs(t) if p.isascii())


def corpus_line(rng: random.Random, max_chars: int = 72) -> str:
    """A run of consecutive words from a random paragraph, cut as a typeset line would be: it may start
    mid-sentence and end with a word broken by a hyphen."""
    words = rng.choice(load_corpus()).split()
    target = rng.randint(12, max_chars)
    # Start where a full line's worth of words is left, as most lines of a paragraph are.
    left = 0
    start = len(words)
    while start > 0 and left < target:
        start -= 1
        left += len(words[start]) + 1
    start = rng.randint(0, start)
    out: list[str] = []
    for w in words[start:]:
        if out and len(" ".join(out)) + 1 + len(w) > target:
            if rng.random() < 0.15 and len(w) >= 6 and w.isalpha():
                cut = rng.randint(3, len(w) - 3)
                out.append(w[:cut] + "-")
            break
        out.append(w)
    return " ".join(out)[:max_chars].strip() or words[0][:max_chars]


def bracketed(text: str, rng: random.Random) -> str:
    """The line with a run of one to three words in brackets, braces as often as the other two together:
    the prose corpus has none (paragraphs with braces are mostly code), yet sets, citations and
    placeholders print them, and without examples a `{` reads as `(`."""
    words = text.split(" ")
    i = rng.randrange(len(words))
    j = min(len(words), i + rng.randint(1, 3))
    opening, closing = rng.choice(["{}", "{}", "()", "[]"])
    words[i] = opening + words[i]
    words[j - 1] = words[j - 1] + closing
    return " ".join(words)


def em_dashes(text: str, rng: random.Random) -> str:
    """The line as a book sets its dashes: `--` and a spaced hyphen become an em dash, closed up half the time,
    and a line without one gets one between two words. The corpus is ASCII, so without this a binarised scan
    teaches the recognizer that every dash is a hyphen (stage 9 read old books' em dashes as `-`)."""
    dash = "—" if rng.random() < 0.5 else " — "
    text = text.replace(" -- ", dash).replace("--", "—").replace(" - ", dash)
    words = text.split(" ")
    if "—" not in text and len(words) > 1:
        i = rng.randrange(len(words) - 1)
        words[i: i + 2] = [words[i] + dash + words[i + 1]]
    return " ".join(words)


def heading(text: str, rng: random.Random) -> str:
    """Two to six words of the line as a heading, running head or byline sets them: capitalised (each word or
    the first), without the sentence's punctuation, sometimes after initials (`B. N. Semenov and ...`).
    Printed in small capitals, such a line is transcribed in capitals (uw3's bylines, old books' running
    heads), unlike a run of small capitals inside a line of lower-case text (see `render_line.small_caps_letters`)."""
    words = [w.strip(".,;:!?\"'()[]{}") for w in text.split()]
    words = [w for w in words if w] or ["heading"]
    n = rng.randint(2, 6)
    start = rng.randint(0, max(0, len(words) - n))
    words = words[start: start + n]
    if rng.random() < 0.6:
        words = [w[:1].upper() + w[1:] for w in words]
    else:
        words[0] = words[0][:1].upper() + words[0][1:]
    if rng.random() < 0.3:
        initials = [f"{rng.choice('ABCDEFGHIJKLMNOPRSTVW')}." for _ in range(rng.randint(1, 2))]
        words = initials + words
    return " ".join(words)


def curly_quotes(text: str) -> str:
    """The line with typeset quotation marks and apostrophes (`“ ” ‘ ’`) for the corpus's ASCII ones, as books and
    papers print them: an opening mark at a word's start, a closing one (and the apostrophe) elsewhere."""
    out = []
    for i, c in enumerate(text):
        opening = i == 0 or text[i - 1] in " ([{"
        if c == '"':
            out.append("“" if opening else "”")
        elif c == "'":
            out.append("‘" if opening and text[i + 1: i + 2].isalpha() else "’")
        else:
            out.append(c)
    return "".join(out)
