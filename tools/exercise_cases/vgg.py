"""Cases for notebooks/day3/vgg_augmentation_transfer.ipynb: a VGG-style network built from blocks."""

from tools.student import Case, Exercise

NOTEBOOK = "day3/vgg_augmentation_transfer.ipynb"

POOL_EVERY_CONV = (
    "one 2×2 max-pooling per *block*, after its last convolution — not after every convolution "
    "(the maps halve once per block: 28 → 14 → 7 → 4 with three blocks)."
)
SAME_FILTERS = (
    "block b uses filters[b − 1] filters: the count changes from block to block (16, 32, 64 by default)."
)
ONE_CONV = "each block has `convs_per_block` convolutions in a row (2 by default), not one."
VALID = (
    "the poolings use padding='same' too: a 7×7 map pools to 4×4 (rounding up), not 3×3 "
    "(Keras's default 'valid' drops the last row and column)."
)
KERNEL = "VGG uses only 3×3 filters: Conv2D(n_filters, 3, ...)."


def exercises(ns):
    keras, L = ns["keras"], ns["L"]

    def _vgg(filters, convs, n_classes, dense_units, dropout, every=False, same=False, padding="same", k=3):
        layers = [keras.Input(shape=(28, 28, 1))]
        for b, n in enumerate(filters, start=1):
            n = filters[0] if same else n
            for i in range(1, convs + 1):
                layers.append(L.Conv2D(n, k, padding="same", activation="relu", name=f"block{b}_conv{i}"))
                if every:
                    layers.append(L.MaxPool2D(2, padding=padding, name=f"block{b}_pool{i}"))
            if not every:
                layers.append(L.MaxPool2D(2, padding=padding, name=f"block{b}_pool"))
        layers += [
            L.Flatten(name="flatten"),
            L.Dense(dense_units, activation="relu", name="fc"),
            L.Dropout(dropout, name="drop"),
            L.Dense(n_classes, activation="softmax", name="output", dtype="float32"),
        ]
        return keras.Sequential(layers, name="vgg")

    def mistake(**how):
        def build(filters=(16, 32, 64), convs_per_block=2, n_classes=10, dense_units=128, dropout=0.5):
            convs = 1 if how.get("one") else convs_per_block
            return _vgg(
                filters,
                convs,
                n_classes,
                dense_units,
                dropout,
                every=how.get("every", False),
                same=how.get("same", False),
                padding=how.get("padding", "same"),
                k=how.get("k", 3),
            )

        return build

    mistakes = [
        (mistake(every=True), POOL_EVERY_CONV),
        (mistake(same=True), SAME_FILTERS),
        (mistake(one=True), ONE_CONV),
        (mistake(padding="valid"), VALID),
        (mistake(k=5), KERNEL),
    ]
    return [
        Exercise(
            "vgg.build_vgg",
            "build_vgg",
            describe="keras_model",
            hint=(
                "for b, n in enumerate(filters, 1): convs_per_block × Conv2D(n, 3, padding='same', ReLU), "
                "then "
                "MaxPool2D(2, padding='same'); then Flatten, Dense(dense_units, ReLU), Dropout(dropout), "
                "Dense(n_classes, softmax)."
            ),
            cases=[
                Case("the default: blocks of 16, 32, 64 filters, two convolutions each", mistakes=mistakes),
                Case(
                    "two blocks (8, 16), three convolutions each, 5 classes",
                    kwargs={"filters": (8, 16), "convs_per_block": 3, "n_classes": 5},
                    mistakes=mistakes,
                ),
                Case(
                    "dense_units=64, dropout=0.25: the arguments are used",
                    kwargs={"dense_units": 64, "dropout": 0.25},
                ),
            ],
        ),
    ]
