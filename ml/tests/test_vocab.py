import random

import pytest
import torch

from ocr_models.data.text import TextSampler
from ocr_models.recognition.model import CRNN, CRNNConfig, extend_charset, fit_classifier, shorten_rnn, widen_rnn
from ocr_models.recognition.vocab import DEFAULT_CHARSET, LATIN_CHARSET, SCIENCE_CHARSET, Charset


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


def test_latin_charset_reads_the_letters_of_european_languages():
    cs = Charset(LATIN_CHARSET)
    text = "Größe « Œuvre » Señor Ærø façade § 12 ½ µm © über"
    assert cs.normalize(text) == text and cs.decode(cs.encode(text)) == text
    assert Charset().normalize("über façade") == "uber facade"     # the default charset falls back to base letters


def test_an_extended_model_reads_as_before_until_trained():
    model = CRNN(CRNNConfig(channels=(8, 16, 16, 32, 32), rnn_hidden=16)).eval()
    bigger = extend_charset(model, LATIN_CHARSET).eval()
    x = torch.rand(3, 1, 32, 120)
    with torch.no_grad():
        old, new = model(x), bigger(x)
    assert new.shape[-1] == len(LATIN_CHARSET) + 1
    assert torch.equal(old, new[..., : old.shape[-1]]) and torch.equal(old.argmax(-1), new.argmax(-1))
    with pytest.raises(ValueError):
        extend_charset(bigger, DEFAULT_CHARSET + "ü")            # not an extension of its charset
    near = extend_charset(model, LATIN_CHARSET, margin=3.0).eval()  # a short fine-tune's start: still reads as before
    with torch.no_grad():
        assert torch.equal(old.argmax(-1), near(x).argmax(-1))
    e, u = Charset(LATIN_CHARSET).encode("éu")
    assert near.classifier.bias[e] == model.classifier.bias[Charset().encode("e")[0]] - 3.0
    assert torch.equal(near.classifier.weight[e], model.classifier.weight[Charset().encode("e")[0]])


def test_synthetic_text_in_other_languages_only_with_the_latin_charset():
    latin = [TextSampler(random.Random(3)).line(LATIN_CHARSET) for _ in range(1)]
    ts = TextSampler(random.Random(3))
    lines = [ts.line(LATIN_CHARSET) for _ in range(400)]
    accented = set("".join(lines)) & set(LATIN_CHARSET[len(DEFAULT_CHARSET):])
    assert len(accented) >= 10 and latin[0] == lines[0]           # many new letters; seeded
    plain = TextSampler(random.Random(3))
    assert set("".join(plain.line(DEFAULT_CHARSET) for _ in range(400))) <= set(DEFAULT_CHARSET)


def test_a_widened_model_reads_as_before_until_trained():
    model = CRNN(CRNNConfig(channels=(8, 16, 16, 32, 32), rnn_hidden=16)).eval()
    wider = widen_rnn(model, 24).eval()
    x = torch.rand(2, 1, 32, 100)
    with torch.no_grad():
        assert torch.allclose(model(x), wider(x), atol=1e-6)
    assert wider.config.rnn_hidden == 24 and wider.rnn.weight_hh_l1.shape == (96, 24)
    assert sum(p.numel() for p in wider.parameters()) > sum(p.numel() for p in model.parameters())
    with pytest.raises(ValueError):
        widen_rnn(wider, 24)


def test_a_shortened_model_keeps_its_lower_layers_and_fits_its_classifier_to_the_full_one():
    torch.manual_seed(0)
    model = CRNN(CRNNConfig(channels=(8, 16, 16, 32, 32), rnn_hidden=16)).eval()
    with torch.no_grad():
        model.classifier.weight.mul_(20)        # logits that vary from frame to frame, as a trained model's do
    shorter = shorten_rnn(model, 1)
    assert shorter.config.rnn_layers == 1 and not hasattr(shorter.rnn, "weight_ih_l1")
    assert torch.equal(shorter.rnn.weight_hh_l0_reverse, model.rnn.weight_hh_l0_reverse)
    assert torch.equal(shorter.features[0][0].weight, model.features[0][0].weight)
    batches = [torch.rand(4, 1, 32, 96) for _ in range(3)]
    x = torch.rand(2, 1, 32, 96)
    with torch.no_grad():
        before = (shorter.eval()(x) - model(x)).pow(2).mean()
        fit_classifier(shorter, model, batches)
        after = (shorter.eval()(x) - model(x)).pow(2).mean()
    assert after < 0.9 * before                 # nearer the full model's logits on lines it was not fitted on
    with pytest.raises(ValueError):
        shorten_rnn(shorter, 1)


def test_science_charset_reads_greek_and_inline_mathematics_without_look_alikes():
    cs = Charset(SCIENCE_CHARSET)
    assert SCIENCE_CHARSET.startswith(LATIN_CHARSET)              # the latin weights extend to it
    text = "∆E ≈ 0.5 ± 0.1 eV, σ ≤ 2π, Σ x → ∞, √2 × 3 µm, α ∈ Ω"
    assert cs.normalize(text) == text and cs.decode(cs.encode(text)) == text
    # Letters printed like Latin ones are left to the Latin letter; the same glyph under two code points is one class.
    assert not set("ινουΑΒΕΗΙΚΜΝΟΡΤΥΧΖΔ") & set(SCIENCE_CHARSET)
    assert cs.normalize("Δt ∑ μm") == "∆t Σ µm"


def test_synthetic_formulas_only_with_the_science_charset():
    ts = TextSampler(random.Random(4))
    lines = [ts.line(SCIENCE_CHARSET) for _ in range(400)]
    new = set(SCIENCE_CHARSET[len(LATIN_CHARSET):])
    with_math = [x for x in lines if set(x) & new]
    assert 0.1 * len(lines) < len(with_math) < 0.35 * len(lines)   # inline formulas in a share of the lines
    assert len(set("".join(lines)) & new) >= 30                    # most of the new signs
    latin = TextSampler(random.Random(4))
    assert not set("".join(latin.line(LATIN_CHARSET) for _ in range(400))) & new


def test_formula_lines_print_the_added_signs_in_held_out_faces():
    from ocr_models.data.clean_print import formula_lines

    lines = formula_lines(SCIENCE_CHARSET, n=12)
    added = set(SCIENCE_CHARSET) - set(LATIN_CHARSET)
    assert len(lines) == 12 and all(set(text) & added and img.min() < 100 and img.max() == 255 for img, text in lines)
    assert formula_lines(SCIENCE_CHARSET, n=12)[5][1] == lines[5][1]  # the same lines every time
    with pytest.raises(ValueError):
        formula_lines(LATIN_CHARSET, n=2)                         # nothing added: nothing to measure
