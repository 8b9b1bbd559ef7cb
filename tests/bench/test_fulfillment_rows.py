"""The fulfillment rows of ``make bench``'s table: wave building against its 2 s aim, label PDFs
with two workers beside bare WeasyPrint in the same run."""

from __future__ import annotations

from bench.report import summary_rows


def _rows(fulfillment: dict) -> list[list[str]]:
    return [row for row in summary_rows({"fulfillment": fulfillment}) if row[0].startswith(("Wave", "Label", "Fulf"))]


def test_the_wave_row_meets_its_aim_only_within_two_seconds_and_the_label_row_gives_the_ratio():
    labels = {"workers": 2, "labels": 40, "labels_per_s": 2.5, "pdfs_per_s": 5.0, "bare_per_s": 8.0, "ratio": 0.625}
    fast = {"orders": 1000, "median_s": 1.2, "pick_lines": [1750, 1760, 1740]}
    wave, label = _rows({"available": True, "waves": fast, "labels": labels})
    assert wave[0] == "Wave building, 1,000 allocated orders" and wave[4] == "≤ 2 s" and wave[5] == "yes"
    assert label[1].startswith("2.50 labels/s") and "8.00 PDFs/s" in label[2] and label[3] == "0.62"
    slow = {**fast, "median_s": 2.4}
    assert _rows({"available": True, "waves": slow, "labels": labels})[0][5] == "**no**"


def test_a_skipped_part_says_so():
    (row,) = _rows({"available": False, "reason": "skipped (BENCH_SKIP)"})
    assert "skipped" in row[1]
