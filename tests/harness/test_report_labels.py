"""A dataset's ``label`` in the suite titles its report section, plot panels and console lines."""

from __future__ import annotations

import matplotlib.pyplot as plt
from ntkbench.cli import main
from ntkbench.report import plots

LONG = "/a/very/long/path/to/some/user/data/that/fills/every/title/train.csv"
SUITE = f"""
[suite]
seeds = [0]
n_eval = 20

[[datasets]]
name = "toy"
label = "my data"
params = {{ task = "classification" }}

[[datasets]]
name = "toy"
params = {{ task = "regression" }}

[[methods]]
name = "linear"

[[methods]]
name = "broken"
"""


def test_labels_title_report_sections_and_plot_panels(toy_root, write_suite, tmp_path, capsys, monkeypatch):
    write_suite("demo", SUITE)
    store = str(tmp_path / "r.sqlite")
    assert main(["run", "demo", "--store", store, "--jobs", "0", "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "error: broken on my data, seed 0: RuntimeError: this method always fails" in out
    titles = []

    def save(fig, path):
        titles.append(sorted(ax.get_title() for ax in fig.axes if ax.get_visible()))
        plt.close(fig)
        return path

    monkeypatch.setattr(plots, "_save", save)
    assert main(["report", "demo", "--store", store]) == 0
    readme = (toy_root / "reports" / "demo" / "README.md").read_text()
    headings = [line for line in readme.splitlines() if line.startswith("## ")]
    assert "## my data" in headings and "## toy[task=regression]" in headings
    assert "`toy[d=3,n=60,task=classification]`" in readme  # the full label stays, below the heading
    assert titles and all(t == ["my data", "toy[task=regression]"] for t in titles)


FILES = """
import numpy as np
from ntkbench.contracts import Dataset, Split


class Files(Dataset):
    name = "files"
    params = {"path": [""]}

    def load(self, *, seed, **params):
        rng = np.random.default_rng(len(params["path"]))
        X = rng.standard_normal((40, 2))
        return Split(X[:30], X[:30, 0], X[30:], X[30:, 0], "regression")
"""


def test_a_label_keeps_a_long_path_out_of_titles(toy_root, write_suite, tmp_path, capsys, monkeypatch):
    (toy_root / "datasets" / "files.py").write_text(FILES)
    other = LONG.replace("train", "other")
    write_suite("paths", f"""
    [suite]
    seeds = [0]
    [[datasets]]
    name = "files"
    label = "train A"
    params = {{ path = "{LONG}" }}
    [[datasets]]
    name = "files"
    params = {{ path = "{other}" }}
    [[methods]]
    name = "linear"
    """)
    store = str(tmp_path / "r.sqlite")
    assert main(["run", "paths", "--store", store, "--jobs", "0", "--no-progress"]) == 0
    titles = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: titles.extend(ax.get_title() for ax in fig.axes) or path)
    assert main(["report", "paths", "--store", store]) == 0
    readme = (toy_root / "reports" / "paths" / "README.md").read_text()
    assert "## train A" in readme.splitlines() and f"## files[path={other}]" in readme.splitlines()
    labelled = [t for t in titles if "train" in t or "files" in t]
    assert labelled.count("train A") == len(labelled) // 2  # one panel of each plot, titled by the label
    assert all(t.startswith("files[path=/a/very/long") for t in labelled if t != "train A")  # long without one
