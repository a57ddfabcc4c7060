"""Model-check figures: confusion matrices and the reliability diagram."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest

from edm_stance import model_plots

matplotlib.use("Agg")


def test_confusion_matrices_count_pairs_and_add_an_absent_column():
    gold = ["critical", "critical", "favorable", "neutral"]
    pred = ["critical", "absent", "favorable", "favorable"]
    figure = model_plots.confusion_matrices({"model": (gold, pred)})
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["critical", "neutral", "favorable", "absent"]
    counts = sorted(int(t.get_text()) for t in ax.texts)
    assert sum(counts) == 4 and "accuracy 50%" in ax.get_title(loc="left")


def test_reliability_diagram_draws_one_curve_per_table_sized_by_count():
    bins = pd.DataFrame({"bin_lower": [0.4, 0.6, 0.8], "bin_upper": [0.6, 0.8, 1.0], "n": [10, 0, 30],
                         "confidence": [0.5, np.nan, 0.9], "accuracy": [0.4, np.nan, 0.85]})
    figure = model_plots.reliability_diagram({"before": bins, "after": bins.assign(confidence=[0.45, np.nan, 0.86])})
    ax = figure.axes[0]
    curves = [line for line in ax.lines if line.get_label() in {"before", "after"}]
    assert len(curves) == 2 and all(len(line.get_xdata()) == 2 for line in curves)  # the empty bin is left out
    sizes = ax.collections[0].get_sizes()
    assert sizes[1] > sizes[0]  # 30 pairs draw a larger marker than 10
    with pytest.raises(ValueError, match="bins is empty"):
        model_plots.reliability_diagram({})
