"""Repository-level promises: the two commands, CI entry point, weight sizes, one set of pins."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_readme_gives_the_two_commands():
    readme = (REPO / "README.md").read_text()
    assert "make up" in readme and "make test" in readme


def test_ci_runs_make_test():
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_committed_weights_are_small():
    weights = list((REPO / "models").rglob("*.pt")) + list((REPO / "models").rglob("*.onnx"))
    assert weights
    for w in weights:
        assert w.stat().st_size < 20 * 1024 * 1024, w


def test_every_model_version_has_a_card_and_the_current_ones_are_stored_versions():
    from ocr_models.registry import KINDS, ModelStore

    store = ModelStore(REPO / "models")
    for kind in KINDS:
        versions = store.versions(kind)
        assert [v.name for v in versions if v.current] == [store.current_name(kind)], kind
        for v in versions:
            assert v.card["version"] == v.name and v.card["data"] and v.card["command"], v.path
            assert v.path.with_suffix(".onnx").exists(), v.path
        current = next(v for v in versions if v.current)
        assert current.path.read_bytes() == store.current_path(kind).read_bytes(), kind


def test_torch_is_pinned_to_the_cpu_build():
    pins = (REPO / "constraints.txt").read_text().splitlines()
    assert "torch==2.13.0" in pins


def test_gpu_slim_tree_fits_the_device_limit_and_restores_the_index(tmp_path):
    """A borrowed GPU machine takes 64 MiB of working tree and carried files; .gpu/ alone is about 49 MiB."""
    import subprocess

    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)

    def slim(*args: str) -> str:
        return subprocess.run(["bash", str(REPO / "scripts/gpu/slim-tree.sh"), *args], cwd=clone, check=True,
                              capture_output=True, text=True).stdout

    def git(*args: str) -> list[str]:
        return subprocess.run(["git", *args], cwd=clone, check=True, capture_output=True, text=True).stdout.split()

    tracked = git("ls-files")
    init = "models/recognizer.pt"
    slim("on", init)
    travels = git("ls-files") + git("ls-files", "--others", "--exclude-standard")
    assert [f for f in travels if f.startswith("models/")] == [init]
    assert sum((clone / f).stat().st_size for f in travels if (clone / f).is_file()) < 15 << 20
    assert (clone / "models/recognizer.onnx").exists()   # hidden from git, not deleted
    slim("off")
    assert git("ls-files") == tracked and git("status", "--porcelain") == []
