"""Lesson 06's exercise: count a net's neurons, weights, biases and parameters from its
sizes, and check a learner's counts with hints that do not give the answer."""

from dataclasses import dataclass

import numpy as np

from ..graph import is_number
from .activations import ACTIVATIONS, get_activation
from .mlp import COUNTS, check_sizes, count


@dataclass(frozen=True)
class CountCheck:
    """The verdict on counts of a net: RIGHT when every count written is right.

    Its text has a first line with the verdict, then one line per count: right, not
    yet (with a hint about the idea, never the number), or not written yet.
    """
    sizes: tuple
    activation: str
    guesses: dict       # name -> the student's count (None: not written yet)
    lines: tuple        # one line per count, in COUNTS order
    ok: bool

    def __repr__(self):
        return "\n".join((self.headline, *self.lines))

    @property
    def headline(self):
        written = [g for g in self.guesses.values() if g is not None]
        if not written:
            return ("NOT YET: write your counts first (a number in place of each None), "
                    "then run this cell.")
        if self.ok:
            return (f"RIGHT: every count is right for the net {list(self.sizes)} with "
                    f"{self.activation} activations.")
        right = sum(line.endswith(": RIGHT") for line in self.lines)
        missing = len(self.guesses) - len(written)
        if right == len(written):             # right so far, some still to write
            rest = "the last one" if missing == 1 else f"the other {missing}"
            return (f"NOT YET: {_counted(right, 'count')} you wrote "
                    f"{'is' if right == 1 else 'are'} right so far; write {rest} (still "
                    f"None) and run this cell again.")
        hints = "the hint below says" if len(written) - right == 1 else "the hints below say"
        if len(written) == 1:
            return f"NOT YET: the count you wrote is not right yet; {hints} what to look at."
        return (f"NOT YET: {right} of the {len(written)} counts you wrote "
                f"{'is' if right == 1 else 'are'} right; {hints} what to look at.")


def _counted(n, word):
    """'the 2 counts', or 'the count' for one."""
    return f"the {word}" if n == 1 else f"the {n} {word}s"


def check_counts(sizes, activation="relu", **guesses):
    """Check counts of neurons, weights, biases and parameters of the net ``sizes``.

    Pass the counts you worked out as ``neurons=``, ``weights=``, ``biases=``,
    ``parameters=`` (any of them; ``None`` means not written yet). The verdict is
    RIGHT when every count you passed is right; otherwise NOT YET, with a hint per
    wrong count that names the usual slip (counting the inputs as neurons, biases
    counted as weights, maxout's second set of weights) without giving the number::

        check_counts([3, 4, 1], neurons=5, parameters=21)     # RIGHT: ...
        check_counts([3, 4, 1], neurons=8)                    # NOT YET: ... (the inputs)
    """
    unknown = sorted(set(guesses) - set(COUNTS))
    if unknown:
        raise TypeError(f"check_counts counts {', '.join(COUNTS)}; it does not know "
                        f"{', '.join(map(repr, unknown))}")
    sizes = check_sizes(sizes)
    activation = get_activation(activation).name
    guesses = {name: _count_guess(guesses[name], name) for name in COUNTS if name in guesses}
    answers = count(sizes, activation)
    lines = []
    for name, guess in guesses.items():
        if guess is None:
            lines.append(f"{name}: not written yet")
        elif guess == answers[name]:
            lines.append(f"{name} = {guess}: RIGHT")
        else:
            hint = _count_hint(name, guess, sizes, activation, guesses, answers)
            lines.append(f"{name} = {guess}: NOT YET. {hint}")
    ok = bool(guesses) and all(guesses[n] == answers[n] for n in guesses)
    return CountCheck(tuple(sizes), activation, guesses, tuple(lines), ok)


def _count_guess(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not is_number(value) or not float(value).is_integer():
        raise TypeError(f"{name}= must be a whole number (or None while you have not "
                        f"counted yet), got {value!r}")
    return int(value)


def _count_hint(name, guess, sizes, activation, guesses, answers):
    """The idea behind the usual slip that gives ``guess``; never the right number."""
    pieces = ACTIVATIONS[activation].pieces
    hidden, pairs = sizes[1:-1], list(zip(sizes, sizes[1:]))
    maxout = pieces > 1 and hidden
    linear_output = ("The output layer stays linear: its neurons have one set of weights and "
                     "one bias each; only the maxout hidden neurons have two.")
    last_in, last_out = pairs[-1]
    slips = {
        "neurons": [
            (sum(sizes), "The input layer is not counted: its units hold the data and "
                         "compute nothing."),
            (sum(hidden), "The output layer's units are neurons too: each computes a "
                          "weighted sum plus a bias."),
            (maxout and answers["neurons"] + sum(hidden),
             "A maxout neuron takes the max of two linear pieces, but it is still one "
             "neuron."),
        ],
        "weights": [
            (answers["parameters"], "That counts the biases too: weights are the lines "
                                    "between layers, biases come on top."),
            (maxout and sum(m * n for m, n in pairs),
             "A maxout hidden neuron computes two linear pieces, each with its own "
             "weights."),
            (maxout and 2 * sum(m * n for m, n in pairs), linear_output),
            (sum(m + n for m, n in pairs), "Between two layers every unit connects to "
                                           "every neuron of the next: multiply the widths."),
            (int(np.prod(sizes)), "Weights connect neighbouring layers only: count each "
                                  "pair of neighbouring layers, then add the pairs up."),
        ],
        "biases": [
            (sum(sizes), "Inputs have no bias: only neurons do."),
            (maxout and answers["neurons"], "Each linear piece has its own bias: a maxout "
                                            "hidden neuron has two."),
            (maxout and 2 * answers["neurons"], linear_output),
            (sum(hidden), "The output neurons have biases too."),
            (len(pairs), "Each neuron has its own bias, not one per layer."),
        ],
        "parameters": [
            (answers["weights"], "The learnable parameters are the weights and the "
                                 "biases."),
            (maxout and sum(m * n + n for m, n in pairs),
             "A maxout hidden neuron computes two linear pieces, each with its own "
             "weights and bias."),
            (maxout and 2 * sum(m * n + n for m, n in pairs), linear_output),
            (maxout and answers["weights"] + answers["neurons"],
             "Each linear piece of a maxout neuron has its own bias too, as it has its own "
             "weights."),
            (answers["parameters"] - last_in * last_out - last_out,
             "The output layer's weights and biases are learnable parameters too."),
        ],
    }[name]
    for slip, hint in slips:
        if slip and slip == guess and slip != answers[name]:
            return hint
    if name == "parameters":
        w, b = guesses.get("weights"), guesses.get("biases")
        if w is not None and b is not None and guess == w + b:
            return ("That is your weights plus your biases, the right rule: fix those "
                    "counts first.")
        return "The learnable parameters are all the weights plus all the biases."
    general = {
        "neurons": "Neurons are the units of every layer after the input layer.",
        "weights": "Each line in the diagram is one weight: a layer of m units feeding n "
                   "neurons has m × n of them",
        "biases": "Each neuron has one bias",
    }[name]
    if name != "neurons":
        general += " (two sets in a maxout hidden layer)." if maxout else "."
    return general
