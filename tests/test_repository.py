"""Repository-level promises: the two commands, CI entry point, weight sizes, one set of pins."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_readme_gives_the_two_commands():
    readme = (REPO / "README.md").read_text()
    assert "make up" in readme and "make test" in readme


def test_ci_runs_make_test():
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_committed_weights_are_small():
    weights = list((REPO / "models").glob("*.pt")) + list((REPO / "models").glob("*.onnx"))
    assert weights
    for w in weights:
        assert w.stat().st_size < 20 * 1024 * 1024, w


def test_torch_is_pinned_to_the_cpu_build():
    pins = (REPO / "constraints.txt").read_text().splitlines()
    assert "torch==2.13.0" in pins
