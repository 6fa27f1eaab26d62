"""Where `ocrmesh` and the tests look for the real evaluation data."""
import subprocess

from ocrmesh import paths


def test_evaldata_is_found_beside_the_repository_a_clone_came_from(tmp_path, monkeypatch):
    origin, data = tmp_path / "work" / "main", tmp_path / "work" / "shared" / "evaldata" / "dev"
    data.mkdir(parents=True)
    origin.mkdir()
    subprocess.run(["git", "init", "-q", str(origin)], check=True)
    clone = tmp_path / "elsewhere" / "fresh"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True, capture_output=True)
    monkeypatch.delenv("OCRMESH_EVALDATA", raising=False)
    monkeypatch.setattr(paths, "REPO_ROOT", clone)
    assert paths.default_evaldata() == data.resolve()
    # Data beside the checkout itself comes first, and the environment overrides both.
    (tmp_path / "elsewhere" / "shared" / "evaldata" / "dev").mkdir(parents=True)
    assert paths.default_evaldata() == tmp_path / "elsewhere" / "shared" / "evaldata" / "dev"
    monkeypatch.setenv("OCRMESH_EVALDATA", str(tmp_path / "mine"))
    assert paths.default_evaldata() == tmp_path / "mine"
