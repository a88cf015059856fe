"""The training losses: the softmax loss and the L2 penalty, each one gate, its forward and
backward side by side."""

import numpy as np

from ..graph import apply
from ..ops import Gate, format_constant, gate_constant


class SoftmaxCrossEntropy(Gate):
    """The softmax loss averaged over a batch: L = -(1/N) sum_i sum_j Y_ij log p_ij.

    ``scores`` (N, C) are the net's class scores; ``targets`` (N, C) are one-hot rows
    (Y_ij = 1 if example i is of class j). p = softmax(scores) per row, computed after
    subtracting each row's max so that exp cannot overflow.

    Backward: dL/dscores = (p - Y) / N for one-hot rows (the famous "probabilities
    minus one at the right class"); in general (p * rowsum(Y) - Y) / N. The loss is
    linear in Y, so dL/dY = -log p / N.
    """
    op_name, symbol, arity, flow = "softmax_loss", "softmax loss", 2, "softmax loss: (p - y) / N"

    def forward(self, scores, targets):
        scores, targets = np.asarray(scores, dtype=float), np.asarray(targets, dtype=float)
        if scores.ndim != 2 or targets.shape != scores.shape:
            raise ValueError(f"softmax loss needs scores (N, C) and one-hot targets of the "
                             f"same shape, got {scores.shape} and {targets.shape}")
        shifted = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        # each row's sum, as a product with a column of ones (sum's local gradient is a
        # row of ones, lesson 04): numpy sums along rows of a few entries several times
        # slower, and this gate runs at every training step
        total = exp @ np.ones((scores.shape[1], 1))
        self.p = exp / total                         # softmax, kept for backward
        self.log_p = shifted - np.log(total)         # log p, without log(exp(...))
        self.targets = targets
        return -np.vdot(targets, self.log_p) / len(scores)   # sum of Y * log p

    def backward(self, upstream, wanted=(True, True)):
        """``wanted``: which gradients to compute (training wants d scores, not d Y)."""
        scale = upstream / len(self.targets)         # upstream / N, a number
        d_scores = d_targets = None
        if wanted[0]:
            row_sums = self.targets @ np.ones((self.targets.shape[1], 1))    # 1s if one-hot
            d_scores = (self.p * row_sums - self.targets) * scale
        if wanted[1]:
            d_targets = self.log_p * -scale
        return d_scores, d_targets


def softmax_loss(scores, targets):
    """The softmax loss node on top of a scores node (see ``SoftmaxCrossEntropy``)."""
    return apply(SoftmaxCrossEntropy(), scores, targets)


class L2Penalty(Gate):
    """The L2 penalty on a net's weights: L = 0.5 reg (sum W1^2 + sum W2^2 + ...), one gate
    for every weight matrix at once (any number of inputs).

    Backward: dL/dW = reg W for each, times the upstream gradient. (As separate gates,
    W ** 2 and sum per weight, the adds and the constant factor, the same penalty took six
    gates of a 2-layer net's training graph and an eighth of each training step.)
    """
    op_name, symbol, flow = "l2_penalty", "L2", "L2 penalty: reg W"
    precedence = 2          # written as a product: 0.0005*(sum(W1**2) + sum(W2**2))

    def __init__(self, reg):
        self.reg = gate_constant(reg, "reg (the L2 strength)")
        if self.reg < 0:
            raise ValueError(f"reg (the L2 strength) must be a number >= 0, got {reg!r}")

    def params(self):
        return (self.reg,)

    def forward(self, *weights):
        self.weights = weights
        return 0.5 * self.reg * sum(float(np.vdot(W, W)) for W in weights)

    def backward(self, upstream):
        scale = self.reg * upstream
        return tuple(scale * W for W in self.weights)

    def backward_rule(self, i, texts, upstream):
        name = texts[i] if texts[i] is not None and len(texts[i]) < 8 else "W"
        name = name if name.isidentifier() else f"({name})"
        return f"{format_constant(self.reg)} * {name} * upstream {upstream}"

    def formula(self, inputs):
        squares = " + ".join(f"sum({operand.within(5)}**2)" for operand in inputs)
        return f"{format_constant(0.5 * self.reg)}*({squares})"

    def __repr__(self):
        return f"L2Penalty({format_constant(self.reg)})"


def l2_penalty(weights, reg):
    """The penalty node 0.5 reg sum(W^2) over ``weights`` (a node, or a list of nodes; see
    ``L2Penalty``)."""
    weights = list(weights) if isinstance(weights, (list, tuple)) else [weights]
    if not weights:
        raise ValueError("l2_penalty needs at least one weight node")
    return apply(L2Penalty(reg), *weights)
