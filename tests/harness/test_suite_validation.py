"""Suites are validated when loaded: every value against its type and range, each error naming file and key."""

from __future__ import annotations

import re

import pytest

from ntkbench.harness.params import Spec, infer_types, spec_of
from ntkbench.harness.registry import discover, project_root
from ntkbench.harness.suite import load_suite

SUITE = """
[suite]
seeds = [0]
n_eval = 20
time_limit = 60

[[datasets]]
name = "toy"
params = { n = 40 }

[[methods]]
name = "sized"
params = { n_components = 8, depth = 1 }
"""


@pytest.mark.parametrize("old, new, message", [
    ("n_components = 8", 'n_components = "lots"',
     r'\[\[methods\]\] 1 \(sized\) params: n_components = "lots": expected an integer >= 1, got a string'),
    ("depth = 1", "depth = 2.0", r"\(sized\) params: depth = 2.0: expected an integer, got a float"),
    ("depth = 1", "depth = [[1, 2]]", r"depth = \[1, 2\]: expected an integer, got a list .*nested lists"),
    ("depth = 1", "depth = true", r"depth = true: expected an integer, got a boolean"),
    ("n_components = 8", "n_components = [8, -4]", r"n_components = -4: must be >= 1"),
    ("n_components = 8", "n_components = 8, flag = 1", r"flag = 1: expected a boolean"),
    ("n_components = 8", "n_components = 8, gamma = -1.0", r"gamma = -1.0: must be > 0"),
    ("n = 40", "n = 40, n_train = 1.5", r"\[\[datasets\]\] 1 \(toy\) params: n_train = 1.5: expected an integer"),
    ("n = 40", "n = 40, n_test = -3", r"\(toy\) params: n_test = -3: must be >= 0"),
    ("n = 40", 'n = "forty"', r'\(toy\) params: n = "forty": expected an integer'),
    ("n_eval = 20", "n_eval = 50.7", r"\[suite\]: n_eval = 50.7: expected an integer >= 0, got a float"),
    ("time_limit = 60", "time_limit = -5", r"\[suite\]: time_limit = -5: must be >= 0"),
    ("seeds = [0]", "seeds = [true]", r"\[suite\]: seeds = \[true\]: item true: expected an integer"),
    ("n_eval = 20", "n_eval = 20\nval_fraction = 1.5", r"\[suite\]: val_fraction = 1.5: must be < 1"),
    ("n_eval = 20", 'n_eval = 20\nridge_grid = [1e-3, "x"]', r'ridge_grid = \[0.001, "x"\]: item "x"'),
    ("[suite]\nseeds = [0]\nn_eval = 20\ntime_limit = 60\n", "suite = 3\n", r": suite = 3: expected a \[suite\] table"),
    ('[[methods]]\nname = "sized"', '[[methods]]\nkind = "sized"',
     r"\[\[methods\]\] 1: unknown key\(s\) kind"),
    ('[[methods]]\nname = "sized"', '[[methods]]\nname = "sized"\n[[methods]]\nparams = { depth = 1 }\n'
     '[[methods]]\nname = "sized"', r"\[\[methods\]\] 2: no name; add name ="),
    ('[[methods]]\nname = "sized"', "[[methods]]\nname = 3", r"\[\[methods\]\] 1: name = 3: expected a string"),
    ("params = { n = 40 }", "params = 40", r"\[\[datasets\]\] 1: params = 40: expected a table"),
    ("params = { n = 40 }", "params = { n = [] }", r"\(toy\) params: n = \[\]: an empty list"),
    ('name = "toy"', 'name = "toy"\nlabel = 7', r"\[\[datasets\]\] 1: label = 7: expected a string"),
    ('name = "toy"', 'name = "toyy"', r"\[\[datasets\]\] 1 \(toyy\): unknown dataset 'toyy'.*valid datasets: toy"),
])
def test_bad_values_are_errors_at_load_naming_file_and_key(toy_root, write_suite, old, new, message):
    assert old in SUITE
    path = write_suite("bad", SUITE.replace(old, new, 1))
    with pytest.raises(ValueError, match=message) as info:
        load_suite(path, discover(toy_root))
    assert str(info.value).startswith(str(path))


def test_a_top_level_key_of_the_wrong_kind_is_an_error(toy_root, write_suite):
    path = write_suite("bad", 'methods = 3\n[[datasets]]\nname = "toy"\n')
    with pytest.raises(ValueError, match=re.escape(f"{path}: methods = 3: expected [[methods]] tables")):
        load_suite(path, discover(toy_root))


def test_values_of_the_declared_kinds_are_accepted_as_written(toy_root, write_suite):
    body = SUITE.replace("depth = 1", 'depth = [1, 3], gamma = ["scale", 2, 0.5], flag = true')
    suite = load_suite(write_suite("ok", body.replace("n_eval = 20", "n_eval = 20\nridge_grid = [1, 1e-3]")),
                       discover(toy_root))
    assert sorted({(c.method_params["gamma"], c.method_params["depth"]) for c in suite.cells}, key=str) == \
        sorted({(g, d) for g in ("scale", 2, 0.5) for d in (1, 3)}, key=str)
    assert all(c.method_params["flag"] is True for c in suite.cells)
    assert suite.settings.ridge_grid == (1.0, 1e-3)


@pytest.mark.parametrize("grid, types", [
    ([1, 2], (int,)), ([0.5], (float,)), ([1, 0.5], (float,)), ([True], (bool,)), (["a"], (str,)),
    ([0, "official"], (int, str)), ([], ()), ([None], ()),
])
def test_types_are_inferred_from_the_default_grid(grid, types):
    assert infer_types(grid) == types


def test_an_integer_is_a_float_but_a_boolean_is_not_a_number():
    number = Spec((float,))
    assert number.problem(2) is None and number.problem(2.5) is None
    assert "got a boolean" in number.problem(True)
    assert "got a float" in Spec((int,)).problem(2.0)
    assert Spec(choices=(1, 2)).problem(True) == "expected one of 1, 2"


def test_malformed_constraints_name_the_plugin_and_the_valid_keys():
    class Bad:
        params = {"x": [1]}
        param_constraints = {"x": {"min": 1}, "y": {"type": list}}

    with pytest.raises(ValueError, match=r"Bad.param_constraints\['x'\] has unknown key\(s\) min; valid keys"):
        spec_of(Bad, "x")
    with pytest.raises(ValueError, match=r"type must be bool, int, float, str"):
        spec_of(Bad, "y")


REAL = discover(project_root(), entry_points=False)


@pytest.mark.parametrize("dataset, params, message", [
    ("uci_gal", 'name = "concret"', r'name = "concret": expected one of .*; did you mean "concrete"\?'),
    ("uci_gal", 'name = "concrete", split = 20', r"split = 20: must be <= 19"),
    ("uci_fd121", 'name = "not_a_set"', r'name = "not_a_set": expected one of'),
    ("pmlb", 'name = "irisx"', r'name = "irisx": expected one of .*\(\d+ in all\); did you mean "iris"'),
    ("msd", "fold = 7", r'fold = 7: expected one of 0, 1, 2, 3, "official"'),
    ("synthetic", "n = -10", r"n = -10: must be >= 2"),
])
def test_real_dataset_members_that_do_not_exist_are_load_errors(tmp_path, dataset, params, message):
    path = tmp_path / "suite.toml"
    path.write_text(f'[suite]\nseeds = [0]\n[[datasets]]\nname = "{dataset}"\nparams = {{ {params} }}\n'
                    '[[methods]]\nname = "rff"\n')
    with pytest.raises(ValueError, match=message):
        load_suite(path, REAL)


@pytest.mark.parametrize("kind, name, params", [
    ("methods", "rff", 'gamma = [0.5, "scale", 2], n_components = 16'),
    ("methods", "ntk_sketch", 'n_components = 64, degree = 4, get = "nngp", method = "layerwise"'),
    ("datasets", "csv", 'path = "x.csv", target = "price", header = true'),
    ("datasets", "msd", 'fold = "official"'),
    ("datasets", "uci_gal", 'name = ["protein", "concrete"], split = 19'),
    ("datasets", "uci_fd121", 'name = "arora2020", fold = "validation"'),
])
def test_real_adapters_accept_their_documented_values(tmp_path, kind, name, params):
    other = {"methods": ('datasets', 'digits'), "datasets": ("methods", "rff")}[kind]
    path = tmp_path / "suite.toml"
    path.write_text(f'[suite]\nseeds = [0]\n[[{kind}]]\nname = "{name}"\nparams = {{ {params} }}\n'
                    f'[[{other[0]}]]\nname = "{other[1]}"\n')
    assert load_suite(path, REAL).cells


@pytest.mark.parametrize("method, param, value, message", [
    ("rff", "n_components", 0, "must be >= 1"),
    ("rff", "gamma", -1, "must be > 0"),
    ("ntk_sketch", "depth", 0, "must be >= 1"),
    ("exact_fc", "get", "ntkk", 'expected one of "ntk", "nngp"'),
    ("exact_fc", "depth", 2.0, "expected an integer"),
])
def test_real_method_constraints(method, param, value, message):
    assert message in spec_of(REAL.method(method), param).problem(value)


def test_every_committed_suite_still_loads():
    suites = sorted((project_root() / "reports").glob("*/suite.toml"))
    assert suites
    for path in suites:
        assert load_suite(path, REAL).cells
