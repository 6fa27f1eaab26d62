import numpy as np

from ocr_models.recognition.decode import greedy_decode, greedy_decode_batch, softmax

CHARS = "abc"


def one_hot(labels, p=0.9, classes=4):
    probs = np.full((len(labels), classes), (1 - p) / (classes - 1))
    probs[np.arange(len(labels)), labels] = p
    return probs


def test_repeats_collapse_and_blanks_separate():
    # a a _ a b b _ _ c  ->  "aabc"
    out = greedy_decode(one_hot([1, 1, 0, 1, 2, 2, 0, 0, 3]), CHARS)
    assert out.text == "aabc"
    assert len(out.char_confidences) == 4


def test_confidence_is_mean_of_character_maxima():
    probs = one_hot([1, 0, 2])
    probs[0] = [0.1, 0.6, 0.2, 0.1]
    out = greedy_decode(probs, CHARS)
    assert out.text == "ab"
    assert np.isclose(out.char_confidences[0], 0.6)
    assert np.isclose(out.confidence, (0.6 + 0.9) / 2)


def test_all_blank_gives_empty_text():
    out = greedy_decode(one_hot([0, 0, 0]), CHARS)
    assert out.text == "" and out.char_confidences == []
    assert 0.0 <= out.confidence <= 1.0


def test_length_limits_frames_per_line():
    logits = np.log(np.stack([one_hot([1, 0, 2, 0, 3]), one_hot([3, 3, 0, 1, 1])]))
    out = greedy_decode_batch(logits, CHARS, lengths=[3, 5])
    assert [o.text for o in out] == ["ab", "ca"]


def test_characters_are_placed_where_they_were_emitted():
    # _ a a _ b _ c c c _  ->  "abc" emitted over frames [1,3), [4,5), [6,9) of 10
    out = greedy_decode(one_hot([0, 1, 1, 0, 2, 0, 3, 3, 3, 0]), CHARS)
    assert out.frames == 10
    assert out.char_centers == [2.0, 4.5, 7.5]


def test_words_span_their_characters_and_split_at_spaces():
    chars = "ab "
    # a _ b _ " " _ _ a a b  ->  "ab ab": words at frames ~[0, 3.25) and [5.25, 10)
    out = greedy_decode(one_hot([1, 0, 2, 0, 3, 0, 0, 1, 1, 2]), chars)
    assert out.text == "ab ab"
    first, second = out.words
    assert (first.text, second.text) == ("ab", "ab")
    assert 0.0 <= first.x0 < first.x1 < second.x0 < second.x1 <= 1.0
    # the boundary between "b" (frame 2) and " " (frame 4) is halfway: 3.5 frames of 10
    assert abs(first.x1 - 0.35) < 1e-9
    assert abs(second.x1 - 1.0) < 1e-9 and first.x0 < 0.05
    assert np.isclose(first.confidence, 0.9)


def test_an_empty_line_has_no_words():
    assert greedy_decode(one_hot([0, 0, 0]), CHARS).words == []


def test_batch_decoding_equals_decoding_each_lines_softmax():
    """greedy_decode_batch takes the best class and its probability without the whole softmax: the same lines,
    confidences and positions to the last bit."""
    rng = np.random.default_rng(3)
    logits = (rng.normal(0, 4, (6, 40, len(CHARS) + 1)) * rng.uniform(0.2, 3, (6, 40, 1))).astype(np.float32)
    logits[:, ::3, 0] += 6   # blanks between characters, as a trained model emits them
    lengths = [40, 33, 20, 7, 1, 0]
    probs = softmax(logits)
    expected = [greedy_decode(p, CHARS, n) for p, n in zip(probs, lengths)]
    assert greedy_decode_batch(logits, CHARS, lengths) == expected
    assert any(line.text for line in expected)
