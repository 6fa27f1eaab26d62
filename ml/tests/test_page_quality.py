"""The committed detector + recognizer on real pages (dev split; never trained on)."""
import pytest

from ocr_models.loader import load_detector, load_recognizer
from ocr_models.page_evaluation import evaluate_pages

COVERAGE_F1 = {"sroie_receipt": 0.90, "docbank_born_digital": 0.90}
# One-to-one IoU-0.5 F1 against the boxes a reader draws: receipt segments, and DocBank's words grouped
# into lines (detector narrow-20261207: 0.878 and 0.848 with the int8 twins; the one before it 0.865 and 0.847 with the
# int8 twins, 0.867 and 0.846 in float; before lines were cut at blank
# gaps, 0.776 and 0.820; before they were cut at narrow column gutters, DocBank 0.834).
LINE_F1 = {"sroie_receipt": ("f1", 0.85), "docbank_born_digital": ("line_f1", 0.84)}
# The committed weights (recognizer v2-20261206-points with detector narrow-20261207: 3.54 %, 1.20 %, 1.00 %, 0.00 %
# with the int8 twins; with the detector before it, 3.51 %, 1.22 %, 0.97 %, 0.00 % with the int8
# twins, 3.62 %, 1.19 %, 0.97 %, 0.00 % in float): receipt pages
# at most 4.5 % (the learning issue's target; PP-OCR 5.0 %), DocBank at models v2's target of 2.0 % (ignore boxes,
# DocBank's tokens in maths fonts, scored word by word: Tesseract 2.06 % on these pages by bench/page_quality.py;
# 2.29 % when a line's maths was scored against text that leaves it out), old books at models v2's target of 1.3 %
# (Tesseract 1.25 % on the private split; v2-20261201-case: 2.21 %, small capitals read as capitals), and the
# multilingual page, accents included, at most 1.5 % (models v2's target; Tesseract with `eng` only 2.2 %).
CER_TARGET = {"sroie_receipt": 0.045, "docbank_born_digital": 0.020, "oldbooks_scan": 0.0130, "tess_page": 0.015}


@pytest.fixture(scope="module")
def report(evaldata, recognizer_path, detector_path):
    # The int8 twins: what serving runs (the float models read these pages within 0.05 points, docs/performance.md).
    detector = load_detector(detector_path, "int8")
    recognizer = load_recognizer(recognizer_path, "int8", workers=2)
    return evaluate_pages(detector, evaldata / "pages" / "manifest.jsonl", recognizer)["subsets"]


@pytest.mark.quality
@pytest.mark.parametrize("subset", sorted(COVERAGE_F1))
def test_detector_covers_the_text_lines(report, subset):
    assert report[subset]["cov_f1"] >= COVERAGE_F1[subset], report[subset]


@pytest.mark.quality
@pytest.mark.parametrize("subset", sorted(LINE_F1))
def test_detected_boxes_match_the_lines_a_reader_draws(report, subset):
    key, floor = LINE_F1[subset]
    assert report[subset][key] >= floor, report[subset]


@pytest.mark.quality
@pytest.mark.parametrize("subset", sorted(CER_TARGET))
def test_end_to_end_character_error_rate_meets_the_target(report, subset):
    assert report[subset]["cer"] <= CER_TARGET[subset], report[subset]
