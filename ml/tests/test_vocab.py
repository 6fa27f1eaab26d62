import pytest

from ocr_models.recognition.vocab import DEFAULT_CHARSET, Charset


def test_charset_has_printable_ascii_space_and_symbols():
    cs = Charset()
    for c in " azAZ09!~{}\\" + "€£°–—’“”":
        assert c in cs
    assert len(cs) == len(DEFAULT_CHARSET) + 1  # + blank


def test_encode_decode_round_trip_and_blank_is_zero():
    cs = Charset()
    text = "Total: RM 12.50 (incl. 6% GST) – “ok”"
    labels = cs.encode(text)
    assert 0 not in labels
    assert cs.decode(labels) == text
    assert cs.decode([0] + labels + [0]) == text


def test_encode_rejects_unknown_characters():
    with pytest.raises(KeyError):
        Charset().encode("日本")


def test_normalize_maps_lookalikes_and_drops_the_rest():
    cs = Charset()
    assert cs.normalize("café\u00a0naïve\u2212x…") == "cafe naive-x..."
    assert cs.normalize("日本 ok") == " ok"


def test_duplicate_characters_are_refused():
    with pytest.raises(ValueError):
        Charset("abca")
