"""bench/page_quality.py scores Tesseract by ocrmesh's own page rules: its TSV must become lines of words with boxes."""
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np

from ocr_models.page_evaluation import PageRecord, reading_pairs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from page_quality import tesseract_lines  # noqa: E402


def _quad(x0, y0, x1, y1):
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]


def test_tesseract_words_and_lines_are_scored_like_ocrmesh_output(tmp_path):
    page = np.full((120, 600), 255, np.uint8)
    cv2.putText(page, "the quick fox", (10, 45), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    cv2.putText(page, "jumps over", (10, 100), cv2.FONT_HERSHEY_SIMPLEX, 1.2, 0, 2)
    cv2.imwrite(str(tmp_path / "page.png"), page)
    tsv = subprocess.run(["tesseract", str(tmp_path / "page.png"), "stdout", "-l", "eng", "tsv"],
                         capture_output=True, text=True, check=True).stdout
    lines = tesseract_lines(tsv)
    assert [ln.text for ln in lines] == ["the quick fox", "jumps over"]
    assert [len(ln.words) for ln in lines] == [3, 2]
    first, second = (np.asarray(ln.points) for ln in lines)
    assert first[:, 1].max() < second[:, 1].min()          # one row above the other
    quick = np.asarray(lines[0].words[1].points)
    assert 60 < quick[:, 0].min() < quick[:, 0].max() < 180  # the word's own box, inside its line

    # Scored as ocrmesh is: "quick" lies on an ignore box, so it counts for neither side.
    x0, y0 = quick.min(0)
    x1, y1 = quick.max(0)
    truth = PageRecord(image=page, quads=np.array([_quad(10, 20, 65, 45), _quad(x0, y0, x1, y1), _quad(172, 20, 224, 45),
                                                   _quad(8, 75, 109, 107), _quad(119, 82, 192, 100)], np.float32),
                       texts=["the", "###", "fox", "jumps", "over"], ignore=np.array([False, True, False, False, False]),
                       text="", subset="paper", case_sensitive=True, name="page.png", box_level="word")
    assert reading_pairs(truth, lines) == [("the fox", "the fox"), ("jumps over", "jumps over")]
