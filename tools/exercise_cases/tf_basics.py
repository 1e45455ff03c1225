"""Cases for Day 2, tf_basics: one gradient-descent step with GradientTape, and its mistake catalogue
(issue 21)."""

import numpy as np

from tools.exercise_cases.model import Case, Exercise

NOTEBOOK = "day2/tf_basics.ipynb"

ADD = "step *against* the gradient: W - learning_rate * dW (adding the gradient climbs the loss)."
NO_UPDATE = (
    "return the parameters *after* the step, W - learning_rate * dW and b - learning_rate * db, "
    "not the ones you were given."
)
SUM = (
    "the loss is the *mean* squared error (tf.reduce_mean), not the sum: with the sum every gradient "
    "is m times too large."
)
AFTER = "return the loss computed inside the tape, *before* the step: the loss the gradients belong to."
SWAPPED = (
    "tape.gradient(loss, [W, b]) returns the gradients in the order of the list: dW first, then db — "
    "update W with dW and b with db."
)
SQUARE = (
    "square the residuals: the loss is tf.reduce_mean(tf.square(W * x + b - y)), the mean *squared* error."
)
NO_RATE = "scale the step by the learning rate: W - learning_rate * dW, not W - dW."
IN_PLACE = "changed its argument `W`"
# the grader's message for an answer that re-seeds TensorFlow (tf.random.set_seed changes the seed of
# every later random op of the notebook)
GLOBAL_SEED = "global random generator"


def _grads(W, b, x, y):
    r = W * x + b - y
    return np.mean(r**2), np.mean(2 * r * x), np.mean(2 * r)


def step_adds_gradient(W, b, x, y, learning_rate):
    loss, dW, db = _grads(W, b, x, y)
    return W + learning_rate * dW, b + learning_rate * db, loss


def step_no_update(W, b, x, y, learning_rate):
    loss, _, _ = _grads(W, b, x, y)
    return np.array(W), np.array(b), loss


def step_summed_loss(W, b, x, y, learning_rate):
    loss, dW, db = _grads(W, b, x, y)
    m = np.size(x)
    return W - learning_rate * m * dW, b - learning_rate * m * db, m * loss


def step_loss_after(W, b, x, y, learning_rate):
    _, dW, db = _grads(W, b, x, y)
    W, b = W - learning_rate * dW, b - learning_rate * db
    return W, b, _grads(W, b, x, y)[0]


def step_swapped_gradients(W, b, x, y, learning_rate):
    loss, dW, db = _grads(W, b, x, y)
    return W - learning_rate * db, b - learning_rate * dW, loss


def step_no_square(W, b, x, y, learning_rate):
    loss = np.mean(W * x + b - y)  # the mean residual: its gradient is (mean x, 1)
    return W - learning_rate * np.mean(x), b - learning_rate * 1.0, loss


def step_no_learning_rate(W, b, x, y, learning_rate):
    loss, dW, db = _grads(W, b, x, y)
    return W - dW, b - db, loss


def step_in_place(W, b, x, y, learning_rate):
    loss, dW, db = _grads(W, b, x, y)
    W -= learning_rate * dW  # changes the caller's arrays
    b -= learning_rate * db
    return W, b, loss


def exercises(ns):
    tf, keras = ns["tf"], ns["keras"]

    def step_watched_constants(W, b, x, y, learning_rate):
        W, b = tf.constant(W), tf.constant(b)
        with tf.GradientTape() as tape:
            tape.watch([W, b])
            loss = tf.reduce_mean((W * x + b - y) ** 2)
        dW, db = tape.gradient(loss, [W, b])
        return (W - learning_rate * dW).numpy(), (b - learning_rate * db).numpy(), float(loss)

    def step_keras_sgd(W, b, x, y, learning_rate):
        W, b = tf.Variable(W), tf.Variable(b)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(W * x + b - y))
        grads = tape.gradient(loss, [W, b])
        keras.optimizers.SGD(learning_rate=learning_rate).apply_gradients(zip(grads, [W, b], strict=True))
        return W.numpy(), b.numpy(), loss.numpy()

    def step_seeded(W, b, x, y, learning_rate):
        tf.random.set_seed(0)  # "for reproducibility", copied from a setup cell
        W, b = tf.Variable(W), tf.Variable(b)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(W * x + b - y))
        dW, db = tape.gradient(loss, [W, b])
        return (W - learning_rate * dW).numpy(), (b - learning_rate * db).numpy(), float(loss)

    rng = np.random.default_rng(2027)
    x5, y5 = rng.normal(size=5), rng.normal(size=5)
    x3 = rng.uniform(-1, 1, size=3)
    y3 = 2.0 * x3 - 1.0
    x_pub = np.random.default_rng(42).random(100, dtype=np.float32)[:20]  # section 5's first 20 points
    y_pub = x_pub * np.float32(0.1) + np.float32(0.3)
    f32 = np.float32

    def case(name, args):
        return Case(name, args, atol=1e-6, rtol=1e-5)

    return [
        Exercise(
            "tf_basics.gradient_step",
            "gradient_step",
            hint=(
                "make W and b tf.Variables (or tape.watch them), compute the mean of (W x + b - y)^2 inside "
                "a tf.GradientTape block, get both gradients with tape.gradient, and return "
                "(W - learning_rate * dW, b - learning_rate * db, the loss)."
            ),
            shape_hint="W and b keep their shapes: return arrays shaped like the W and b you were given.",
            cases=[
                case(
                    "section 5's first 20 points (float32), W = -0.5, b = 0, learning rate 0.5",
                    (np.array([-0.5], f32), np.zeros(1, f32), x_pub, y_pub, 0.5),
                ),
                case(
                    "section 4's example: (x, y) = (2, 1), w = 1, b = 0.5, learning rate 0.1",
                    (np.array([1.0]), np.array([0.5]), np.array([2.0]), np.array([1.0]), 0.1),
                ),
                case(
                    "5 random points, W = 0.3, b = -0.2, learning rate 0.01",
                    (np.array([0.3]), np.array([-0.2]), x5, y5, 0.01),
                ),
                case(
                    "scalar (0-d) W and b, 3 points, learning rate 1.0",
                    (np.array(0.0), np.array(0.0), x3, y3, 1.0),
                ),
            ],
            mistakes=[
                (step_adds_gradient, ADD),
                (step_no_update, NO_UPDATE),
                (step_summed_loss, SUM),
                (step_loss_after, AFTER),
                (step_swapped_gradients, SWAPPED),
                (step_no_square, SQUARE),
                (step_no_learning_rate, NO_RATE),
                (step_in_place, IN_PLACE),
                (step_seeded, GLOBAL_SEED),
            ],
            alternatives=[step_watched_constants, step_keras_sgd],
        )
    ]
