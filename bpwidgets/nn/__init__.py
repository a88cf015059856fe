"""Neural networks made of the engine's gates: activations, an MLP, softmax loss, fit.

A fully-connected layer is ``X @ W + b``: a batch of rows ``X`` (N, n_in) times a
weight matrix ``W`` (n_in, n_out), plus a bias ``b`` (n_out,) that broadcasts over the
rows. Put an activation between layers and you have the lecture's nets::

    linear score:  f = W x
    2-layer net:   f = W2 max(0, W1 x)
    3-layer net:   f = W3 max(0, W2 max(0, W1 x))

(Here the examples are rows, so ``x W`` rather than ``W x``: our ``W`` is the lecture's
transposed, one row per input.) ``MLP`` builds that once as a ``Graph`` whose inputs are
``X`` and the parameters; forward and backward are the engine's, gate by gate::

    model = MLP([3, 4, 4, 1], activation="sigmoid", seed=0)
    model.num_parameters          # 41
    model.forward(np.ones((2, 3))).shape    # (2, 1)

``fit`` trains a model with softmax cross-entropy and plain gradient descent, using the
gradients ``Graph.backward`` computes. This package needs numpy only. Its rooms:

    activations.py   the activations (sigmoid ... maxout) and their curves
    loss.py          the softmax loss and the L2 penalty: a gate each, forward and backward
    mlp.py           MLP, and count: its neurons, weights and biases from its sizes
    training.py      fit, loss_and_gradients, accuracy, one_hot
    counting.py      lesson 06's exercise: check_counts
    capacity.py      lesson 07's exercise: fit_each and check_ranking
"""

from .activations import ACTIVATIONS, MAXOUT_PIECES, Activation, activation_curve, get_activation
from .capacity import RankingCheck, Run, check_ranking, fit_each
from .counting import CountCheck, check_counts
from .loss import L2Penalty, SoftmaxCrossEntropy, l2_penalty, softmax_loss
from .mlp import COUNTS, MAX_PARAMETERS, MLP, check_reg, check_sizes, count, real_array
from .training import (DIVERGED_GROWTH, DIVERGED_LOSS, Diverged, accuracy, check_labels,
                       check_rows, fit, loss_and_gradients, one_hot)

__all__ = [
    "ACTIVATIONS", "COUNTS", "DIVERGED_GROWTH", "DIVERGED_LOSS", "MAXOUT_PIECES",
    "MAX_PARAMETERS", "MLP", "Activation", "CountCheck", "Diverged", "RankingCheck", "Run",
    "L2Penalty", "SoftmaxCrossEntropy", "accuracy", "activation_curve", "check_counts",
    "check_labels", "check_ranking", "check_reg", "check_rows", "check_sizes", "count", "fit",
    "fit_each", "get_activation", "l2_penalty", "loss_and_gradients", "one_hot",
    "real_array", "softmax_loss",
]
