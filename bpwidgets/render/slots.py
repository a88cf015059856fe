"""The slot model: every number or colour in a picture that changes with the values.

A picture is laid out once (``dot.layout``) with a *slot* wherever a number or a colour
goes; what a slot shows is read from the graph now, so the live widgets patch new
numbers into the same layout (``template.py``). This module says which number each
slot holds; ``dot.slot_content`` says how it looks.
"""

from collections import namedtuple

import numpy as np

Slot = namedtuple("Slot", "kind ref entry")
"""One changing thing in the picture. ``kind`` is one of

- 'value', 'grad', 'local' (``ref`` an Edge): the edge's forward value, its downstream
  gradient, the target gate's local gradient for it;
- 'out_value', 'out_grad' (``ref`` the output node): the output's value and gradient;
- 'total' (``ref`` a Total(input, consumers) for an input that fans out): its summed
  gradient;
- 'grad_colour', 'out_grad_colour', 'total_colour': the colour of those gradients;
- 'fill', 'stroke' (``ref`` a node): its colours (highlighted or not).

``entry`` is None for a scalar, else the array index drawn in that cell.
"""

Total = namedtuple("Total", "node consumers")
"""The ref of a 'total' slot: an input and the gates that use it (its gradient is
complete once all of them have been visited)."""


def display_shape(value):
    """The shape a value is drawn with: () before forward and for scalars."""
    return () if value is None else np.shape(value)


def slot_number(graph, slot, visited=None):
    """The number a slot shows now, or None (not computed yet, or not yet visited)."""
    number = slot_value(graph, slot, visited)
    if number is None:
        return None
    return float(number if slot.entry is None else number[slot.entry])


def slot_value(graph, slot, visited=None):
    """The whole value (scalar or array) a slot's entry is taken from, or None."""
    kind, ref, entry = slot
    kind = kind.removesuffix("_colour")
    if not graph.forward_done:
        return None
    if kind == "value":
        number = ref.source.value
    elif kind == "out_value":
        number = ref.value
    elif kind == "local":
        number = drawn_local(ref)
    elif not graph.backward_done:
        return None
    elif kind == "grad":
        if visited is not None and ref.target not in visited:
            return None
        number = ref.downstream
    elif kind == "out_grad":
        number = ref.grad
    elif kind == "total":
        if visited is not None and not all(t in visited for t in ref.consumers):
            return None
        number = ref.node.grad
    else:
        raise ValueError(f"unknown slot kind {slot.kind!r}")
    return number


def drawn_local(edge):
    """The local gradient drawn per entry of the edge's value (broadcast if it is a
    scalar such as add's 1), or None (non-elementwise gates)."""
    local = edge.local
    if local is None:
        return None
    shape = display_shape(edge.source.value)
    if np.shape(local) == shape:
        return local
    try:
        return np.broadcast_to(local, shape)
    except ValueError:
        return None      # the input was broadcast: its local gradient is bigger than it
