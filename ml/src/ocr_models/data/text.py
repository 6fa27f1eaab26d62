"""Random text for synthetic lines: prose, receipts, addresses, numbers, dates, prices and codes."""
from __future__ import annotations

import os
import random
import string
from functools import lru_cache
from pathlib import Path

from ..recognition.vocab import GREEK_LETTERS

# OCRMESH_DICT_DIR replaces /usr/share/dict, e.g. with word lists carried to a machine without the packages.
DICT_DIR = Path(os.environ.get("OCRMESH_DICT_DIR", "/usr/share/dict"))
WORD_LISTS = (DICT_DIR / "american-english", DICT_DIR / "words")
# Word lists of Debian's w* packages (scripts/apt-packages.txt), for lines in other Latin-script languages.
FOREIGN_WORD_LISTS = ("ngerman", "french", "spanish", "italian", "portuguese", "dutch", "swedish", "danish", "norsk")
FOREIGN_SHARE = 0.3   # of lines, when the charset has accented letters
MATH_SHARE = 0.25     # of lines, when the charset has Greek letters: prose with inline formulas
_FALLBACK_WORDS = (
    "the of and to in is for on that by with from as at this be are or an it was total cash change "
    "invoice receipt date time tax amount price item qty unit page table figure results analysis data"
).split()
RECEIPT_WORDS = (
    "TOTAL SUBTOTAL CASH CHANGE TAX GST SST INVOICE RECEIPT QTY UOM PRICE AMOUNT AMT DISC ROUNDING ADJ "
    "NET ITEM CODE TEL FAX NO DATE TIME CASHIER COUNTER TABLE BILL VISA MASTER CARD PAID DUE BALANCE "
    "SDN BHD ENTERPRISE TRADING JALAN TAMAN BANDAR KUALA LUMPUR SELANGOR JOHOR STORE MART SHOP THANK "
    "YOU PLEASE COME AGAIN GOODS SOLD ARE NOT RETURNABLE EXCHANGEABLE REG INCL EXCL MEMBER POINTS PCS "
    "KG EA UNIT SR ZR TAN LOT PLAZA RESTAURANT CAFE HARDWARE BOOK STATIONERY"
).split()
_SYLLABLE_ONSETS = ["", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z",
                    "br", "ch", "cl", "dr", "gr", "kh", "ng", "ny", "ph", "pr", "sh", "st", "th", "tr"]
_SYLLABLE_VOWELS = ["a", "e", "i", "o", "u", "ai", "au", "ea", "ee", "ia", "io", "oo", "ou", "y"]
_SYLLABLE_CODAS = ["", "", "", "n", "ng", "r", "s", "t", "k", "l", "m", "h", "x"]


@lru_cache(maxsize=1)
def load_words() -> tuple[str, ...]:
    for path in WORD_LISTS:
        p = Path(path)
        if p.exists():
            words = [w for w in read_word_list(p) if w.isascii()]
            if words:
                return tuple(words)
    return tuple(_FALLBACK_WORDS)


def read_word_list(path: Path) -> list[str]:
    """The alphabetic words of up to 16 letters in a word list (one word per line)."""
    words = (w.strip() for w in path.read_text(encoding="utf-8", errors="ignore").splitlines())
    return [w for w in words if w.isalpha() and 1 <= len(w) <= 16]


@lru_cache(maxsize=1)
def load_foreign_words() -> tuple[tuple[str, ...], ...]:
    """One tuple of words per installed foreign word list (alphabetic, up to 16 letters); () if none."""
    lists = []
    for name in FOREIGN_WORD_LISTS:
        p = DICT_DIR / name
        if p.exists():
            words = tuple(read_word_list(p))
            if words:
                lists.append(words)
    return tuple(lists)


class TextSampler:
    """Draws one random line of text at a time; every choice comes from the given random.Random."""

    def __init__(self, rng: random.Random, extra_symbols: str = "€£°–—‘’“”"):
        self.rng = rng
        self.words = load_words()
        self.extra_symbols = extra_symbols

    # --- tokens -------------------------------------------------------------------------------
    def word(self) -> str:
        """A dictionary word, or now and then a made-up one (names and non-English words on receipts)."""
        if self.rng.random() < 0.12:
            return self.pseudo_word()
        return self.rng.choice(self.words)

    def pseudo_word(self) -> str:
        n = self.rng.choice([1, 2, 2, 3, 3, 4])
        return "".join(self.rng.choice(_SYLLABLE_ONSETS) + self.rng.choice(_SYLLABLE_VOWELS)
                       + self.rng.choice(_SYLLABLE_CODAS) for _ in range(n))

    def number(self) -> str:
        rng = self.rng
        kind = rng.randrange(9)
        if kind == 0:
            return str(rng.randint(0, 9))
        if kind == 1:
            return str(rng.randint(10, 99999))
        if kind == 2:
            return f"{rng.uniform(0, 999):.{rng.choice([1, 2, 2, 3])}f}"
        if kind == 3:
            return f"{rng.randint(1000, 9999999):,}"
        if kind == 4:
            return f"{rng.randint(0, 100)}%"
        if kind == 5:
            return f"{rng.choice(['-', '+', ''])}{rng.uniform(0, 99):.2f}"
        if kind == 6:
            return f"({rng.randint(1, 99)})"
        if kind == 7:
            return f"{rng.randint(1, 12)}.{rng.randint(1, 30)}"
        return f"{rng.randint(1, 999)}{rng.choice(['st', 'nd', 'rd', 'th', 'km', 'kg', 'ml', 'g', 'mm', 'x', 'pcs'])}"

    def price(self) -> str:
        rng = self.rng
        v = rng.choice([rng.uniform(0, 20), rng.uniform(0, 500), rng.uniform(0, 20000)])
        s = f"{v:,.2f}" if rng.random() < 0.3 else f"{v:.2f}"
        cur = rng.choice(["$", "RM", "RM ", "€", "£", "USD ", "", "", "", ""])
        return rng.choice([cur + s, s + rng.choice(["", "", " EUR", "€"]), "-" + s, s + "-"])

    def date(self) -> str:
        rng = self.rng
        d, m, y = rng.randint(1, 31), rng.randint(1, 12), rng.randint(1950, 2035)
        month = rng.choice(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
                            "January", "March", "October", "DECEMBER", "JUN"])
        forms = [f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{y % 100:02d}", f"{y}-{m:02d}-{d:02d}", f"{d:02d}-{m:02d}-{y}",
                 f"{d} {month} {y}", f"{month} {d}, {y}", f"{d:02d}.{m:02d}.{y}", f"{d:02d}-{month}-{y % 100:02d}"]
        s = rng.choice(forms)
        if rng.random() < 0.4:
            hh, mm, ss = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
            s += " " + rng.choice([f"{hh:02d}:{mm:02d}", f"{hh:02d}:{mm:02d}:{ss:02d}",
                                   f"{hh % 12 or 12}:{mm:02d}{rng.choice(['AM', 'PM', ' am', ' pm'])}"])
        return s

    def code(self) -> str:
        rng = self.rng
        kind = rng.randrange(8)
        up, dg = string.ascii_uppercase, string.digits
        if kind == 0:
            return "".join(rng.choice(up + dg) for _ in range(rng.randint(4, 14)))
        if kind == 1:
            return f"{rng.choice(up)}{rng.choice(up)}{rng.randint(0, 99999999):0{rng.randint(4, 8)}d}"
        if kind == 2:
            return f"{rng.randint(1, 999)}-{rng.randint(100, 99999999)}"
        if kind == 3:
            return f"({rng.randint(1000, 999999)}-{rng.choice(up)})"
        if kind == 4:
            user = self.word().lower() + rng.choice(["", ".", "_"]) + (self.word().lower() if rng.random() < 0.5 else str(rng.randint(1, 99)))
            return f"{user}@{self.word().lower()}.{rng.choice(['com', 'org', 'net', 'my', 'co.uk', 'de'])}"
        if kind == 5:
            return f"{rng.choice(['www.', 'http://', 'https://'])}{self.word().lower()}.{rng.choice(['com', 'org', 'net', 'io'])}{rng.choice(['', '/', '/' + self.word().lower()])}"
        if kind == 6:
            return f"{rng.choice(['+', ''])}{rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}" if rng.random() < 0.5 \
                else f"{rng.randint(0, 99):02d}-{rng.randint(1000000, 99999999)}"
        return "".join(rng.choice(string.ascii_letters + dg + "-_/#") for _ in range(rng.randint(3, 12)))

    def symbolish(self) -> str:
        rng = self.rng
        return rng.choice([
            "&", "-", "--", "/", "*", "#", "@", "+", "=", "...", "|", ":", "~", "<", ">", "^", "_", "\\", "{", "}",
            "[" + str(rng.randint(1, 40)) + "]", f"[{rng.randint(1, 40)},{rng.randint(1, 40)}]", "(a)", "(i)", "e.g.",
            "i.e.", "etc.", "vs.", "No.", "Fig.", f"{rng.randint(1, 9)}°C", "°", "€", "£", "–", "—", "'", '"',
        ] + list(string.punctuation))

    def token(self, style: str) -> str:
        r = self.rng.random()
        if style == "receipt":
            if r < 0.35:
                return self.rng.choice(RECEIPT_WORDS)
            if r < 0.55:
                return self.price()
            if r < 0.7:
                return self.number()
            if r < 0.8:
                return self.code()
            if r < 0.85:
                return self.date()
            if r < 0.9:
                return self.symbolish()
            return self.word().upper()
        if r < 0.72:
            return self.word()
        if r < 0.82:
            return self.number()
        if r < 0.86:
            return self.price()
        if r < 0.89:
            return self.date()
        if r < 0.94:
            return self.code()
        return self.symbolish()

    # --- lines -------------------------------------------------------------------------------
    def _case(self, text: str, style: str) -> str:
        r = self.rng.random()
        if style == "receipt":
            return text.upper() if r < 0.75 else text
        if r < 0.1:
            return text.upper()
        if r < 0.2:
            return text.title()
        if r < 0.55:
            return text[:1].upper() + text[1:]
        return text

    def prose(self, n_words: int) -> str:
        rng = self.rng
        out = []
        sentence_start = False
        for _ in range(n_words):
            tok = self.token("prose")
            if sentence_start:
                tok = tok[:1].upper() + tok[1:]
            elif rng.random() < 0.08:
                tok = tok.capitalize()
            if rng.random() < 0.04:
                q = rng.choice(['""', "''", "“”", "‘’", "()", "[]"])
                tok = q[0] + tok + q[1]
            sentence_start = False
            if rng.random() < 0.14:
                end = rng.choice([",", ",", ".", ".", ";", ":", "?", "!", "'s", ")", "-"])
                tok += end
                # As in real sentences, a word after a full stop mostly starts with a capital and one after a comma
                # does not: the context that tells `.` from `,` where a scan leaves a pixel or two between them.
                sentence_start = end in ".?!" and rng.random() < 0.97
            out.append(tok)
        if rng.random() < 0.1:
            out[-1] = out[-1] + "-"  # a word broken across lines
        return " ".join(out)

    def receipt(self, n_tokens: int) -> str:
        rng = self.rng
        kind = rng.randrange(5)
        if kind == 0:  # item line: name, qty, prices
            name = " ".join(self.token("receipt") if rng.random() < 0.3 else self.word().upper() for _ in range(rng.randint(1, 4)))
            tail = " ".join(self.price() for _ in range(rng.randint(1, 3)))
            return f"{name} {rng.choice(['', str(rng.randint(1, 20)) + ' ', 'x' + str(rng.randint(1, 9)) + ' '])}{tail}".strip()
        if kind == 1:  # label: value
            label = rng.choice(RECEIPT_WORDS) + rng.choice(["", " " + rng.choice(RECEIPT_WORDS)])
            value = rng.choice([self.price(), self.date(), self.code(), self.number()])
            return f"{label}{rng.choice([':', ' :', ' : ', ': ', ' ', ' (RM): ', ' = '])}{value}"
        if kind == 2:  # address
            return f"{rng.choice(['NO', 'LOT', 'NO.', ''])} {rng.randint(1, 300)}{rng.choice(['', 'G', '-A', ',', 'B'])} " \
                   f"{rng.choice(['JALAN', 'JLN', 'TAMAN', 'LORONG', 'ROAD', 'STREET', 'AVENUE'])} " \
                   f"{' '.join(self.pseudo_word().upper() for _ in range(rng.randint(1, 3)))}{rng.choice(['', ',', ' ' + str(rng.randint(1, 99)) + '/' + rng.choice('ABCDE') + ','])}".strip()
        return " ".join(self.token("receipt") for _ in range(n_tokens))

    def random_chars(self, n: int, charset: str) -> str:
        pool = charset.replace(" ", "") + " " * 6
        return "".join(self.rng.choice(pool) for _ in range(n)).strip() or "x"

    def foreign_prose(self, n_words: int) -> str:
        """Prose in one of the other Latin-script languages, with their quotes and a symbol now and then."""
        rng = self.rng
        words = rng.choice(load_foreign_words())
        out = [rng.choice(words) for _ in range(n_words)]
        for i in range(len(out)):
            if rng.random() < 0.04:
                q = rng.choice(["«»", "„“", "“”", "»«"])
                out[i] = q[0] + out[i] + q[1]
            if rng.random() < 0.12:
                out[i] += rng.choice([",", ",", ".", ";", ":", "?", "!"])
            if rng.random() < 0.03:
                out[i] = rng.choice(["§ ", "© ", "® ", "½ ", f"{rng.randint(1, 99)}° ", f"{rng.randint(1, 999)} µm "]) + out[i]
        return " ".join(out)

    def formula(self) -> str:
        """An inline formula as a paper prints it: Greek letters, relations and operators among numbers,
        variables and units."""
        rng = self.rng

        def v() -> str:
            return rng.choice([rng.choice(GREEK_LETTERS), rng.choice(string.ascii_letters)])

        def n() -> str:
            return str(rng.randint(0, 99)) if rng.random() < 0.5 else f"{rng.uniform(0, 10):.{rng.randint(1, 3)}f}"

        return rng.choice([
            f"{v()} = {n()}", f"{v()} {rng.choice('≤≥≠≈<>=')} {n()}", f"{n()} ± {n()}", f"{n()} × {n()}",
            f"{v()}{rng.choice('÷·×')}{v()}", f"∆{v()}", f"Σ{v()}", f"√{n()}", f"{v()} → ∞", f"∂{v()}/∂{v()}",
            f"∫{v()} d{v()}", f"{v()} ∈ {rng.choice(string.ascii_uppercase)}", f"∇{v()}", rng.choice(GREEK_LETTERS),
            f"{rng.choice(GREEK_LETTERS)}({v()})", f"{n()} {rng.choice(['µm', 'Ω', 'kΩ', '°C', 'ms'])}",
            f"({rng.choice(GREEK_LETTERS)}, {rng.choice(GREEK_LETTERS)})",
        ])

    def math_prose(self, n_words: int) -> str:
        """Prose with one to three inline formulas."""
        words = self.prose(n_words).split(" ")
        for _ in range(self.rng.randint(1, 3)):
            words.insert(self.rng.randint(0, len(words)), self.formula())
        return " ".join(words)

    def line(self, charset: str, max_chars: int = 96) -> str:
        """One random line of 1..max_chars characters."""
        rng = self.rng
        r = rng.random()
        n_words = max(1, int(rng.lognormvariate(1.5, 0.8)))
        if "α" in charset and rng.random() < MATH_SHARE:
            text = self._case(self.math_prose(min(n_words, 14)), "prose")
        elif "é" in charset and rng.random() < FOREIGN_SHARE and load_foreign_words():
            text = self._case(self.foreign_prose(min(n_words, 18)), "prose")
        elif r < 0.06:
            text = self.random_chars(rng.randint(1, 30), charset)
        elif r < 0.12:
            text = rng.choice([self.date, self.price, self.code, self.number])()
        elif r < 0.42:
            text = self._case(self.receipt(min(n_words, 10)), "receipt")
        else:
            text = self._case(self.prose(min(n_words, 18)), "prose")
        text = " ".join(text.split())  # no double spaces: they are invisible in most fonts
        if len(text) > max_chars:
            cut = text.rfind(" ", 0, max_chars)
            text = text[: cut if cut > 0 else max_chars]
        return text or "a"
