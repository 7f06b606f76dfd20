"""What a report shows besides the numbers: sizes, colours, error bars, whole titles, the commit,
and which methods are scored against another kernel."""

from __future__ import annotations

import json
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from ntkbench.cli import main
from ntkbench.report import plots
from ntkbench.report.style import method_colour, wrap_title
from ntkbench.report.tables import target_notes

SUITE = """
[suite]
seeds = [0, 1]
n_eval = 10

[[datasets]]
name = "toy"

[[methods]]
name = "linear"
params = { scale = [1.0, 2.0] }

[[methods]]
name = "rbf_features"
"""

# A feature method scored against the Gaussian kernel, next to the linear-kernel toy method.
RBF_METHOD = '''
import numpy as np
from ntkbench.contracts import Method, TargetKernel
from sklearn.kernel_approximation import RBFSampler
from sklearn.metrics.pairwise import rbf_kernel


class RBFFeatures(Method):
    name = "rbf_features"

    def fit(self, X, y=None):
        self.sampler_ = RBFSampler(n_components=64, random_state=self.random_state).fit(X)
        return self

    def transform(self, X):
        return self.sampler_.transform(X)

    def target_kernel(self):
        return TargetKernel("rbf[gamma=1]", lambda A, B: rbf_kernel(A, B, gamma=1.0))
'''


@pytest.fixture
def report(toy_root, write_suite, tmp_path, monkeypatch):
    """Run the suite, then report it; returns the README text, the figures drawn and the folder."""
    (toy_root / "methods" / "rbf_features.py").write_text(RBF_METHOD)
    write_suite("demo", SUITE)
    store = str(tmp_path / "r.sqlite")
    assert main(["run", "demo", "--store", store, "--jobs", "0", "--no-progress"]) == 0
    figures = {}

    def save(fig, path):
        figures[path.name] = fig
        return path

    monkeypatch.setattr(plots, "_save", save)
    assert main(["report", "demo", "--store", store]) == 0
    folder = toy_root / "reports" / "demo"
    yield (folder / "README.md").read_text(), figures, folder
    plt.close("all")


def _series(ax):
    """(legend label, colour) of every error-bar series in a panel."""
    return [(c.get_label(), c.lines[0].get_color()) for c in ax.containers]


def test_sizes_commit_and_other_kernel_are_stated(report):
    readme, _, folder = report
    assert "n_train = 45, n_test = 15, d = 3" in readme
    assert "`rbf_features` (vs rbf kernel)" in readme  # the linear-kernel methods are the majority
    assert "env_git_commit" in pd.read_csv(folder / "results.csv")


def test_the_commit_is_recorded_in_full(monkeypatch):
    from ntkbench.harness import environment

    monkeypatch.delenv("NTKBENCH_ROOT", raising=False)  # this checkout, a git repository
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", environment._git_commit())


def test_one_colour_per_method_in_every_plot_and_error_bars_on_time(report):
    _, figures, _ = report
    colours = {}
    for name in ("error_vs_dimension.png", "metric_vs_time.png"):
        for label, colour in _series(figures[name].axes[0]):
            method = label.split("[")[0].split(" ")[0]
            colours.setdefault(method, set()).add(colour)
    assert colours.keys() == {"linear", "rbf_features"}
    for method, seen in colours.items():
        assert len(seen) == 1  # both configurations of linear, in both plots
    assert colours["linear"] != colours["rbf_features"]
    time_panel = figures["metric_vs_time.png"].axes[0]
    assert all(c.has_xerr and c.has_yerr for c in time_panel.containers)
    labels = [label for label, _ in _series(figures["error_vs_dimension.png"].axes[0])]
    assert any(label.endswith("(vs rbf kernel)") for label in labels)


def test_a_dirty_tree_is_flagged(toy_root, write_suite, tmp_path, monkeypatch):
    from ntkbench.harness import environment

    monkeypatch.setattr(environment, "_git_commit", lambda: "0" * 40 + "-dirty")
    environment.environment.cache_clear()
    write_suite("demo", SUITE.replace('\n[[methods]]\nname = "rbf_features"\n', ""))
    store = str(tmp_path / "r.sqlite")
    try:
        assert main(["run", "demo", "--store", store, "--jobs", "0", "--no-progress"]) == 0
    finally:
        environment.environment.cache_clear()
    assert main(["report", "demo", "--store", store]) == 0
    readme = (toy_root / "reports" / "demo" / "README.md").read_text()
    assert "**Warning: some rows were measured on a working tree with uncommitted changes**" in readme


def test_long_titles_are_wrapped_never_cut():
    title = "csv[path=/a/very/long/path/to/some/user/data/that/fills/every/title/train.csv,target=y]"
    wrapped = wrap_title(title)
    assert wrapped.replace("\n", "") == title.replace(" ", "")
    assert max(len(line) for line in wrapped.splitlines()) <= 48


def test_colours_are_fixed_and_distinct_for_the_repositorys_methods():
    names = ["exact_fc", "exact_cntk", "exact_myrtle", "ntk_sketch", "ntk_random_features", "nystrom_ntk", "rff"]
    colours = [method_colour(n) for n in names]
    assert len(set(colours)) == len(names)
    assert method_colour("a_new_method") == method_colour("a_new_method")


def test_target_notes_name_the_minority_kernel_only():
    frame = pd.DataFrame({"method": ["a", "b", "c", "c"],
                          "m_target_kernel": ["fc_ntk[depth=1]", "fc_ntk[depth=2]", "rbf[gamma=1]", np.nan]})
    assert target_notes(frame) == {"c": " (vs rbf kernel)"}
    assert target_notes(frame[frame["method"] != "c"]) == {}
    assert json.dumps(target_notes(frame.drop(columns="m_target_kernel"))) == "{}"


def test_only_code_changes_make_the_tree_dirty(tmp_path, monkeypatch):
    import subprocess

    from ntkbench.harness import environment

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    for folder in ("ntkbench", "methods", "reports"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.py").write_text("x = 1\n")
    git("init", "-q")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qam", "init", "--allow-empty")
    git("add", ".")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "files")
    monkeypatch.setenv("NTKBENCH_ROOT", str(tmp_path))
    (tmp_path / "reports" / "a.py").write_text("x = 2\n")  # a regenerated report
    assert not environment._git_commit().endswith("-dirty")
    (tmp_path / "methods" / "new.py").write_text("y = 1\n")  # a new adapter not in the commit
    assert environment._git_commit().endswith("-dirty")
