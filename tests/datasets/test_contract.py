"""Every adapter in datasets/ honours the Dataset contract the harness relies on."""

from __future__ import annotations

import pytest

from ntkbench.contracts import TASKS

EXPECTED = {"digits", "breast_cancer", "wine", "diabetes", "iris", "uci_gal", "uci_fd121", "pmlb", "mnist",
            "fashion_mnist", "cifar10", "synthetic", "ct_slice", "workloads", "msd", "csv", "svmlight", "npz"}
FILE_BACKED = {"uci_gal", "uci_fd121", "pmlb", "mnist", "fashion_mnist", "cifar10", "ct_slice", "workloads", "msd"}


def test_every_issue_dataset_has_an_adapter(adapters):
    assert EXPECTED <= set(adapters)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_adapter_contract(name, adapters, home):
    cls = adapters[name]
    assert cls.name == name and isinstance(cls.version, str)
    assert cls.params and all(isinstance(v, list) and v for v in cls.params.values())
    assert "n_train" not in cls.params and "n_test" not in cls.params  # the harness owns these
    for param, valid in getattr(cls, "choices", {}).items():
        assert cls.params[param][0] in valid, f"default {param} not among its choices"
    with pytest.raises(ValueError, match="valid parameters"):
        cls.check_params({"no_such_param": 1})
    ds = cls()
    info = ds.describe()
    assert info["task"] in (*TASKS, "auto") and isinstance(info["present"], bool)
    reason = ds.unavailable()
    if name in FILE_BACKED:  # the private data home is empty
        assert reason and str(home) in reason and ("ntkbench prepare" in reason or "NTKBENCH_DATA" in reason)
        assert info["present"] is False
    elif name in {"csv", "svmlight", "npz"}:
        assert "path" in reason
    else:
        assert reason is None and info["present"] is True


def test_group_expansion(adapters):
    from ntkbench.data.fd121_catalog import ARORA2020

    fd = adapters["uci_fd121"]
    assert fd.expand_values("name", "arora2020") == ARORA2020
    assert fd.expand_values("name", ["iris", "arora2020"])[:2] == ["iris", "abalone"]
    assert fd.expand_values("fold", 2) == [2]
    assert set(adapters["pmlb"].expand_values("name", "regression")) >= {"537_houses", "1028_SWD"}


@pytest.mark.parametrize("name, member, facts", [
    ("uci_gal", "protein", {"task": "regression", "n": 45730, "d": 9, "n_splits": 5}),
    ("uci_fd121", "annealing", {"task": "classification", "n": 898, "d": 31, "n_classes": 5}),
    ("pmlb", "1028_SWD", {"task": "regression", "n": 1000, "d": 10}),
    ("pmlb", "iris", {"task": "classification", "n": 150, "d": 4, "n_classes": 3}),
])
def test_collection_member_facts_without_data(name, member, facts, adapters, home):
    ds = adapters[name]()
    assert ds.member_facts(member) == facts  # numbers from the data README; the data home is empty
    for each in ds.choices["name"]:
        assert {"task", "n", "d"} <= set(ds.member_facts(each))
