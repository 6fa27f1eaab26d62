"""Lines of program listings and printouts as technical reports and papers reproduce them: upper case, a line
number, statements full of `= , ( )`, and runs of dots (`1,2,...,N`), printed by a line printer or a dot-matrix
printer in a monospaced face. Prose teaches none of this: a dot-matrix `...,N` read as `9+44y`."""
from __future__ import annotations

import random

from .corpus import corpus_line

_VARIABLES = "ABCDEIJKLMNPRSTXYZ"


def _variable(rng: random.Random) -> str:
    name = rng.choice(_VARIABLES) + rng.choice(["", "", "", str(rng.randint(1, 9)), rng.choice(_VARIABLES)])
    return name + (f"({rng.choice('IJKN')})" if rng.random() < 0.25 else "")


def _operand(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.5:
        return _variable(rng)
    if r < 0.75:
        return str(rng.randint(0, 100))
    return f"{rng.uniform(0, 100):.{rng.randint(1, 4)}f}"


def _expression(rng: random.Random) -> str:
    parts = [_operand(rng)]
    for _ in range(rng.randint(1, 4) - 1):
        parts += [rng.choice("+-*/^"), _operand(rng)]
    text = "".join(parts)
    if rng.random() < 0.3:
        text = f"{rng.choice(['SQR', 'ABS', 'INT', 'SIN', 'COS', 'EXP', 'LOG'])}({text})"
    return text


def _dots(rng: random.Random) -> str:
    """`...`, or `. . . .` as a monospaced listing spaces them (each dot in its own cell)."""
    dots = "." * rng.randint(3, 5)
    return " ".join(dots) if rng.random() < 0.4 else dots


def _words(rng: random.Random, n: int) -> str:
    words = [w.strip(".,;:!?\"'()[]{}").upper() for w in corpus_line(rng, 60).split()]
    return " ".join([w for w in words if w.isalpha()][:n]) or "DATA"


def _sequence(rng: random.Random) -> str:
    """An enumeration as a program comment writes one: `1,2,...,N`, `X(1),...,X(N)`, `1,2, . . . ,N`."""
    start = rng.choice(["1,2,", "0,1,", "1,", "X(1),", "A1,A2,", "I=1,"])
    dots = _dots(rng)
    return start + (f" {dots} " if " " in dots else dots) + "," + rng.choice(["N", "M", "K", "X(N)", "AN", "10", "100"])


def _statement(rng: random.Random, numbers: list[int]) -> str:
    v, e = _variable(rng), _expression(rng)
    kind = rng.randrange(12)
    if kind == 0:
        lead = rng.choice(["", "", "- ", "-- ", "* "]) + (_dots(rng) if rng.random() < 0.4 else "")
        tail = f" {rng.choice(['FROM', 'TO', 'FOR', 'OF'])} {_operand(rng)} TO {_sequence(rng)}" if rng.random() < 0.4 else ""
        return f"REM {lead}{_words(rng, rng.randint(2, 7))}{tail}"
    if kind == 1:
        return f"C     {_words(rng, rng.randint(2, 8))}" + (f" {_sequence(rng)}" if rng.random() < 0.3 else "")
    if kind == 2:
        return f"{'LET ' if rng.random() < 0.5 else ''}{v}={e}"
    if kind == 3:
        return f"FOR {rng.choice('IJKN')}={_operand(rng)} TO {_operand(rng)}" + (f" STEP {rng.randint(1, 5)}" if rng.random() < 0.2 else "")
    if kind == 4:
        return f"IF {e}{rng.choice(['=', '<', '>', '<=', '>=', '<>'])}{_operand(rng)} THEN {rng.choice(numbers)}"
    if kind == 5:
        return f"{rng.choice(['GOTO', 'GOSUB', 'GO TO'])} {rng.choice(numbers)}"
    if kind == 6:
        items = [_variable(rng) for _ in range(rng.randint(1, 4))]
        return f'PRINT "{_words(rng, rng.randint(1, 3))}"{rng.choice(";,")}' + rng.choice(";,").join(items)
    if kind == 7:
        return f"{rng.choice(['DIM', 'READ', 'INPUT'])} " + ",".join(_variable(rng) for _ in range(rng.randint(1, 4)))
    if kind == 8:
        return "DATA " + ",".join(_operand(rng) if rng.random() < 0.3 else str(rng.randint(-50, 999)) for _ in range(rng.randint(2, 8)))
    if kind == 9:
        return f"DO {rng.choice(numbers)} {rng.choice('IJK')}=1,{rng.choice(['N', 'M', str(rng.randint(2, 99))])}"
    if kind == 10:
        items = ",".join(rng.choice(["1X", f"F{rng.randint(5, 12)}.{rng.randint(1, 4)}", f"I{rng.randint(2, 6)}",
                                     f"E{rng.randint(10, 15)}.{rng.randint(3, 6)}", f"A{rng.randint(1, 8)}"])
                         for _ in range(rng.randint(2, 6)))
        return f"{rng.choice(['WRITE(6,', 'READ(5,', 'FORMAT('])}{items})"
    return rng.choice(["END", "RETURN", "STOP", "CONTINUE", "NEXT I", "NEXT J", f"CALL {_words(rng, 1)}({v},{_variable(rng)})"])


def listing_line(rng: random.Random, max_chars: int = 72) -> str:
    """One line of a listing: a line number (zero-padded as some printers show them, or not) and one statement,
    or two joined by `:`; or a row of a printout's table of numbers."""
    if rng.random() < 0.12:
        cols = [f"{rng.uniform(-999, 9999):.{rng.randint(0, 4)}f}" if rng.random() < 0.7 else str(rng.randint(0, 99999))
                for _ in range(rng.randint(2, 7))]
        return (" " * rng.randint(1, 3)).join(cols)[:max_chars].strip()
    numbers = [rng.randint(1, 999) * 10 for _ in range(4)]
    number = numbers[0]
    head = f"{number:05d}" if rng.random() < 0.4 else str(number)
    body = _statement(rng, numbers)
    if rng.random() < 0.2:
        body += ":" + _statement(rng, numbers)
    return f"{head} {body}"[:max_chars].strip()
