"""Page orientation's steps with stand-in models: the turns and the mapping back, the vote, and which models run."""
from types import SimpleNamespace

import numpy as np
import pytest

from ocr_common.orientation import ANGLES, PROBE_LINES, lines_back, orient, rotate, small_turned, to_original, vote


@pytest.mark.parametrize("angle", ANGLES)
def test_a_point_found_on_the_turned_page_maps_back_onto_the_page_as_given(angle):
    page = np.zeros((30, 50), np.uint8)
    page[5, 7] = 255                                      # the pixel whose centre is (7.5, 5.5)
    turned = rotate(page, angle)
    assert turned.shape == ((30, 50) if angle in (0, 180) else (50, 30))
    ys, xs = np.nonzero(turned)
    assert to_original([[xs[0] + 0.5, ys[0] + 0.5]], angle, 50, 30) == [[7.5, 5.5]]


def test_the_vote_needs_a_confident_reading_ahead_of_the_other_way_up():
    assert vote([0.97] * 4 + [0.75] * 4) == 0
    assert vote([0.75] * 4 + [0.97] * 4) == 180
    assert vote([0.85] * 4 + [0.70] * 4) is None                 # not confident
    assert vote([0.85] * 4 + [0.70] * 4, least=0.8) == 0
    assert vote([0.95] * 4 + [0.90] * 4) is None                 # not far enough ahead
    assert vote([]) is None


def _line(x0, y0, x1, y1, score=0.9):
    return SimpleNamespace(points=[[x0, y0], [x1, y0], [x1, y1], [x0, y1]], score=score)


PAGE = np.full((400, 300, 3), 255, np.uint8)
WIDE = [_line(20, 40 + 30 * i, 280, 60 + 30 * i) for i in range(6)]       # long horizontal lines
SHORT = [_line(20, 40, 40, 60)]


class Models:
    """Stand-ins. `answers` holds the recognizer's answer to each read in turn: one confidence for every crop, or
    (as they are, turned) for a read of crops both ways (the first half as they are, the second turned)."""

    def __init__(self, answers, sideways=()):
        self.answers, self.sideways, self.detections, self.reads = list(answers), list(sideways), 0, 0
        self.shapes, self.asked = [], []

    def detect(self, pixels):
        self.detections += 1
        self.shapes.append(pixels.shape)
        return self.sideways

    def confidences(self, crops):
        answer = self.answers[self.reads]
        self.reads += 1
        self.asked.append(len(crops))
        if isinstance(answer, tuple):
            n = len(crops) // 2
            assert 0 < n <= PROBE_LINES and len(crops) == 2 * n
            return [answer[0]] * n + [answer[1]] * n
        assert 0 < len(crops) <= PROBE_LINES
        return [answer] * len(crops)


def test_a_surely_upright_page_costs_one_reading_of_the_probe_lines_as_they_are():
    m = Models([0.97])
    assert orient(PAGE, WIDE, m.detect, m.confidences) == (0, WIDE)
    assert (m.detections, m.reads) == (0, 1)


def test_lines_already_read_surely_upright_need_no_probe():
    m = Models([])
    read = [0.99, 0.97, 0.91, 0.96, 0.98, 0.97]           # mean 0.963
    assert orient(PAGE, WIDE, m.detect, m.confidences, read) == (0, WIDE)
    assert (m.detections, m.reads) == (0, 0)
    m = Models([0.75, 0.97], sideways=WIDE)               # read as guesses: the probes decide, here upside down
    assert orient(PAGE, WIDE, m.detect, m.confidences, [0.8] * 6)[0] == 180
    assert m.reads == 2


def test_a_less_sure_page_is_also_read_turned_and_decided_by_the_vote():
    m = Models([0.93, 0.75])
    assert orient(PAGE, WIDE, m.detect, m.confidences) == (0, WIDE)
    assert (m.detections, m.asked) == (0, [6, 6])
    m = Models([0.93, 0.88], sideways=SHORT)             # not far enough ahead: the page is checked for lying sideways
    assert orient(PAGE, WIDE, m.detect, m.confidences) == (0, WIDE)
    assert (m.detections, m.reads) == (1, 2)


def _back(lines, angle):
    return [to_original(ln.points, angle, 300, 400) for ln in lines]


def test_an_upside_down_page_is_detected_again_turned_and_its_lines_come_back_onto_the_page():
    m = Models([0.75, 0.97], sideways=WIDE)
    angle, lines = orient(PAGE, WIDE, m.detect, m.confidences)
    assert angle == 180 and [ln.points for ln in lines] == _back(WIDE, 180)
    assert lines[0].points[0] == [280.0, 360.0]          # the text's top-left corner, now at the bottom right
    assert m.shapes == [(400, 300, 3)]


def test_a_sideways_page_is_turned_by_90_or_270_by_reading_its_turned_lines():
    m = Models([0.5, 0.5, (0.97, 0.75)], sideways=WIDE)
    angle, lines = orient(PAGE, SHORT, m.detect, m.confidences)
    assert angle == 90 and [ln.points for ln in lines] == _back(WIDE, 90)
    assert m.shapes == [(300, 400, 3)]
    m = Models([0.5, 0.5, (0.70, 0.95)], sideways=WIDE)
    angle, lines = orient(PAGE, SHORT, m.detect, m.confidences)
    assert angle == 270 and [ln.points for ln in lines] == _back(WIDE, 270)
    assert (m.detections, m.reads) == (2, 3)


def test_an_unsure_page_that_is_not_sideways_stays_unless_it_likely_reads_upside_down():
    m = Models([0.6, 0.6], sideways=SHORT)
    assert orient(PAGE, WIDE, m.detect, m.confidences) == (0, WIDE)
    m = Models([0.68, 0.84], sideways=SHORT)
    assert orient(PAGE, WIDE, m.detect, m.confidences)[0] == 180
    m = Models([], sideways=[])
    assert orient(PAGE, [], m.detect, m.confidences) == (0, [])
    assert m.reads == 0


def test_turned_copies_are_made_at_the_detectors_size_and_lines_scale_back():
    big = np.zeros((3200, 2000, 3), np.uint8)
    small, scale = small_turned(big, 90)
    assert small.shape == (1000, 1600, 3) and scale == 0.5
    assert lines_back([_line(0, 0, 100, 10)], 90, 2000, 3200, scale)[0].points[0] == [0.0, 3200.0]
