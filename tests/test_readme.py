"""The README's worked example of a method adapter really works as one file in methods/."""

from __future__ import annotations

import itertools
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from ntkbench.harness.registry import discover
from ntkbench.harness.runner import RunOptions, run_suite
from ntkbench.harness.store import Store
from ntkbench.harness.suite import load_suite

README = Path(__file__).resolve().parents[1] / "README.md"


def _example_adapter() -> str:
    blocks = re.findall(r"```python\n(# methods/orf.py\n.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) == 1, "the README lost its worked adapter example"
    return blocks[0]


def test_readme_adapter_runs_under_the_harness(tmp_path, monkeypatch):
    for folder in ("methods", "datasets", "reports/demo"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "methods" / "orf.py").write_text(_example_adapter())
    (tmp_path / "datasets" / "blobs.py").write_text(
        "import numpy as np\n"
        "from ntkbench.contracts import Dataset, Split\n\n\n"
        "class Blobs(Dataset):\n"
        "    name = 'blobs'\n"
        "    task = 'classification'\n\n"
        "    def load(self, *, seed):\n"
        "        rng = np.random.default_rng(seed)\n"
        "        y = rng.integers(0, 3, 300)\n"
        "        X = rng.standard_normal((300, 5)) * 0.5 + np.eye(3, 5)[y] * 3\n"
        "        return Split(X[:200], y[:200], X[200:], y[200:], 'classification')\n"
    )
    (tmp_path / "reports" / "demo" / "suite.toml").write_text(
        "[suite]\nseeds = [0]\nn_eval = 100\n[[datasets]]\nname = 'blobs'\n"
        "[[methods]]\nname = 'orf'\nparams = { n_components = [64, 2048] }\n"
    )
    monkeypatch.setenv("NTKBENCH_ROOT", str(tmp_path))
    registry = discover(tmp_path, entry_points=False)
    assert not registry.errors
    with Store(tmp_path / "r.sqlite") as store:
        summary = run_suite(load_suite("demo", registry), store, RunOptions(jobs=0, progress=False), registry)
        rows = {r["method_params"]["n_components"]: r for r in store.rows()}
    assert summary.counts() == {"ok": 2}
    assert rows[2048]["metrics"]["test_accuracy"] > 0.9
    # more random features approximate the RBF kernel better
    assert rows[2048]["metrics"]["rel_frobenius"] < rows[64]["metrics"]["rel_frobenius"] / 2
    assert np.isfinite(rows[64]["metrics"]["spectral_eps"])


def test_readme_feature_map_example_runs(tmp_path, monkeypatch):
    section = README.read_text().split("## Feature maps as a library", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    rng = np.random.default_rng(0)
    scope = {"X_train": rng.standard_normal((300, 6)), "X": rng.standard_normal((500, 6))}
    scope["y_train"] = np.sin(scope["X_train"][:, 0])
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), scope)
    features = np.load(tmp_path / "features.npy")
    assert features.shape == (500, 4096)
    np.testing.assert_allclose(features, scope["rf"].transform(scope["X"]))
    assert scope["model"].score(scope["X_train"], scope["y_train"]) > 0.9


@pytest.mark.data
def test_readme_own_data_examples_load(tmp_path, monkeypatch, data_home):
    section = README.read_text().split("### Your own data", 1)[1]
    entries = tomllib.loads(re.search(r"```toml\n(.*?)```", section, flags=re.S).group(1))["datasets"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my.csv").write_text("a,b,label\n" + "".join(f"{i},{i % 3},{'xy'[i % 2]}\n" for i in range(20)))
    monkeypatch.setenv("NTKBENCH_DATA", str(data_home))
    monkeypatch.setenv("NTKBENCH_CACHE", str(tmp_path / "cache"))
    registry = discover(README.parent, entry_points=False)
    loaded = 0
    for entry in entries:
        grid = {k: v if isinstance(v, list) else [v] for k, v in entry["params"].items()}
        for values in itertools.product(*grid.values()):
            split = registry.dataset(entry["name"])().load(seed=0, **dict(zip(grid, values)))
            assert len(split.y_train) and len(split.y_test)
            loaded += 1
    assert loaded == 4  # my.csv once, the UCI example for splits 0, 1, 2
