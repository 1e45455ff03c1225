"""The eight optimizers of Day 2 as Keras builds them, shared by ``optimizers`` (which prints this
function next to its numpy rules and checks each rule against it) and ``optimizers_mnist`` (which
trains a network with each).  Imports Keras (only the TensorFlow notebooks import this module)."""

from __future__ import annotations

import keras

__all__ = ["keras_optimizer"]


def keras_optimizer(name: str, lr: float) -> keras.optimizers.Optimizer:
    """A new Keras optimizer `name` (SGD, Momentum, NAG, Adagrad, RMSProp, AdaDelta, Adam or Nadam)
    with learning rate `lr`, every other hyper-parameter at Keras' default (momentum 0.9)."""
    build = {
        "SGD": lambda: keras.optimizers.SGD(lr),
        "Momentum": lambda: keras.optimizers.SGD(lr, momentum=0.9),
        "NAG": lambda: keras.optimizers.SGD(lr, momentum=0.9, nesterov=True),
        "Adagrad": lambda: keras.optimizers.Adagrad(lr),
        "RMSProp": lambda: keras.optimizers.RMSprop(lr),
        "AdaDelta": lambda: keras.optimizers.Adadelta(lr),
        "Adam": lambda: keras.optimizers.Adam(lr),
        "Nadam": lambda: keras.optimizers.Nadam(lr),
    }
    if name not in build:
        raise ValueError(f"unknown optimizer {name!r}: choose one of {', '.join(build)}")
    return build[name]()
