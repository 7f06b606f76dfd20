"""Bring-your-own data with a fixed split read from a test-mask or test-index file."""

from __future__ import annotations

import numpy as np
import pytest

#: 10 rows of (feature a, feature b, target); the target is 100 * row + 0.5, so a row is recognisable.
ROWS = [(i, -i, 100.0 * i + 0.5) for i in range(10)]


@pytest.fixture
def data_csv(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("".join(f"{a} {b} {y}\n" for a, b, y in ROWS))
    return path


def _rows(split_part):
    """Row numbers recovered from the targets of one side of a split."""
    return sorted(int(v) for v in (np.asarray(split_part) - 0.5) / 100)


def test_one_index_file_per_split_like_the_uci_layout(home, adapters, data_csv, tmp_path):
    (tmp_path / "index_test_0.txt").write_text("1\n2\n")
    (tmp_path / "index_test_1.txt").write_text("7\n3\n9\n")
    s = adapters["csv"]().load(seed=0, path=str(data_csv), test_index=str(tmp_path / "index_test_{split}.txt"),
                               split=1, transform="none")
    assert s.task == "regression"
    assert _rows(s.y_test) == [3, 7, 9] and _rows(s.y_train) == [0, 1, 2, 4, 5, 6, 8]
    np.testing.assert_array_equal(s.X_test[:, 0], [3, 7, 9])
    assert s.metadata["split"] == 1 and s.metadata["split_file"].endswith("index_test_1.txt")


def test_one_index_file_with_a_column_per_split(home, adapters, data_csv, tmp_path):
    (tmp_path / "test_rows.csv").write_text("split0,split1,split2\n0,5,8\n4,6,9\n")
    s = adapters["csv"]().load(seed=0, path=str(data_csv), test_index=str(tmp_path / "test_rows.csv"), split=2)
    assert _rows(s.y_test) == [8, 9] and len(s.y_train) == 8


def test_mask_file_with_a_column_per_split_and_seed_does_not_move_it(home, adapters, data_csv, tmp_path):
    masks = np.zeros((10, 3), dtype=int)
    masks[[0, 5], 0] = 1
    masks[[2, 3, 4], 1] = 1
    masks[9, 2] = 1
    np.savetxt(tmp_path / "masks.txt", masks, fmt="%d", delimiter="\t")
    csv = adapters["csv"]()
    a = csv.load(seed=0, path=str(data_csv), test_mask=str(tmp_path / "masks.txt"), split=1)
    b = csv.load(seed=7, path=str(data_csv), test_mask=str(tmp_path / "masks.txt"), split=1)
    assert _rows(a.y_test) == [2, 3, 4]
    np.testing.assert_array_equal(a.y_train, b.y_train)


def test_npz_xy_layout_takes_a_split_file(home, adapters, tmp_path, rng):
    np.savez(tmp_path / "xy.npz", X=rng.normal(size=(12, 2)), y=np.arange(12) * 1.5 + 0.25)
    (tmp_path / "mask.txt").write_text("\n".join("1" if i in (3, 11) else "0" for i in range(12)))
    s = adapters["npz"]().load(seed=0, path=str(tmp_path / "xy.npz"), test_mask=str(tmp_path / "mask.txt"))
    np.testing.assert_allclose(s.y_test, [3 * 1.5 + 0.25, 11 * 1.5 + 0.25])


@pytest.mark.parametrize("kind, content, split, message", [
    ("test_mask", "0\n1\n0\n", 0, r"masks\.txt, split 0: the mask has 3 entries but the data has 10 rows"),
    ("test_mask", "0 0\n1 2\n" + "0 0\n" * 8, 1, r"masks\.txt, split 1: a mask holds only 0 \(train\) and 1 \(test\), found 2"),
    ("test_index", "3\n10\n", 0, r"masks\.txt, split 0: test index 10 is out of range for 10 data rows"),
    ("test_index", "3\n-1\n", 0, r"test index -1 is out of range"),
    ("test_index", "3\n3\n", 0, r"test index 3 is listed more than once"),
    ("test_index", "1,2\n3,4\n", 2, r"masks\.txt: split=2 is out of range; the file has 2 column\(s\), splits 0\.\.1"),
    ("test_index", "1,2\n3\n", 0, r"masks\.txt, line 2: expected 2 columns, found 1"),
    ("test_index", "1\nx\n", 0, r"masks\.txt, line 2: not an integer: 'x'"),
    ("test_mask", "1\n" * 10, 0, r"leaves no training rows out of 10"),
])
def test_bad_split_files_name_the_file_and_the_fault(home, adapters, data_csv, tmp_path, kind, content, split,
                                                     message):
    (tmp_path / "masks.txt").write_text(content)
    with pytest.raises(ValueError, match=message):
        adapters["csv"]().load(seed=0, path=str(data_csv), split=split, **{kind: str(tmp_path / "masks.txt")})


def test_per_split_file_must_have_one_column(home, adapters, data_csv, tmp_path):
    (tmp_path / "test_0.txt").write_text("1 2\n3 4\n")
    with pytest.raises(ValueError, match=r"test_0\.txt: expected one column"):
        adapters["csv"]().load(seed=0, path=str(data_csv), test_index=str(tmp_path / "test_{split}.txt"))


@pytest.mark.parametrize("extra, message", [
    ({"test_mask": "m.txt", "test_index": "i.txt"}, "give test_mask or test_index, not both"),
    ({"test_index": "i.txt", "test_path": "t.csv"}, "test_index and test_path both define the test rows"),
    ({"split": 3}, "split=3 needs a split file"),
    ({"test_index": "i.txt", "split": -1}, "split must be a non-negative integer"),
])
def test_inconsistent_split_parameters(home, adapters, data_csv, tmp_path, extra, message):
    for name in ("m.txt", "i.txt", "t.csv"):
        (tmp_path / name).write_text("1\n")
    extra = {k: str(tmp_path / v) if isinstance(v, str) else v for k, v in extra.items()}
    with pytest.raises(ValueError, match=message):
        adapters["csv"]().load(seed=0, path=str(data_csv), **extra)


def test_missing_split_file_makes_the_cell_unavailable(home, adapters, data_csv, tmp_path):
    reason = adapters["csv"]().unavailable(path=str(data_csv), test_index=str(tmp_path / "index_test_{split}.txt"),
                                           split=4)
    assert "index_test_4.txt not found" in reason


def test_npz_with_its_own_split_rejects_a_split_file(home, adapters, tmp_path, rng):
    np.savez(tmp_path / "tt.npz", X_train=rng.normal(size=(6, 2)), y_train=np.arange(6.0),
             X_test=rng.normal(size=(2, 2)), y_test=np.arange(2.0))
    (tmp_path / "mask.txt").write_text("0\n" * 8)
    with pytest.raises(ValueError, match=r"tt\.npz holds its own train/test split; test_mask applies only"):
        adapters["npz"]().load(seed=0, path=str(tmp_path / "tt.npz"), test_mask=str(tmp_path / "mask.txt"))


@pytest.mark.data
def test_uci_layout_read_as_csv_matches_the_uci_gal_adapter(real_home, adapters):
    mine = adapters["csv"]().load(seed=0, path="uci_gal/yacht/data.txt", target=-1,
                                  test_index="uci_gal/yacht/index_test_{split}.txt", split=7)
    ref = adapters["uci_gal"]().load(seed=0, name="yacht", split=7)
    for a, b in ((mine.X_train, ref.X_train), (mine.X_test, ref.X_test)):
        np.testing.assert_allclose(np.sort(a, axis=0), np.sort(b, axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.sort(mine.y_test), np.sort(ref.y_test))
    assert mine.task == "regression" and len(mine.y_train) == len(ref.y_train)
