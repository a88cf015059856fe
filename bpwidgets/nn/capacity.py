"""Lesson 07's exercise: train nets of different sizes and L2 strengths on the same data,
and check a learner's predicted ranking of how well they fit."""

from dataclasses import dataclass

from ..datasets import check_seed, whole_number
from .mlp import MLP, check_reg, real_array
from .training import accuracy, check_labels, fit


@dataclass(frozen=True)
class Run:
    """One net trained by ``fit_each``: its setting, the model and how well it fits."""
    label: str
    hidden: int
    reg: float
    model: MLP
    history: dict
    train_accuracy: float       # measured after the last step, on the training data

    def __repr__(self):
        return (f"Run({self.label!r}: {self.hidden} hidden, reg={self.reg:g}, "
                f"{len(self.history['loss'])} epochs, train accuracy "
                f"{100 * self.train_accuracy:.1f}%)")


def fit_each(X, y, settings, epochs=1000, lr=1.0, activation="relu", seed=0):
    """Train one 2-layer net per setting on the same data; return the ``Run`` s in order.

    ``settings`` is a list of ``(hidden, reg)`` pairs (hidden neurons, L2 strength),
    or a dict ``{label: (hidden, reg)}``. Every net starts from ``seed`` and trains
    ``epochs`` epochs of full-batch gradient descent with ``fit``; a setting that
    appears twice is trained once. On the 300-point spiral, 1000 epochs take about
    half a second per net::

        runs = fit_each(X, y, [(3, 1e-3), (20, 1e-3), (20, 0.1)])
        [round(r.train_accuracy, 2) for r in runs]
    """
    labelled = _labelled_settings(settings)
    seed = check_seed(seed)
    X = real_array(X, "X")
    if X.ndim != 2:
        raise ValueError(f"X must be a batch of rows (N, features), got an array of shape "
                         f"{X.shape}")
    y = check_labels(y, len(X))                  # the nets get one score per class seen
    n_classes = max(int(y.max()) + 1 if y.size else 2, 2)
    n_inputs = X.shape[1]
    trained, runs = {}, []
    for label, (hidden, reg) in labelled:
        if (hidden, reg) not in trained:
            model = MLP([n_inputs, hidden, n_classes], activation=activation, seed=seed)
            history = fit(model, X, y, epochs=epochs, lr=lr, reg=reg, seed=seed)
            trained[hidden, reg] = (model, history, accuracy(model, X, y))
        runs.append(Run(label, hidden, reg, *trained[hidden, reg]))
    return runs


def _labelled_settings(settings):
    """[(label, (hidden, reg)), ...] from a dict or a list of pairs, checked."""
    items = list(settings.items()) if isinstance(settings, dict) else \
        [(None, s) for s in settings]
    if not items:
        raise ValueError("settings is empty: give at least one (hidden, reg) pair")
    checked = []
    for label, setting in items:
        try:
            hidden, reg = setting
        except (TypeError, ValueError):
            raise ValueError(f"each setting is a pair (hidden neurons, reg), got "
                             f"{setting!r}") from None
        hidden = whole_number(hidden, "hidden (the number of hidden neurons)")
        reg = check_reg(reg)
        label = f"{hidden} hidden, reg {reg:g}" if label is None else str(label)
        checked.append((label, (hidden, reg)))
    return checked


@dataclass(frozen=True)
class RankingCheck:
    """The verdict on a predicted ranking of settings, checked by training them."""
    text: str
    ok: bool
    runs: tuple = ()    # the trained nets, once the ranking was well formed

    @property
    def tried(self):
        """Did the learner write a ranking (well formed, so the nets were trained)?"""
        return bool(self.runs)

    def __repr__(self):
        return self.text


def check_ranking(order, settings, X, y, epochs=1000, lr=1.0, activation="relu", seed=0):
    """Is ``order`` the ranking of ``settings`` by training accuracy, fewest right first?

    ``settings`` is a dict ``{label: (hidden, reg)}``; ``order`` lists the labels,
    the net that gets the fewest training points right first (a string such as
    ``"BDAC"`` when the labels are single letters, or a list). The kit trains each
    net (``fit_each``) and ranks them by measured training accuracy; nets with equal
    accuracy may come in either order. NOT YET comes with a hint about the rule of
    thumb the order breaks, when the run bears it out (more hidden neurons fit at
    least as well at the same reg; a stronger reg fits worse with the same neurons),
    never with the measured ranking.
    """
    if not isinstance(settings, dict):
        raise TypeError("settings must be a dict {label: (hidden, reg)} so that the "
                        "ranking can name them")
    labelled = dict(_labelled_settings(settings))
    labels = list(labelled)
    task = (f"the labels {', '.join(labels)} in one order, the net that gets the fewest "
            f"training points right first")
    if order is None:
        return RankingCheck(f"NOT YET: write your ranking into my_order first: {task}.",
                            False)
    ranked = _parse_order(order, labels)
    if ranked is None:
        return RankingCheck(f"NOT YET: {order!r} is not a ranking of these settings. "
                            f"Write {task} (each label once).", False)
    runs = fit_each(X, y, settings, epochs=epochs, lr=lr, activation=activation, seed=seed)
    score = {run.label: run.train_accuracy for run in runs}
    measured = sorted(labels, key=lambda label: score[label])
    ok = all(score[a] <= score[b] for a, b in zip(ranked, ranked[1:]))
    table = "\n".join(f"  {label}: {labelled[label][0]:>3} hidden, reg "
                      f"{labelled[label][1]:<6g} {100 * score[label]:5.1f}% of training "
                      f"points right" for label in measured)
    if ok:
        return RankingCheck(f"RIGHT: the run ranks them as you did, fewest training points "
                            f"right first ({epochs} epochs each):\n{table}", True, tuple(runs))
    hints = _ranking_hints(ranked, labelled, score)
    text = ("NOT YET: the run ranks these nets differently (the net that gets the FEWEST "
            "training points right comes first).\n" + "\n".join(f"Hint: {h}" for h in hints))
    return RankingCheck(text, False, tuple(runs))


def _parse_order(order, labels):
    """``order`` as a list of labels (each exactly once), or None."""
    by_key = {label.upper(): label for label in labels}
    if isinstance(order, str):
        if all(len(label) == 1 for label in labels):
            tokens = [c for c in order if c.isalnum()]
        else:
            tokens = [t.strip() for t in order.replace("<", ",").split(",")]
    elif isinstance(order, (list, tuple)):
        tokens = [str(t).strip() for t in order]
    else:
        return None
    ranked = [by_key.get(t.upper()) for t in tokens]
    if None in ranked or sorted(ranked) != sorted(labels):
        return None
    return ranked


def _ranking_hints(ranked, labelled, score):
    """Rules of thumb the student's order breaks (when the run agrees with them)."""
    place = {label: k for k, label in enumerate(ranked)}
    width_rule = reg_rule = False
    for a in ranked:
        for b in ranked:
            (ha, ra), (hb, rb) = labelled[a], labelled[b]
            if place[a] < place[b] and score[a] > score[b]:     # a placed below b, wrongly
                width_rule |= ra == rb and ha > hb
                reg_rule |= ha == hb and ra < rb
    hints = []
    if width_rule:
        hints.append("Compare nets with the same reg. More hidden neurons give the boundary "
                     "more kinks to bend with, so a wider net fits at least as many "
                     "training points.")
    if reg_rule:
        hints.append("Compare nets with the same number of hidden neurons. The L2 penalty "
                     "(reg times the sum of the squared weights) grows with reg and keeps "
                     "the weights small; small weights bend the boundary less, so it fits "
                     "fewer training points.")
    if not hints:
        hints.append("Your order keeps to both rules of thumb wherever the run bears them "
                     "out (more hidden neurons fit more; a stronger reg fits less). What is "
                     "left is how big each effect is: where does a change of one kind "
                     "outweigh a change of the other?")
    return hints
