import random
import re

import numpy as np
import pytest

from ocr_models.data import render_line as render_line_module
from ocr_models.data.fonts import HELD_OUT_FAMILIES, discover_fonts, split_fonts
from ocr_models.data.lines import LineSynthesizer, SyntheticLineBatches
from ocr_models.data.render_line import render_line
from ocr_models.data.text import TextSampler
from ocr_models.recognition.vocab import DEFAULT_CHARSET, Charset


@pytest.fixture(scope="module")
def fonts():
    found = discover_fonts(DEFAULT_CHARSET)
    assert len(found) >= 50, "install the font packages (make install as root)"
    return found


def test_held_out_fonts_are_disjoint_from_training_fonts(fonts):
    train, val = split_fonts(fonts)
    assert train and val
    assert not {f.path for f in train} & {f.path for f in val}
    assert not {f.group for f in train} & HELD_OUT_FAMILIES
    assert len({f.group for f in train}) >= 30  # many families, not one face at many weights


def test_text_sampler_covers_the_kinds_of_text_we_read():
    ts = TextSampler(random.Random(0))
    lines = [ts.line(DEFAULT_CHARSET) for _ in range(2000)]
    joined = "".join(lines)
    assert all(1 <= len(x) <= 96 for x in lines)
    assert any(c.isdigit() for c in joined) and any(c in ".,:;()" for c in joined)
    assert sum(x.isupper() for x in lines) > 100          # ALL CAPS lines
    assert sum(any(c.islower() for c in x) for x in lines) > 500
    assert set(joined) <= set(DEFAULT_CHARSET)
    assert "  " not in joined


def test_text_sampler_is_reproducible():
    a = [TextSampler(random.Random(7)).line(DEFAULT_CHARSET) for _ in range(3)]
    b = [TextSampler(random.Random(7)).line(DEFAULT_CHARSET) for _ in range(3)]
    assert a == b


def test_rendered_lines_have_ink_and_vary(fonts):
    rng = random.Random(1)
    images = [render_line("Invoice 2024-01-31 TOTAL 12.50", rng.choice(fonts), rng) for _ in range(30)]
    for img in images:
        assert img.dtype == np.uint8 and img.ndim == 2
        assert img.shape[0] >= 8 and img.shape[1] > img.shape[0]
        assert img.std() > 5  # not blank
    assert len({img.shape for img in images}) > 10  # sizes, crops and skews differ


def test_synthesizer_keeps_only_characters_the_font_has(fonts):
    synth = LineSynthesizer(list(fonts), Charset(), seed=3)
    for _ in range(20):
        x, text = synth.sample()
        assert x.shape[0] == 32 and x.dtype == np.float32
        assert -1.0 <= x.min() and x.max() <= 1.0
        assert text and set(text) <= set(DEFAULT_CHARSET)


def test_batches_are_bucketed_by_width(fonts):
    train, _ = split_fonts(fonts)
    batch = next(iter(SyntheticLineBatches(train, Charset(), batch_size=8, seed=5, pool_lines=32)))
    assert batch["images"].shape[:3] == (8, 1, 32)
    assert batch["target_lengths"].sum() == len(batch["targets"])
    assert int(batch["widths"].max()) == batch["images"].shape[3]


def test_small_capitals_are_a_run_of_lower_case_letters_never_the_whole_line():
    rng = random.Random(5)
    text = "copied by Mr. Spilsbury from Ridinger"
    runs = [render_line_module.small_caps_letters(text, rng, p=1.0) for _ in range(50)]
    assert all(runs)
    for run in runs:
        assert all(text[i].islower() for i in run)
        assert len(run) < sum(c.islower() for c in text)   # some letters keep full size
    assert not render_line_module.small_caps_letters("Spilsbury", rng, p=1.0)   # one word: no reference


def test_small_capitals_print_as_short_capitals_on_the_baseline(fonts):
    font = next((f for f in fonts if "Libertine" in f.family), fonts[0])
    small = render_line_module.draw_text_mask("Landseer", font, 26, random.Random(0), small_caps=set(range(1, 8)))
    capitals = render_line_module.draw_text_mask("LANDSEER", font, 26, random.Random(0), small_caps=set())
    assert small.shape[0] == capitals.shape[0]   # the same ascent/descent band

    def ink_rows(mask):
        rows = np.flatnonzero(mask.max(axis=1) > 0)
        return rows[0], rows[-1]

    # The full-size L reaches as high, and both sit on one baseline (within antialiasing's pixel).
    assert np.abs(np.subtract(ink_rows(small), ink_rows(capitals))).max() <= 1
    # After the L, the small capitals start lower and the word is narrower.
    assert ink_rows(small[:, small.shape[1] // 2:])[0] > ink_rows(capitals[:, capitals.shape[1] // 2:])[0] + 2
    assert small.shape[1] < capitals.shape[1] * 0.9


def test_baseline_row_is_where_letters_without_descenders_end(fonts):
    for font in fonts[:: max(1, len(fonts) // 12)]:
        mask = render_line_module.draw_text_mask("HIxm", font, 60, random.Random(0), small_caps=set())
        last_ink = np.flatnonzero(mask.max(axis=1) > 127)[-1]
        assert abs(render_line_module.baseline_row(font, 60) - (last_ink + 1)) <= 2, font.family   # 3 rows of headroom at 60


def test_corpus_lines_are_prose_cut_as_typeset_lines():
    from ocr_models.data.corpus import corpus_line, load_corpus

    assert len(load_corpus()) > 1000  # Python's help topics and docstrings are on every machine that trains
    rng = random.Random(5)
    lines = [corpus_line(rng, 72) for _ in range(500)]
    assert all(0 < len(x) <= 72 and x.isascii() and "  " not in x for x in lines)
    joined = " ".join(lines)
    # Sentences: commas inside lines, full stops followed by a capital, words broken by a hyphen at the end.
    assert joined.count(",") > 100
    assert sum(1 for a, b in zip(joined, joined[2:]) if a == "." and b.isupper()) > 20
    assert sum(x.endswith("-") and x[-2].isalpha() for x in lines) > 10


def test_scanned_print_is_binarised_dark_text_on_white(fonts):
    from ocr_models.data.render_line import render_scanned_print

    rng = random.Random(2)
    train, _ = split_fonts(fonts)
    for _ in range(20):
        img = render_scanned_print("reattachment, although here the deduced dissipation.", rng.choice(train), rng)
        assert img.dtype == np.uint8 and set(np.unique(img)) <= {0, 255}
        ink = (img == 0).mean()
        assert 0.01 < ink < 0.6                       # text, on mostly white paper
        assert img.shape[1] > 8 * img.shape[0]        # one line, cropped tight


def test_scanned_print_crops_a_share_of_lines_to_their_ink(fonts, monkeypatch):
    """UW-III's line crops are ink-tight (the dev lines: 16 % of the rows paper, on average); rendered lines keep the
    face's whole ascent-to-descent band (37 %) unless cropped to the ink, and a tight real crop of a listing was misread."""
    train, _ = split_fonts(fonts)

    def paper_rows(share: float) -> float:
        monkeypatch.setattr(render_line_module, "INK_TIGHT_P", share)
        rng, blank = random.Random(5), []
        for _ in range(30):
            img = render_line_module.render_scanned_print("Reading the graphs, we find", rng.choice(train), rng)
            rows = np.flatnonzero((img == 0).mean(axis=1) > 0.01)   # rows with more than speckle
            blank.append(1 - (rows[-1] + 1 - rows[0]) / img.shape[0])
        return float(np.mean(blank))

    tight, loose = paper_rows(1.0), paper_rows(0.0)
    assert tight < 0.2 and loose > 2 * tight


def test_synthesizer_mixes_in_scanned_print_at_the_share_asked(fonts, monkeypatch):
    from ocr_models.data import lines as lines_module

    calls = []
    real = lines_module.render_scanned_print
    monkeypatch.setattr(lines_module, "render_scanned_print", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    monkeypatch.setattr(lines_module, "WORN_COMMA_SHARE", 0.0)
    monkeypatch.setattr(lines_module, "HEADING_SHARE", 0.0)   # headings are labelled in capitals
    monkeypatch.setattr(lines_module, "LISTING_SHARE", 0.0)   # and listings with their runs of spaces closed up
    train, _ = split_fonts(fonts)
    synth = LineSynthesizer(train, Charset(DEFAULT_CHARSET), seed=3, scanned_print=0.3)
    samples = [synth.sample() for _ in range(200)]
    assert 40 <= len(calls) <= 80
    assert all(img.shape[0] == 32 for img, _ in samples)
    assert set(calls) <= {text for _, text in samples}  # the label is the text printed
    calls.clear()
    plain = LineSynthesizer(train, Charset(DEFAULT_CHARSET), seed=3)
    [plain.sample() for _ in range(50)]
    assert not calls                                  # off unless asked: earlier stages' data is unchanged


def test_superscripts_are_raised_and_labelled_flat(fonts):
    from ocr_models.data.render_line import draw_text_mask, with_superscript

    rng = random.Random(4)
    for _ in range(50):
        text, raised = with_superscript("the energy of the particle is large", rng)
        mark = "".join(text[i] for i in sorted(raised))
        assert raised and text.replace("10" + mark, "").replace(mark, "").split() == "the energy of the particle is large".split()
        assert sorted(raised) == list(range(min(raised), max(raised) + 1)) and " " not in mark  # one run, flat
    font = next(f for f in split_fonts(fonts)[0] if f.family == "DejaVu Serif")
    flat = draw_text_mask("1017", font, 40, random.Random(0), small_caps=set())
    sup = draw_text_mask("1017", font, 40, random.Random(0), small_caps=set(), superscripts=frozenset({2, 3}))
    lowest_ink = lambda m: np.flatnonzero(m[:, -m.shape[1] // 5:].max(axis=1) > 127)[-1]  # noqa: E731
    assert lowest_ink(sup) < lowest_ink(flat) - 8     # the exponent sits well above the baseline
    assert sup.shape[1] < flat.shape[1]                # and is smaller


def test_prose_starts_sentences_with_capitals_and_goes_on_lower_case_after_commas():
    import re

    ts = TextSampler(random.Random(1))
    text = " ".join(ts.prose(15) for _ in range(2000))
    after_stop_lower, after_stop_upper = len(re.findall(r"\. [a-z]", text)), len(re.findall(r"\. [A-Z]", text))
    after_comma_lower, after_comma_upper = len(re.findall(r", [a-z]", text)), len(re.findall(r", [A-Z]", text))
    assert after_stop_upper > 2 * after_stop_lower
    assert after_comma_lower > 3 * after_comma_upper


def test_worn_commas_print_as_full_stops_and_keep_their_label(fonts, monkeypatch):
    from ocr_models.data import lines as lines_module
    from ocr_models.data.render_line import worn_commas

    rng = random.Random(6)
    assert worn_commas("1,000, or 2,5, then", rng, p=1.0) == "1,000. or 2,5. then"  # numbers keep theirs
    assert worn_commas("a, b, c,", rng, p=0.0) == "a, b, c,"
    printed = []
    real = lines_module.render_scanned_print
    monkeypatch.setattr(lines_module, "render_scanned_print", lambda *a, **k: printed.append(a[0]) or real(*a, **k))
    monkeypatch.setattr(lines_module, "WORN_COMMA_SHARE", 1.0)
    monkeypatch.setattr(lines_module, "HEADING_SHARE", 0.0)
    monkeypatch.setattr(lines_module, "LISTING_SHARE", 0.0)
    synth = LineSynthesizer(split_fonts(fonts)[0], Charset(DEFAULT_CHARSET), seed=8, scanned_print=1.0)
    labels = [synth.sample()[1] for _ in range(150)]
    worn = 0
    for shown, label in zip(printed, labels):
        assert len(shown) == len(label)
        diff = [(a, b) for a, b in zip(shown, label) if a != b]
        assert set(diff) <= {(".", ",")}              # only commas differ, printed as stops, labelled commas
        worn += len(diff)
    assert worn > 10 and sum(label.count(",") for label in labels) > worn  # about half of them


def test_bracketed_lines_close_what_they_open_and_favour_braces():
    from ocr_models.data.corpus import bracketed

    rng = random.Random(7)
    lines = [bracketed("the set of all nodes in the tree", rng) for _ in range(300)]
    for x in lines:
        assert x.replace("{", "").replace("}", "").replace("(", "").replace(")", "").replace("[", "").replace("]", "") \
            == "the set of all nodes in the tree"
        opening = next(c for c in x if c in "{[(")
        assert x.count(opening) == 1 and x.index({"{": "}", "(": ")", "[": "]"}[opening]) > x.index(opening)
    braces = sum("{" in x for x in lines)
    assert 0.35 * len(lines) < braces < 0.65 * len(lines)


def test_em_dashes_replace_ascii_dashes_and_keep_the_words():
    from ocr_models.data.corpus import em_dashes

    rng = random.Random(3)
    assert em_dashes("the value -- if any - is kept", rng).replace(" ", "").replace("—", " ").split() \
        == ["thevalue", "ifany", "iskept"]
    lines = [em_dashes("a line of plain words", rng) for _ in range(200)]
    for x in lines:
        assert x.count("—") == 1 and "-" not in x
        assert x.replace(" — ", " ").replace("—", " ") == "a line of plain words"
    closed = sum(" — " not in x for x in lines)
    assert 0.3 * len(lines) < closed < 0.7 * len(lines)
    assert em_dashes("word", rng) == "word"   # nothing to join
    assert em_dashes("well-known pre-war", rng).count("-") == 2   # hyphens inside words stay


def test_headings_are_short_capitalised_runs_of_the_line_without_its_punctuation():
    from ocr_models.data.corpus import heading

    rng = random.Random(11)
    line = "of the magnetic field, as Kulik showed (1962); the results agree."
    source = set(line.replace(",", "").replace("(", "").replace(")", "").replace(";", "").replace(".", "").split())
    for _ in range(100):
        h = heading(line, rng)
        words = [w for w in h.split() if not re.fullmatch(r"[A-Z]\.", w)]   # leave out the initials
        assert 2 <= len(words) <= 6
        assert not set(",;()") & set(h)
        assert words[0][0].isupper() or words[0][0].isdigit()
        assert {w.lower() for w in words} <= {w.lower() for w in source}


def test_a_line_wholly_in_small_capitals_is_labelled_in_capitals(fonts):
    font = next((f for f in fonts if "Libertine" in f.family), fonts[0])
    small, label = render_line_module.all_small_caps("B. N. Semenov and Kulik", font)
    assert label == "B. N. SEMENOV AND KULIK"
    assert all("B. N. Semenov and Kulik"[i].islower() for i in small) and len(small) == 13


def test_the_synthesizer_labels_small_capital_headings_in_capitals(fonts, monkeypatch):
    from ocr_models.data import lines as lines_module

    train, _ = split_fonts(fonts)
    monkeypatch.setattr(lines_module, "HEADING_SHARE", 1.0)
    synth = lines_module.LineSynthesizer(train, Charset(), seed=4, scanned_print=1.0)
    labels = [synth.sample()[1] for _ in range(20)]
    assert all(not any(c.islower() for c in label) for label in labels)
    assert sum(any(c.isupper() for c in label) for label in labels) == 20


def test_curly_quotes_open_at_a_word_start_and_close_elsewhere():
    from ocr_models.data.corpus import curly_quotes

    assert curly_quotes("He said \"it's the 'end'\" and (\"so\"), the 90's") \
        == "He said “it’s the ‘end’” and (“so”), the 90’s"
    assert curly_quotes("no quotes here") == "no quotes here"


def test_thin_spaces_sit_before_closing_punctuation_and_inside_quotes(fonts):
    from ocr_models.data.render_line import thin_spaces

    text = "state: by his “human face”; up? no ; space"
    gaps = thin_spaces(text, random.Random(2))
    assert sorted(text[i] for i in gaps) == sorted(":h”;?")   # not the `;` that already has a space
    assert all(0.1 <= g <= 0.3 for g in gaps.values())
    font = next((f for f in fonts if "Libertine" in f.family), fonts[0])
    plain = render_line_module.draw_text_mask(text, font, 30, random.Random(0), small_caps=set())
    spaced = render_line_module.draw_text_mask(text, font, 30, random.Random(0), small_caps=set(), gaps=gaps)
    assert spaced.shape[1] - plain.shape[1] >= 0.8 * sum(gaps.values()) * 30   # the gaps are printed


def test_the_synthesizer_leaves_thin_spaces_out_of_the_label(fonts, monkeypatch):
    from ocr_models.data import lines as lines_module

    printed = []
    real = lines_module.render_scanned_print
    monkeypatch.setattr(lines_module, "render_scanned_print", lambda *a, **k: printed.append((a[0], k["gaps"])) or real(*a, **k))
    for share in ("THIN_SPACE_SHARE", "CURLY_QUOTE_SHARE"):
        monkeypatch.setattr(lines_module, share, 1.0)
    for share in ("WORN_COMMA_SHARE", "HEADING_SHARE", "LISTING_SHARE"):
        monkeypatch.setattr(lines_module, share, 0.0)
    synth = LineSynthesizer(split_fonts(fonts)[0], Charset(DEFAULT_CHARSET), seed=12, scanned_print=1.0)
    labels = [synth.sample()[1] for _ in range(300)]
    assert sum(bool(gaps) for _, gaps in printed) > 10
    for (shown, gaps), label in zip(printed, labels):
        assert shown == label                                              # the gaps are not characters
        assert all(label[i] in ";:?!”" or label[i - 1] == "“" for i in gaps or {})
    assert "'" not in "".join(labels) and '"' not in "".join(labels)   # typeset quotes only


def test_listing_lines_are_numbered_upper_case_statements_with_runs_of_dots():
    from ocr_models.data.listing import listing_line

    rng = random.Random(7)
    lines = [listing_line(rng) for _ in range(400)]
    assert all(not any(c.islower() for c in line) and 0 < len(line) <= 72 for line in lines)
    numbered = [line for line in lines if re.match(r"\d+ [A-Z]", line)]
    assert len(numbered) > 300 and sum(line.startswith("0") for line in numbered) > 60   # zero-padded, as printers show them
    assert sum(bool(re.search(r",\.{3,5},", line)) for line in lines) > 5                  # `1,2,...,N`
    assert sum(bool(re.search(r", \.( \.){2,4} ,", line)) for line in lines) > 3           # `1,2, . . . ,N`
    assert sum("=" in line for line in lines) > 80 and sum('"' in line for line in lines) > 10


def test_the_synthesizer_prints_listings_in_monospaced_faces_and_closes_up_their_spaces(fonts, monkeypatch):
    from ocr_models.data import lines as lines_module
    from ocr_models.data.fonts import is_monospace

    printed = []
    real = lines_module.render_scanned_print
    monkeypatch.setattr(lines_module, "render_scanned_print",
                        lambda *a, **k: printed.append((a[0], a[1], k["dots"])) or real(*a, **k))
    monkeypatch.setattr(lines_module, "LISTING_SHARE", 1.0)
    synth = LineSynthesizer(split_fonts(fonts)[0], Charset(DEFAULT_CHARSET), seed=5, scanned_print=1.0)
    labels = [synth.sample()[1] for _ in range(60)]
    assert all(is_monospace(font) for _, font, _ in printed)
    assert 15 < sum(dots for _, _, dots in printed) < 45                  # about half from a dot-matrix printer
    assert any("  " in shown for shown, _, _ in printed)                  # columns are printed apart
    assert all(label == " ".join(shown.split()) for (shown, _, _), label in zip(printed, labels))


def test_dot_matrix_print_follows_the_glyphs_and_keeps_every_full_stop(fonts):
    import cv2

    font = next(f for f in split_fonts(fonts)[0] if f.family == "DejaVu Sans Mono")
    solid = render_line_module.draw_text_mask("REM 1,2,...,N", font, 40, random.Random(0), small_caps=set()) / 255.0
    near = cv2.dilate((solid > 0.5).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0   # a dot: half a cell off, and wider
    count, marks = cv2.connectedComponents((solid > 0.5).astype(np.uint8))
    for diamonds in (False, True):
        dotted = render_line_module.dot_matrix(solid.astype(np.float32), 4, diamonds)
        assert dotted.shape == solid.shape
        assert (dotted[~near] > 0.5).mean() < 0.01                          # no ink away from the glyphs
        assert all((dotted[marks == i] > 0.5).any() for i in range(1, count))   # each dot and stroke keeps ink
        assert ((dotted > 0.5) != (solid > 0.5)).mean() > 0.03              # and it is not the solid print


def test_a_dot_matrix_printer_prints_each_mark_apart_in_dots_and_keeps_every_full_stop(fonts):
    import cv2

    font = next(f for f in split_fonts(fonts)[0] if f.family == "DejaVu Sans Mono")
    text = "1,2,...,N"
    solid = render_line_module.draw_text_mask(text, font, 40, random.Random(0), small_caps=set()) > 127
    marks = cv2.connectedComponents(solid.astype(np.uint8))[0] - 1
    assert marks == 9
    for seed in range(12):
        printed = render_line_module.dot_matrix_print(text, font, random.Random(seed)) > 0.5
        assert 30 <= printed.shape[0] <= 5 * 25                      # 10-14 rows (and the descent) of 3-5 px dots
        joined = cv2.dilate(printed.astype(np.uint8), np.ones((3, 3), np.uint8))   # a glyph's diagonal dots touch
        count, _, stats, _ = cv2.connectedComponentsWithStats(joined)
        assert count - 1 == marks                                    # no mark lost, none run into the next
        stops = sorted(stats[1:].tolist())[4:7]                      # by x: 1 , 2 , . . . , N
        assert all(top > printed.shape[0] / 2 and height < 0.4 * printed.shape[0] for _, top, _, height, _ in stops)


def test_a_dot_matrix_printer_prints_strokes_one_dot_wide_whatever_the_faces_weight(fonts, monkeypatch):
    """The dev listing line's strokes are one dot wide, as a 7x9 print head draws them; printing the face's own
    stroke instead gives a bold face bold, merged dots."""
    train = split_fonts(fonts)[0]
    regular, bold = (next(f for f in train if f.path.endswith(name))
                     for name in ("/DejaVuSansMono.ttf", "/DejaVuSansMono-Bold.ttf"))

    def ink(font, thin_share: float) -> float:
        monkeypatch.setattr(render_line_module, "THIN_DOTS_P", thin_share)
        return float(np.mean([(render_line_module.dot_matrix_print("HILL 10 IF", font, random.Random(s)) > 0.5).mean()
                              for s in range(12)]))

    assert ink(bold, 1.0) < 1.1 * ink(regular, 1.0)
    assert ink(bold, 0.0) > 1.2 * ink(regular, 0.0)


def test_skewed_lines_keep_their_ink_at_both_ends():
    """A turn of half a degree moves the ends of a 1200 px line by 5 px: on a canvas of the line's own height, the
    ends of a crop to the ink would lose their tops and bottoms while the label keeps them."""
    mask = np.zeros((30, 1200), np.float32)
    mask[1:29, :] = 1.0
    for degrees in (0.5, -0.5):
        turned = render_line_module.skewed(mask, degrees)
        assert turned.shape[0] > mask.shape[0] + 10
        assert turned.sum() == pytest.approx(mask.sum(), rel=0.01)


def test_dot_matrix_listings_take_plain_upright_faces(fonts, monkeypatch):
    from ocr_models.data import lines as lines_module
    from ocr_models.data.fonts import Font, is_monospace, is_plain

    def named(file):
        return Font(f"/usr/share/fonts/x/{file}", "x", "x", frozenset())

    assert is_plain(named("DejaVuSansMono.ttf")) and is_plain(named("Anonymous Pro.ttf"))
    assert not any(is_plain(named(f)) for f in ("DejaVuSansMono-BoldOblique.ttf", "Anonymous Pro BI.ttf",
                                                "Anonymous Pro I.ttf", "FreeMonoOblique.ttf", "PTM75F.ttf", "OCRBF.otf"))
    printed = []
    real = lines_module.render_scanned_print
    monkeypatch.setattr(lines_module, "render_scanned_print",
                        lambda *a, **k: printed.append((a[1], k["dots"])) or real(*a, **k))
    monkeypatch.setattr(lines_module, "LISTING_SHARE", 1.0)
    synth = LineSynthesizer(split_fonts(fonts)[0], Charset(DEFAULT_CHARSET), seed=6, scanned_print=1.0)
    for _ in range(60):
        synth.sample()
    dotted = [font for font, dots in printed if dots]
    assert len(dotted) > 15 and all(is_monospace(f) and is_plain(f) for f in dotted)
    assert not all(is_plain(font) for font, dots in printed if not dots)   # plain print keeps the styled faces


def test_dot_matrix_full_stops_and_commas_become_diamonds_and_the_rest_is_kept():
    cells = np.zeros((14, 30), bool)
    cells[2:11, 2] = True                      # a stroke (an `l`), on the baseline at row 10
    cells[9:11, 6:8] = True                    # a full stop
    cells[9:13, 12:14] = True                  # a comma, down into the descent
    cells[2:5, 18] = True                      # an apostrophe, high up: not a point
    out, dots = render_line_module.diamond_points(cells, baseline=10.5, across=0.5)
    assert (out[:, :4] == cells[:, :4]).all() and (out[:, 16:] == cells[:, 16:]).all()
    assert not out[:, 4:16].any()                                       # the points are printed as their dots
    stop, comma = dots[:5], dots[5:]
    assert sorted(stop) == [(8, 6.5), (9, 6.0), (9, 6.5), (9, 7.0), (10, 6.5)]   # three high, on the baseline
    assert len(comma) == 7 and min(r for r, _ in comma) == 6 and max(r for r, _ in comma) == 10  # a 9 on the baseline
    assert sorted(comma)[-1][1] < sorted(comma)[-2][1] < sorted(comma)[-3][1] == 12.5   # its tail down to the left


def test_a_dot_matrix_full_stop_is_taller_than_wide_and_low_on_the_line():
    """The dev listing's full stops are marks three dots high and a little narrower, with a stem above and below
    their middle, on the baseline; the recognizer read them as `+`."""
    import cv2

    cells = np.zeros((14, 12), bool)
    cells[9:11, 5:7] = True
    kept, dots = render_line_module.diamond_points(cells, 10.5, 0.7)
    printed = render_line_module.print_dots(kept, 4, extra=dots) > 0.5
    count, _, stats, _ = cv2.connectedComponentsWithStats(printed.astype(np.uint8))
    assert count == 2                                                   # one mark
    left, top, width, height, area = stats[1]
    assert 3 * 4 - 2 <= height <= 3 * 4 + 2 and width < height         # three rows of 4 px dots, narrower
    assert top + height == pytest.approx(11 * 4, abs=2)                 # its foot on the baseline's row
    middle = printed[top + height // 2, left: left + width].sum()
    assert printed[top + 1, left: left + width].sum() < 0.7 * middle    # a stem above a wider middle
