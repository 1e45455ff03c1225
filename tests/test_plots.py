"""Each plot helper draws what it promises and returns the Figure/Axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import plots  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def two_classes():
    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (20, 2)), rng.normal(3, 1, (30, 2))]
    y = np.r_[np.zeros(20, int), np.ones(30, int)]
    return X, y


def test_scatter_xy_draws_every_point():
    ax = plots.scatter_xy([1, 2, 3], [2, 4, 6], "population", "profit")
    (points,) = ax.collections
    assert points.get_offsets().shape == (3, 2)
    assert ax.get_xlabel() == "population" and ax.get_ylabel() == "profit"


def test_scatter_classes_one_group_per_class(two_classes):
    X, y = two_classes
    ax = plots.scatter_classes(X, y, ["rejected", "admitted"])
    assert [len(c.get_offsets()) for c in ax.collections] == [20, 30]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["rejected", "admitted"]


def test_cost_history_plots_each_iteration_and_can_overlay():
    ax = plots.plot_cost_history([5.0, 3.0, 2.0, 1.5], label="alpha=0.1")
    plots.plot_cost_history([5.0, 4.0], ax=ax, label="alpha=0.01")
    assert [len(line.get_xdata()) for line in ax.lines] == [4, 2]
    assert ax.get_ylabel() == "cost J"


def test_cost_surface_has_surface_contour_and_path():
    path = np.array([[0.0, 0.0], [0.5, 0.5], [0.9, 1.0]])
    fig, (ax3d, ax) = plots.plot_cost_surface(
        lambda t: (t[0] - 1) ** 2 + (t[1] - 1) ** 2, (-1, 3), (-1, 3), path=path, n=20
    )
    assert len(fig.axes) == 2 and ax3d.name == "3d"
    assert ax3d.collections  # the surface
    assert ax.collections  # the contour lines
    np.testing.assert_allclose(ax.lines[0].get_xydata(), path)


def test_decision_boundary_draws_the_threshold_line(two_classes):
    X, y = two_classes
    ax = plots.plot_decision_boundary(lambda P: (P.sum(axis=1) > 3).astype(float), X, y)
    contour_sets = [c for c in ax.collections if hasattr(c, "levels")]
    assert any(np.allclose(c.levels, [0.5]) for c in contour_sets)


def test_image_grid_titles_wrong_predictions_in_red():
    images = np.zeros((12, 28, 28), np.uint8)
    labels = np.arange(12) % 10
    preds = labels.copy()
    preds[3] = 9
    fig = plots.plot_image_grid(images, labels, preds, n_cols=5)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 15 and len(shown) == 12
    assert shown[3].get_title() == "9 (3)"
    assert matplotlib.colors.same_color(shown[3].title.get_color(), "red")
    assert matplotlib.colors.same_color(shown[0].title.get_color(), "black")


def test_history_one_panel_per_metric_with_validation():
    hist = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8], "val_accuracy": [0.4, 0.7]}
    fig = plots.plot_history(hist)
    assert len(fig.axes) == 2
    assert all(len(ax.lines) == 2 for ax in fig.axes)


def test_confusion_matrix_counts():
    C = plots.confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], n_classes=3)
    np.testing.assert_array_equal(C, [[1, 1, 0], [0, 1, 0], [1, 0, 1]])


def test_plot_confusion_matrix_annotates_counts_and_accuracy():
    ax = plots.plot_confusion_matrix([0, 1, 1, 1], [0, 1, 0, 1], class_names=["cat", "dog"])
    assert sorted(t.get_text() for t in ax.texts) == ["0", "1", "1", "2"]
    assert "75.00%" in ax.get_title()
