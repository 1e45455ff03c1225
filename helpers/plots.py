"""The plots the course draws again and again, in one consistent style.

Every function returns the matplotlib Figure or Axes it drew on, so a notebook can add to it and
a test can inspect it.  Functions that take ``ax=None`` draw on a new figure unless given one.

The style is applied on import, with the fonts of the language in ``ML2DL_LANG`` ("en", the
default, or "ko"); ``use_language`` switches later.  The Korean edition's figures need the font
NanumGothic (Debian package ``fonts-nanum``): matplotlib's own DejaVu Sans has no Hangul and would
draw every Korean character as an empty box.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager

from helpers import language

STYLE = {
    "figure.figsize": (6.4, 4.2),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.frameon": False,
    "image.cmap": "viridis",
}

MARKERS = ("o", "x", "s", "^", "v", "D", "P", "*", "<", ">")


def use_style() -> None:
    """Apply the course style to matplotlib (done on import of this module)."""
    plt.rcParams.update(STYLE)


#: The languages of the course's figures -> the font family their text needs (None: matplotlib's
#: default, DejaVu Sans) and the Debian package that installs it.
LANGUAGES: dict[str, tuple[str, str] | None] = {"en": None, "ko": ("NanumGothic", "fonts-nanum")}


def _font_known(family: str) -> bool:
    return any(entry.name == family for entry in font_manager.fontManager.ttflist)


def _find_font(family: str) -> bool:
    """Whether matplotlib can draw with ``family``.  A font installed after matplotlib built its
    font cache is not in that cache: the system's font files whose names start with the family's
    are then registered with matplotlib (for this process; a rebuilt cache would list them)."""
    if _font_known(family):
        return True
    for path in font_manager.findSystemFonts():
        if Path(path).name.lower().startswith(family.lower()):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # a file FreeType cannot read
                continue
    return _font_known(family)


#: The words the course's plots write, in English; :func:`text` gives one in the figures' language (the
#: Korean ones come from exercise_data/i18n/ko.json, read by helpers.language).
LABELS = {
    "iteration": "iteration",
    "cost": "cost J",
    "cost-surface": "cost surface",
    "gradient-descent": "gradient descent",
    "contour": "contour of the cost",
    "training": "training {metric}",
    "validation": "validation {metric}",
    "epoch": "epoch",
    "predicted": "predicted",
    "true": "true",
    "confusion": "confusion matrix (accuracy {acc:.2%})",
}
_language = "en"


def text(key: str, **values) -> str:
    """The label ``key`` of LABELS in the figures' language (see :func:`use_language`), filled in."""
    return language.translated("labels", key, LABELS[key], _language).format(**values)


def use_language(lang: str) -> None:
    """Apply the course style with the fonts that the figures of edition ``lang`` need.

    "en": the course default (DejaVu Sans).  "ko": NanumGothic first, falling back to the default
    sans-serif fonts for any glyph it lacks, and ASCII hyphens for minus signs (NanumGothic has no
    U+2212).  Raises ValueError for any other language, and RuntimeError, naming the package to
    install, when NanumGothic is not installed: Hangul is never silently drawn as empty boxes.
    """
    if lang not in LANGUAGES:
        known = ", ".join(map(repr, LANGUAGES))
        raise ValueError(f"unknown language {lang!r}: the course's figures are drawn in {known}")
    font = LANGUAGES[lang]
    if font is not None and not _find_font(font[0]):
        family, package = font
        raise RuntimeError(
            f"The {lang!r} figures need the font {family}, which matplotlib cannot find, so every "
            f"Hangul character would be drawn as an empty box. Install it: `sudo apt-get install {package}` "
            f"(Debian/Ubuntu; Binder installs it from binder/apt.txt), then restart the kernel."
        )
    use_style()
    global _language
    _language = lang
    defaults = plt.rcParamsDefault
    if font is None:
        plt.rcParams["font.family"] = defaults["font.family"]
        plt.rcParams["axes.unicode_minus"] = defaults["axes.unicode_minus"]
    else:
        plt.rcParams["font.family"] = [font[0], "sans-serif"]
        plt.rcParams["axes.unicode_minus"] = False


use_style()
if language.current() != "en":
    use_language(language.current())


def _axes(ax=None, **subplot_kw):
    if ax is None:
        _, ax = plt.subplots(subplot_kw=subplot_kw or None)
    return ax


def scatter_xy(x, y, xlabel: str = "", ylabel: str = "", ax=None, **kwargs):
    """Scatter of a regression dataset (one input, one target). Returns the Axes."""
    ax = _axes(ax)
    kwargs = {"marker": "x", "color": "tab:red", "label": "training data"} | kwargs
    ax.scatter(x, y, **kwargs)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def scatter_classes(X, y, class_names: Sequence[str] | None = None, xlabel="", ylabel="", ax=None):
    """Scatter of a 2-feature classification dataset, one marker per class. Returns the Axes."""
    ax = _axes(ax)
    X, y = np.asarray(X), np.asarray(y)
    for i, c in enumerate(np.unique(y)):
        name = class_names[i] if class_names is not None else f"class {c}"
        ax.scatter(*X[y == c, :2].T, marker=MARKERS[i % len(MARKERS)], label=name, alpha=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_cost_history(J_history, ax=None, label: str | None = None, logy: bool = False):
    """Cost J against iteration number. Returns the Axes (call again with ``ax=`` to compare)."""
    ax = _axes(ax)
    ax.plot(np.arange(len(J_history)), np.asarray(J_history), label=label)
    ax.set_xlabel(text("iteration"))
    ax.set_ylabel(text("cost"))
    if logy:
        ax.set_yscale("log")
    if label is not None:
        ax.legend()
    return ax


def plot_cost_surface(
    cost: Callable[[np.ndarray], float],
    theta0_range: tuple[float, float],
    theta1_range: tuple[float, float],
    path=None,
    n: int = 100,
):
    """3-D surface and log-spaced contour of ``cost(theta)`` over two parameters.

    ``path`` (an array of shape (steps, 2)) is drawn on the contour, e.g. the thetas visited by
    gradient descent.  Returns ``(fig, (ax_surface, ax_contour))``.
    """
    t0 = np.linspace(*theta0_range, n)
    t1 = np.linspace(*theta1_range, n)
    J = np.array([[cost(np.array([a, b])) for a in t0] for b in t1])
    T0, T1 = np.meshgrid(t0, t1)

    fig = plt.figure(figsize=(12, 4.8))
    ax3d = fig.add_subplot(1, 2, 1, projection="3d")
    ax3d.plot_surface(T0, T1, J, cmap="viridis", linewidth=0, antialiased=True)
    ax3d.set_xlabel(r"$\theta_0$")
    ax3d.set_ylabel(r"$\theta_1$")
    ax3d.set_zlabel("J")
    ax3d.set_title(text("cost-surface"))

    ax = fig.add_subplot(1, 2, 2)
    levels = np.logspace(np.log10(max(J.min(), 1e-3)), np.log10(J.max()), 20)
    ax.contour(T0, T1, J, levels=levels, cmap="viridis")
    if path is not None:
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], "r.-", markersize=3, label=text("gradient-descent"))
        ax.plot(*path[-1], "rx", markersize=10, mew=2)
        ax.legend()
    ax.set_xlabel(r"$\theta_0$")
    ax.set_ylabel(r"$\theta_1$")
    ax.set_title(text("contour"))
    fig.tight_layout()
    return fig, (ax3d, ax)


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X,
    y,
    class_names: Sequence[str] | None = None,
    ax=None,
    threshold: float = 0.5,
    resolution: int = 200,
    margin: float = 0.05,
):
    """Data scatter plus the curve where ``predict`` crosses ``threshold``.

    ``predict`` maps an (n, 2) array of raw feature values to an (n,) array of probabilities or
    scores; the region above the threshold is shaded.  Returns the Axes.
    """
    ax = scatter_classes(X, y, class_names, ax=ax)
    X = np.asarray(X, dtype=float)
    lo, hi = X[:, :2].min(axis=0), X[:, :2].max(axis=0)
    pad = (hi - lo) * margin
    g0 = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    g1 = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    G0, G1 = np.meshgrid(g0, g1)
    Z = np.asarray(predict(np.c_[G0.ravel(), G1.ravel()]), dtype=float).reshape(G0.shape)
    ax.contourf(
        G0,
        G1,
        np.greater_equal(Z, threshold),
        levels=[-0.5, 0.5, 1.5],
        colors=["white", "tab:green"],
        alpha=0.12,
    )
    ax.contour(G0, G1, Z, levels=[threshold], colors="k", linewidths=1.5)
    return ax


def plot_image_grid(
    images,
    labels=None,
    predictions=None,
    class_names: Sequence[str] | None = None,
    n_cols: int = 10,
    size: float = 1.1,
    cmap: str = "gray_r",
):
    """Grid of images (n, h, w) titled with labels, or with "pred (true)" when predictions are
    given: wrong predictions are titled in red.  Returns the Figure."""
    images = np.asarray(images)
    n = len(images)
    n_cols = min(n_cols, n)
    n_rows = int(np.ceil(n / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(size * n_cols, (size + 0.25) * n_rows), squeeze=False)

    def name(k):
        return class_names[int(k)] if class_names is not None else str(int(k))

    for i, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i], cmap=cmap)
        if predictions is not None:
            wrong = labels is not None and predictions[i] != labels[i]
            title = name(predictions[i]) + (f" ({name(labels[i])})" if labels is not None else "")
            ax.set_title(title, fontsize=8, color="red" if wrong else "black")
        elif labels is not None:
            ax.set_title(name(labels[i]), fontsize=8)
    fig.tight_layout()
    return fig


def plot_history(history, metrics: Sequence[str] = ("loss", "accuracy")):
    """Keras training curves: one panel per metric, training and validation. Accepts a Keras
    ``History`` or its ``.history`` dict. Returns the Figure."""
    hist = getattr(history, "history", history)
    metrics = [m for m in metrics if m in hist]
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.8), squeeze=False)
    for ax, m in zip(axes[0], metrics, strict=True):
        epochs = np.arange(1, len(hist[m]) + 1)
        ax.plot(epochs, hist[m], "o-", label=text("training", metric=m))
        if f"val_{m}" in hist:
            ax.plot(epochs, hist[f"val_{m}"], "s--", label=text("validation", metric=m))
        ax.set_xlabel(text("epoch"))
        ax.set_ylabel(m)
        ax.legend()
    fig.tight_layout()
    return fig


def confusion_matrix(y_true, y_pred, n_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of examples with true class i predicted as j."""
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    n = n_classes or int(max(y_true.max(), y_pred.max())) + 1
    C = np.zeros((n, n), dtype=int)
    np.add.at(C, (y_true, y_pred), 1)
    return C


def plot_confusion_matrix(y_true, y_pred, class_names: Sequence[str] | None = None, ax=None):
    """Confusion matrix as an annotated heat map (rows: true class, columns: predicted).
    Returns the Axes."""
    n = len(class_names) if class_names is not None else None
    C = confusion_matrix(y_true, y_pred, n)
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(C))]
    if ax is None:
        _, ax = plt.subplots(figsize=(0.55 * len(C) + 2.5, 0.55 * len(C) + 2))
    ax.imshow(C, cmap="Blues")
    ax.grid(False)
    for (i, j), count in np.ndenumerate(C):
        ax.text(
            j,
            i,
            str(count),
            ha="center",
            va="center",
            fontsize=7,
            color="white" if count > C.max() / 2 else "black",
        )
    ax.set_xticks(range(len(C)), names, rotation=45 if class_names is not None else 0, ha="right")
    ax.set_yticks(range(len(C)), names)
    ax.set_xlabel(text("predicted"))
    ax.set_ylabel(text("true"))
    acc = np.trace(C) / C.sum()
    ax.set_title(text("confusion", acc=acc))
    return ax
