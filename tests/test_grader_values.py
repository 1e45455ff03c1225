"""The grader's expected values against values that do not come from the course's solutions.

helpers/exercise_data/*.json holds what the solutions edition returns (``make student``), and
tests/test_exercises.py checks the solutions against it: a wrong solution would be stored, and then
pass, unnoticed. Here the stored values are compared, for a few cases of every exercise family, with
numbers computed another way: by hand (the comment says how), the figures the original course
exercises publish (Andrew Ng's ex1/ex2/ex4), an independent library (scipy, numpy.linalg, Keras'
optimizers), or a numerical derivative where the solution computes an analytic one.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal, special, stats

from helpers.exercises import _spec, decode

#: The course tables the ex1/ex2 cases read.
TABLES = ("ex1data1.txt", "ex1data2.txt", "ex2data1.txt", "ex2data2.txt")


@pytest.fixture
def tables(course_data):
    course_data(*TABLES)


def cases(exercise_id: str) -> dict[str, tuple[list, dict, object]]:
    """``{case name: (args, kwargs, stored expected value)}`` of one exercise, decoded."""
    return {
        c["name"]: (decode(c.get("args", [])), decode(c.get("kwargs", {})), decode(c["expect"]))
        for c in _spec(exercise_id)["cases"]
    }


def stored(exercise_id: str, name: str) -> object:
    return cases(exercise_id)[name][2]


def numerical_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar function f at x."""
    grad = np.zeros_like(x, dtype=float)
    for i in range(x.size):
        step = np.zeros_like(grad)
        step.flat[i] = h
        grad.flat[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def close(a, b, rtol=1e-9, atol=1e-12, what=""):
    np.testing.assert_allclose(
        np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol, err_msg=str(what)
    )


# ------------------------------------------------------------------------------------------------
# CNN arithmetic (day 3): sizes by hand, convolution and pooling by scipy / numpy windows
# ------------------------------------------------------------------------------------------------


def test_conv_output_size_by_hand():
    hand = {  # (i, f, s, p): floor((i + 2p - f) / s) + 1
        (4, 3, 1, 0): 2,  # (4 - 3)//1 + 1
        (5, 3, 2, 0): 2,  # (5 - 3)//2 + 1
        (5, 4, 1, 2): 6,  # (5 + 4 - 4)//1 + 1
        (5, 3, 1, 0): 3,  # (5 - 3)//1 + 1
        (28, 3, 1, 1): 28,  # (28 + 2 - 3)//1 + 1
        (6, 3, 2, 0): 2,  # (6 - 3)//2 + 1 = 1 + 1: one column left over
        (224, 7, 2, 3): 112,  # (224 + 6 - 7)//2 + 1 = 111 + 1
        (28, 5, 3, 1): 9,  # (28 + 2 - 5)//3 + 1 = 8 + 1
        (28, 2, 2, 0): 14,  # 26//2 + 1
        (7, 2, 2, 0): 3,  # 5//2 + 1
        (10, 3): 8,  # defaults s = 1, p = 0: 7 + 1
        (2, 3, 2, 0): 0,  # floor(-1/2) + 1 = -1 + 1: no window fits
    }
    got = {tuple(args): expect for args, _, expect in cases("cnn.conv_output_size").values()}
    assert got == hand


def test_conv2d_naive_is_scipys_cross_correlation():
    # the lecture's 4x4 image 1..16 and vertical-edge filter: every 3x3 window of the ramp gives
    # (left column - right column) summed = 3 rows x (-2) = -6
    assert np.array_equal(
        stored("cnn.conv2d_naive", "lecture: 4x4, vertical-edge filter"), np.full((2, 2), -6.0)
    )
    for name, (args, kwargs, expect) in cases("cnn.conv2d_naive").items():
        x, w, *rest = args
        options = dict(zip(("b", "stride", "padding"), rest, strict=False)) | kwargs
        b, s, p = options.get("b", 0.0), options.get("stride", 1), options.get("padding", 0)
        full = signal.correlate2d(np.pad(np.asarray(x, float), p), w, mode="valid")
        close(expect, full[::s, ::s] + b, atol=1e-9, what=name)


def test_pool_naive_is_a_reduction_over_numpy_windows():
    # 4x4 ramp 1..16, 2x2 max-pool, stride 2: the bottom-right of each block, 6 8 / 14 16
    assert np.array_equal(stored("cnn.pool_naive", "4x4, 2x2 window, stride 2"), [[6.0, 8.0], [14.0, 16.0]])
    for name, (args, kwargs, expect) in cases("cnn.pool_naive").items():
        x, f, s, *rest = args
        reduce = (rest[0] if rest else kwargs.get("reduce", np.max)).__name__
        windows = np.lib.stride_tricks.sliding_window_view(np.asarray(x, float), (f, f))[::s, ::s]
        close(expect, getattr(np, reduce)(windows, axis=(-2, -1)), what=name)


def test_keras_models_have_the_parameter_counts_counted_by_hand():
    # 3x3 convolutions: 9 * c_in * c_out weights + c_out biases; Dense: n_in * n_out + n_out
    cnn = 320 + 18_496 + 73_856 + (4 * 4 * 128) * 625 + 625 + 625 * 10 + 10  # 28 -> 14 -> 7 -> 4 pooled
    assert stored("cnn.build_cnn", "the lecture's network (dropout 0.3)")["parameters"] == cnn == 1_379_557
    # the same with conv biases dropped (288 + 18432 + 73728) and BatchNorm's 4 numbers per channel
    bn = 288 + 18_432 + 73_728 + 4 * (32 + 64 + 128) + 2048 * 625 + 625 + 6260
    assert stored("fashion.build_cnn_bn", "defaults: dropout 0.3, momentum 0.9")["parameters"] == bn
    # VGG 16-16 | 32-32 | 64-64, pooled 28 -> 14 -> 7 -> 4, Dense 128, 10 classes
    vgg = 160 + 2320 + 4640 + 9248 + 18_496 + 36_928 + (4 * 4 * 64) * 128 + 128 + 1290
    assert (
        stored("vgg.build_vgg", "the default: blocks of 16, 32, 64 filters, two convolutions each")[
            "parameters"
        ]
        == vgg
        == 204_282
    )
    mlp = cases("dnn.build_mlp")
    assert mlp["section 5's 784-128-128-10"][2]["parameters"] == 100_480 + 16_512 + 1290  # 118282
    assert mlp["softmax regression: no hidden layer"][2]["parameters"] == 784 * 10 + 10  # 7850
    assert mlp["3 tanh layers, He, dropout 0.2"][2]["parameters"] == 50_240 + 2080 + 528 + 170  # 53018


def test_dense_param_counts_and_initialiser_variances_by_hand():
    counts = {name: expect for name, (_, _, expect) in cases("xor.dense_param_count").items()}
    assert counts["2-8-8-1 (section 6)"] == (2 * 8 + 8) + (8 * 8 + 8) + (8 + 1) == 105
    assert counts["2-2-1 (section 3)"] == 6 + 3 and counts["2-8-1 (section 4)"] == 24 + 9
    assert counts["784-100-10"] == 78_500 + 1010 and counts["5-4-3-2-1: four layers"] == 24 + 15 + 8 + 3
    hand = {  # Glorot 2 / (n_in + n_out), He 2 / n_in, small normal 0.01 ** 2
        "Glorot, section 1's 128 -> 128 hidden layer": 2 / 256,
        "He, a 784 -> 256 layer": 2 / 784,
        "small normal, a 784 -> 256 layer": 1e-4,
        "Glorot, a 784 -> 256 layer": 2 / 1040,
        "He, fan-out larger than fan-in": 2 / 10,
        "keyword arguments: Glorot, 300 -> 100": 2 / 400,
    }
    for name, value in hand.items():
        close(stored("init.weight_variance", name), value)


# ------------------------------------------------------------------------------------------------
# Day 1: the published numbers of the original exercises, closed forms and numerical derivatives
# ------------------------------------------------------------------------------------------------


def test_linear_regression_matches_the_published_numbers_and_closed_forms(tables):
    # ex1.pdf publishes J(0, 0) = 32.07 and J(-1, 2) = 54.24 on the food trucks
    assert round(stored("ex1.compute_cost", "published: food trucks, θ = (0, 0)"), 2) == 32.07
    assert round(stored("ex1.compute_cost", "published: food trucks, θ = (-1, 2)"), 2) == 54.24
    for name, ((X, y, theta), _, expect) in cases("ex1.compute_cost").items():
        close(expect, np.mean((X @ theta - y) ** 2) / 2, what=name)
    for name, ((X, y, theta), _, expect) in cases("ex1.compute_gradient").items():

        def cost(t, X=X, y=y):
            return np.mean((X @ t - y) ** 2) / 2

        close(expect, numerical_gradient(cost, theta), rtol=1e-6, atol=1e-6, what=name)
    # ... θ = (-3.6303, 1.1664) after 1500 steps of α = 0.01 from 0
    close(
        stored("ex1.gradient_descent", "published: food trucks, α = 0.01, 1500 steps from 0 (θ)"),
        [-3.6303, 1.1664],
        atol=5e-5,
    )
    # Gradient descent on a quadratic is linear: θ_k = θ* + A^k (θ_0 - θ*), A = I - α/m XᵀX, θ* the
    # least-squares solution; J_history[k] is the cost after k + 1 steps.
    for name, ((X, y, theta0, alpha, steps), _, expect) in cases("ex1.gradient_descent").items():
        best = np.linalg.lstsq(X, y, rcond=None)[0]
        A = np.eye(len(theta0)) - alpha / len(y) * X.T @ X
        path = [best + np.linalg.matrix_power(A, k) @ (theta0 - best) for k in range(1, steps + 1)]
        if isinstance(expect, tuple):
            close(expect[0], path[-1], rtol=1e-7, atol=1e-9, what=name)
            close(expect[1], [np.mean((X @ t - y) ** 2) / 2 for t in path], rtol=1e-7, what=name)
        else:
            close(expect, path[-1], rtol=1e-7, atol=1e-9, what=name)
    # normal equation: numpy's least squares; by hand θ = (mean, half the difference) for y = (1000,
    # 1000.001) at x = (-1, 1); ex1.pdf: a 1650 sq-ft, 3-bedroom house costs $293081.46
    normal = cases("ex1.normal_equation")
    close(
        normal["2 examples, targets 1000 and 1000.001: θ₁ = 0.0005 needs float64"][2],
        [1000.0005, 0.0005],
        rtol=1e-12,
    )
    assert round(float(normal["published: housing, raw features"][2] @ [1, 1650, 3]), 2) == 293081.46
    for name, ((X, y), _, expect) in normal.items():
        close(expect, np.linalg.lstsq(X, y, rcond=None)[0], rtol=1e-8, atol=1e-9, what=name)
    # feature_normalize: scipy's z-score (population standard deviation, as the docstring says)
    for name, ((X,), _, (X_norm, mu, sigma)) in cases("ex1.feature_normalize").items():
        close(X_norm, stats.zscore(X, axis=0), what=name)
        close(mu, X.mean(axis=0), what=name)
        close(sigma, X.std(axis=0), what=name)


def test_logistic_regression_matches_the_published_numbers_and_a_numerical_gradient(tables):
    assert stored("ex2.sigmoid", "z = 0") == 0.5  # 1 / (1 + e^0)
    for name, ((z,), _, expect) in cases("ex2.sigmoid").items():
        close(expect, special.expit(z), atol=0, what=name)

    def cost(theta, X, y, lam=0.0):  # -log g(z) = log(1 + e^-z), written with logaddexp
        z = X @ theta
        return (
            np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))
            + lam / (2 * len(y)) * theta[1:] @ theta[1:]
        )

    # ex2.pdf: J(0) = 0.693 (ln 2), gradient (-0.1000, -12.0092, -11.2628); J(-24, 0.2, 0.2) = 0.218,
    # gradient (0.043, 2.566, 2.647); at the optimum θ the training accuracy is 89 %
    J, grad = stored("ex2.cost_function", "published: admissions, θ = 0")
    close(J, np.log(2))
    close(grad, [-0.1000, -12.0092, -11.2628], atol=5e-5)
    J, grad = stored("ex2.cost_function", "published: admissions, θ = (−24, 0.2, 0.2)")
    assert round(J, 3) == 0.218 and np.allclose(grad, [0.043, 2.566, 2.647], atol=5e-4)
    # ex2.pdf's 89 % training accuracy is at fminunc's unrounded θ; at the case's θ, rounded to three
    # decimals, one applicant (X θ = 0.03) crosses the boundary: 90 of the 100
    (theta, X), _, predicted = cases("ex2.predict")["published: admissions at the optimum θ"]
    from helpers.exercises import DATA

    assert np.mean(predicted == DATA["admissions.y"]()) == 0.90
    for name, ((theta, X), _, predicted) in cases("ex2.predict").items():
        assert np.array_equal(predicted, X @ theta >= 0), name  # g(X θ) >= 0.5 exactly where X θ >= 0
    # four of the eight rows have X θ exactly 0: g(0) = 0.5 counts as admitted, 1
    (theta, X), _, predicted = cases("ex2.predict")["8 examples, four exactly on the boundary"]
    assert list(predicted) == [1, 1, 1, 1, 1, 0, 1, 1] and np.array_equal(predicted, X @ theta >= 0)
    # ex2_reg: J(0, λ = 1) = 0.693, gradient starts (0.0085, 0.0188, 0.0001, 0.0503, 0.0115);
    # J(1, λ = 10) = 3.16, gradient starts (0.3460, 0.1614, 0.1948, 0.2269, 0.0922)
    J, grad = stored("ex2.cost_function_reg", "published: microchips, θ = 0, λ = 1")
    assert round(J, 3) == 0.693 and np.allclose(grad[:5], [0.0085, 0.0188, 0.0001, 0.0503, 0.0115], atol=5e-5)
    J, grad = stored("ex2.cost_function_reg", "published: microchips, θ = 1, λ = 10")
    assert round(J, 2) == 3.16 and np.allclose(grad[:5], [0.3460, 0.1614, 0.1948, 0.2269, 0.0922], atol=5e-5)
    for exercise in ("ex2.cost_function", "ex2.cost_function_reg"):
        for name, (args, _, (J, grad)) in cases(exercise).items():
            theta, X, y, *lam = args
            close(J, cost(theta, X, y, *lam), rtol=1e-9, what=name)
            close(
                grad,
                numerical_gradient(lambda t, a=(X, y, *lam): cost(t, *a), theta),
                rtol=1e-5,
                atol=1e-6,
                what=name,
            )


def nn_cost(params, n_in, n_hidden, n_out, X, y, lam):
    """The ex4 network's cost, one example at a time (not the notebook's vectorised form)."""
    T1 = params[: n_hidden * (n_in + 1)].reshape(n_hidden, n_in + 1)
    T2 = params[n_hidden * (n_in + 1) :].reshape(n_out, n_hidden + 1)
    total = 0.0
    for x, label in zip(X, y, strict=True):
        z = T2 @ np.r_[1.0, special.expit(T1 @ np.r_[1.0, x])]
        target = np.arange(n_out) == label
        total += np.sum(np.where(target, np.logaddexp(0, -z), np.logaddexp(0, z)))
    return total / len(y) + lam / (2 * len(y)) * (np.sum(T1[:, 1:] ** 2) + np.sum(T2[:, 1:] ** 2))


def test_backprop_network_against_a_loop_and_a_numerical_gradient():
    assert stored("ex4.sigmoid_gradient", "z = 0") == 0.25  # g(0) (1 - g(0)) = 0.5 * 0.5
    for name, ((z,), _, expect) in cases("ex4.sigmoid_gradient").items():
        close(expect, special.expit(z) * special.expit(-z), rtol=1e-12, atol=1e-17, what=name)  # g(z) g(-z)
        moderate = np.abs(np.asarray(z)) <= 10
        slope = (special.expit(np.asarray(z) + 1e-6) - special.expit(np.asarray(z) - 1e-6)) / 2e-6
        close(np.asarray(expect)[moderate], slope[moderate], rtol=1e-6, atol=1e-10, what=name)
    for name, ((L_in, L_out, *rng), kwargs, weights) in cases("ex4.rand_initialize_weights").items():
        eps = np.sqrt(6) / np.sqrt(L_in + L_out)  # e.g. 3 -> 5: sqrt(6 / 8) = 0.866
        seed = (rng or [kwargs.get("rng")])[0].ml2dl_seed
        assert weights.shape == (L_out, 1 + L_in) and np.all(np.abs(weights) <= eps), name
        close(weights, np.random.default_rng(seed).uniform(-eps, eps, size=(L_out, 1 + L_in)), what=name)
    costs = cases("ex4.nn_cost_function")
    for name, (args, _, expect) in costs.items():
        if np.ndim(expect) == 0:  # select 0: J
            close(expect, nn_cost(*args), rtol=1e-9, what=name)
        else:  # select 1: the gradient, by central differences of the loop above
            numeric = numerical_gradient(lambda p, rest=args[1:]: nn_cost(p, *rest), args[0])
            close(expect, numeric, rtol=1e-5, atol=1e-7, what=name)


# ------------------------------------------------------------------------------------------------
# Day 2: softmax, XOR network, TensorFlow's first step, the optimisers against Keras
# ------------------------------------------------------------------------------------------------


def test_softmax_and_cross_entropy_against_scipy():
    # the usual example: softmax(2, 1, 0.1) = (0.659, 0.242, 0.099), -ln 0.659 = 0.417
    close(stored("softmax.softmax", "published: logits (2.0, 1.0, 0.1)"), [0.659, 0.242, 0.099], atol=5e-4)
    assert (
        round(stored("softmax.cross_entropy", "published: logits (2.0, 1.0, 0.1), true class 0"), 3) == 0.417
    )
    # rows (1000, 0, -1000) and (0, 1000, 0), both class 1: losses 1000 and e^-1000 ~ 0, mean 500
    assert stored("softmax.cross_entropy", "large logits: a true class 1000 below the max") == 500.0
    for name, ((logits,), _, expect) in cases("softmax.softmax").items():
        close(expect, special.softmax(np.asarray(logits, float), axis=-1), atol=1e-15, what=name)
    for name, ((logits, labels), _, expect) in cases("softmax.cross_entropy").items():
        picked = logits[np.arange(len(logits)), np.asarray(labels)]
        close(expect, np.mean(special.logsumexp(logits, axis=1) - picked), what=name)


def test_xor_network_and_tf_gradient_step_by_hand():
    # section 3's hand-built network: hidden units OR-like (20a + 20b - 10) and NAND-like (-20a - 20b
    # + 30), output AND (20h1 + 20h2 - 30); on (0,0) the output is g(20*g(-10) + 20*g(30) - 30) ~ g(-10)
    out = stored("xor.mlp_forward", "section 3's hand-built 2-2-1 network on the four XOR points")
    assert np.array_equal(np.round(out).ravel(), [0, 1, 1, 0])
    close(out[0, 0], special.expit(-10), rtol=1e-3)
    for name, ((X, W1, b1, W2, b2), _, expect) in cases("xor.mlp_forward").items():
        close(expect, special.expit(special.expit(X @ W1 + b1) @ W2 + b2), what=name)
    # section 4: y_hat = 1 * 2 + 0.5 = 2.5, error 1.5, loss 2.25; dL/dw = 2 * 1.5 * 2 = 6, dL/db = 3;
    # w = 1 - 0.1 * 6 = 0.4, b = 0.5 - 0.1 * 3 = 0.2
    W, b, loss = stored(
        "tf_basics.gradient_step", "section 4's example: (x, y) = (2, 1), w = 1, b = 0.5, learning rate 0.1"
    )
    close(W, [0.4])
    close(b, [0.2])
    close(loss, 2.25)
    for name, ((W, b, x, y, lr), _, (new_W, new_b, before)) in cases("tf_basics.gradient_step").items():

        def mse(p, x=x, y=y):
            return np.mean((p[0] * x + p[1] - y) ** 2)

        p = np.array([float(np.ravel(W)[0]), float(np.ravel(b)[0])])
        step = p - lr * numerical_gradient(mse, p)
        tol = 1e-5 if x.dtype == np.float32 else 1e-7  # section 5's points are float32
        close(np.ravel(new_W), step[0], rtol=tol, atol=tol, what=name)
        close(np.ravel(new_b), step[1], rtol=tol, atol=tol, what=name)
        close(before, mse(p), rtol=tol, what=name)


def _keras_first_step(optimizer, w, grad):
    import keras

    var = keras.Variable(np.array(w, dtype="float64"), dtype="float64")
    optimizer.apply_gradients([(keras.ops.convert_to_tensor(np.array(grad, dtype="float64")), var)])
    return np.asarray(var.numpy())


def test_the_optimisers_first_step_is_keras():
    keras = pytest.importorskip("keras")
    opt = keras.optimizers
    (w, g), _, expect = cases("optimizers.sgd_step")["3 parameters"]
    close(expect, w - 0.01 * g)  # w - lr * grad, lr 0.01
    # Adam's first step moves every parameter by about lr against its gradient's sign:
    # m̂ = g, v̂ = g², step = lr * g / (|g| + ε)
    first = cases("optimizers.adam_step")["first step from m = v = 0, 3 parameters"]
    close(first[2][0], first[0][0] - 0.001 * np.sign(first[0][1]), atol=1e-7)  # ε/√(1-β₂) ≈ 3e-6 next to |g|
    # Nadam's first momentum factor: μ₁ = 0.9 (1 - 0.5 * 0.96) = 0.468
    close(stored("optimizers.nadam_step", "first step from m = v = 0, product 1")[3], 0.468)
    keras_made = {
        ("optimizers.momentum_step", "first step: velocity 0"): opt.SGD(0.01, momentum=0.9),
        ("optimizers.nesterov_step", "first step: velocity 0"): opt.SGD(0.01, momentum=0.9, nesterov=True),
        ("optimizers.adagrad_step", "first step from Keras' 0.1"): opt.Adagrad(0.001),
        ("optimizers.rmsprop_step", "first step: s = 0"): opt.RMSprop(0.001),
        ("optimizers.adadelta_step", "first step: s = d = 0"): opt.Adadelta(1.0),
        ("optimizers.adam_step", "first step from m = v = 0, 3 parameters"): opt.Adam(0.001),
        ("optimizers.nadam_step", "first step from m = v = 0, product 1"): opt.Nadam(0.001),
    }
    for (exercise, name), optimizer in keras_made.items():
        (w, g, *_), kwargs, expect = cases(exercise)[name]
        assert not kwargs, name  # Keras' defaults
        close(expect[0], _keras_first_step(optimizer, w, g), rtol=1e-7, atol=1e-9, what=(exercise, name))


# ------------------------------------------------------------------------------------------------
# Day 3: batches of an epoch, the early-stopping callback
# ------------------------------------------------------------------------------------------------


def test_epoch_batches_cover_every_index_once_in_order_or_shuffled():
    batches = cases("training_kit.epoch_batches")
    plain = batches["10 indices in batches of 4 (the self-check's)"][2]
    assert [list(b) for b in plain] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]  # 4 + 4 + the 2 left
    for name, (args, kwargs, expect) in batches.items():
        n, size = args[:2]
        assert [len(b) for b in expect] == [size] * (n // size) + ([n % size] if n % size else []), name
        assert sorted(np.concatenate(expect)) == list(range(n)), name
        rng = args[2] if len(args) > 2 else kwargs.get("rng")
        if rng is not None:  # one permutation of the epoch from the rng, cut into batches
            assert np.array_equal(
                np.concatenate(expect), np.random.default_rng(rng.ml2dl_seed).permutation(n)
            ), name


def test_early_stopping_is_what_section_2_says():
    callback = stored("training_kit.make_early_stopping", "as in section 2: no arguments")
    assert (callback["monitor"], callback["patience"], callback["mode"]) == ("val_loss", 5, "min")
    assert stored("training_kit.make_early_stopping", "patience=15 (keyword)")["patience"] == 15
