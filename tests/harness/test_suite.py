"""Suite parsing: grid expansion, canonical keys, and clear errors for bad suites."""

from __future__ import annotations

import pytest

from ntkbench.harness.registry import discover
from ntkbench.harness.suite import Cell, load_suite

BASIC = """
[suite]
seeds = [0, 1]
n_eval = 20

[[datasets]]
name = "toy"
params = { n = [40, 60] }

[[methods]]
name = "linear"
params = { scale = [1.0, 2.0], sleep = 0.0 }

[[methods]]
name = "linear_kernel"
"""


def test_cells_are_the_product_of_grids_and_seeds(toy_root, write_suite):
    suite = load_suite(write_suite("basic", BASIC))
    # 2 dataset sizes x (2 linear scales + 1 kernel) x 2 seeds
    assert len(suite.cells) == 12
    assert len({c.key for c in suite.cells}) == 12
    assert suite.name == "basic" and suite.settings.n_eval == 20
    assert {c.method_params.get("scale") for c in suite.cells if c.method == "linear"} == {1.0, 2.0}


def test_suite_can_be_named_by_folder_name(toy_root, write_suite):
    write_suite("basic", BASIC)
    assert len(load_suite("basic").cells) == 12


def test_keys_do_not_depend_on_order_or_on_explicit_defaults(toy_root, write_suite):
    reordered = BASIC.replace('params = { scale = [1.0, 2.0], sleep = 0.0 }', 'params = { sleep = 0.0, scale = [2.0, 1.0] }')
    a = load_suite(write_suite("a", BASIC))
    b = load_suite(write_suite("b", reordered))
    assert {c.key for c in a.cells} == {c.key for c in b.cells}
    implicit = BASIC.replace(", sleep = 0.0", "")
    c = load_suite(write_suite("c", implicit))
    assert {x.key for x in a.cells} == {x.key for x in c.cells}


def test_keys_change_with_seed_settings_and_params(toy_root, write_suite):
    base = load_suite(write_suite("a", BASIC)).cells[0]
    variants = [
        Cell(base.method, base.method_params, base.dataset, base.dataset_params, base.seed + 1, base.settings),
        Cell(base.method, {**base.method_params, "scale": 3.0}, base.dataset, base.dataset_params, base.seed,
             base.settings),
    ]
    suite = load_suite(write_suite("b", BASIC.replace("n_eval = 20", "n_eval = 21")))
    variants.append(suite.cells[0])
    assert len({base.key, *(v.key for v in variants)}) == 4


def test_cell_roundtrips_through_payload(toy_root, write_suite):
    cell = load_suite(write_suite("a", BASIC)).cells[3]
    assert Cell.from_payload(cell.to_payload()).key == cell.key


@pytest.mark.parametrize("old, new, message", [
    ('name = "linear"\n', 'name = "lineer"\n', r"unknown method 'lineer'.*valid methods: .*linear"),
    ('name = "toy"', 'name = "toyy"', r"unknown dataset 'toyy'.*valid datasets: .*toy"),
    ("scale = [1.0, 2.0]", "scael = [1.0]", r"no parameter\(s\) scael; valid parameters: scale, sleep"),
    ("n_eval = 20", "n_evall = 20", r"unknown key\(s\) n_evall"),
    ("seeds = [0, 1]", "seeds = 3", r"\[suite\]: seeds = 3: expected a non-empty list"),
    ("n = [40, 60]", "n = [40, 60], n_train = -1", r"\[\[datasets\]\] 1 \(toy\) params: n_train = -1: must be >= 0"),
    ("n_eval = 20", "n_eval = ", "not valid TOML"),
])
def test_bad_suites_raise_errors_that_name_the_valid_choices(toy_root, write_suite, old, new, message):
    assert old in BASIC
    path = write_suite("bad", BASIC.replace(old, new, 1))
    with pytest.raises(ValueError, match=message):
        load_suite(path, discover(toy_root))


def test_missing_suite_lists_available_suites(toy_root, write_suite):
    write_suite("basic", BASIC)
    with pytest.raises(FileNotFoundError, match="suites in reports/: basic"):
        load_suite("nonexistent")


def test_suite_without_methods_is_rejected(toy_root, write_suite):
    body = "[suite]\nseeds=[0]\n[[datasets]]\nname='toy'\n"
    with pytest.raises(ValueError, match="lists no methods"):
        load_suite(write_suite("empty", body))


def test_group_names_expand_to_one_cell_per_member(toy_root, write_suite):
    suite = load_suite(write_suite("g", BASIC.replace("n = [40, 60]", 'n = ["small", 60]')))
    assert sorted({c.dataset_params["n"] for c in suite.cells}) == [40, 50, 60]


def test_groups_pair_methods_only_with_their_datasets(toy_root, write_suite):
    body = """
    [suite]
    seeds = [0]

    [[datasets]]
    name = "toy"

    [[methods]]
    name = "linear"

    [[group]]
    [[group.datasets]]
    name = "toy"
    params = { task = "classification" }
    [[group.methods]]
    name = "linear_kernel"
    """
    suite = load_suite(write_suite("g", body))
    pairs = {(c.method, c.dataset_params["task"]) for c in suite.cells}
    assert pairs == {("linear", "regression"), ("linear_kernel", "classification")}


def test_a_group_without_methods_is_rejected(toy_root, write_suite):
    body = '[suite]\nseeds = [0]\n[[group]]\n[[group.datasets]]\nname = "toy"\n'
    with pytest.raises(ValueError, match=r"\[\[group\]\] 1: the suite lists no methods"):
        load_suite(write_suite("g", body))


def test_a_dataset_label_is_display_only_and_names_grid_points(toy_root, write_suite):
    plain = load_suite(write_suite("a", BASIC))
    labelled = load_suite(write_suite("b", BASIC.replace('name = "toy"', 'name = "toy"\nlabel = "my data"')))
    assert [c.key for c in labelled.cells] == [c.key for c in plain.cells]
    assert {c.dataset_display for c in labelled.cells} == {"my data[n=40]", "my data[n=60]"}
    assert {c.dataset_display for c in plain.cells} == {f"toy[d=3,n={n},task=regression]" for n in (40, 60)}
    assert Cell.from_payload(labelled.cells[0].to_payload()).dataset_title == labelled.cells[0].dataset_title
