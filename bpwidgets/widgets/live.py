"""What the explorer's page needs to draw a graph and repaint it without Graphviz.

``picture(graph, template)`` turns a laid-out ``SvgTemplate`` into JSON for the view
(bpwidgets/static/explorer.js): the SVG with a placeholder in every slot (``~7~`` where
slot 7's number goes, ``#fe0003`` where the 4th colour goes) and, for each slot, which
node or edge of the graph it shows, by index, so the browser's engine can fill it::

    ["value", 3, 1, 4]         # edge 3 (engine.js numbering), from node n1 into node n4
    ["out_grad", 9]            # the output node n9
    ["total", 0, [2, 5]]       # input n0's summed gradient, known once n2 and n5 are visited

``slider_spec`` describes one slider: a grid of positions through its starting value.
"""

import numpy as np

from ..render.dot import PICTURE_MIN_SCALE
from ..render.picture import natural_width
from ..render.template import COLOUR_KINDS
from . import slider_grid

EDGE_KINDS = {"value", "local", "grad", "grad_colour"}
NODE_KINDS = {"out_value", "out_grad", "out_grad_colour", "fill", "stroke"}
TOTAL_KINDS = {"total", "total_colour"}


def picture(graph, template):
    """{svg, slots, colours, decimals, width, min_scale}: the template as the view reads it."""
    head = template.parts[0]
    pieces = [head[head.index("<svg"):]]               # without the XML prolog
    colours = []
    for k, (slot, part) in enumerate(zip(template.slots, template.parts[1:])):
        if slot.kind in COLOUR_KINDS:     # at most 0x10000 (SvgTemplate refuses more)
            pieces.append(f"#fe{len(colours):04x}")
            colours.append(k)
        else:
            pieces.append(f"~{k}~")
        pieces.append(part)
    edge_numbers = engine_edges(graph)
    return {"svg": "".join(pieces),
            "slots": [slot_refs(graph, slot, edge_numbers) for slot in template.slots],
            "colours": colours, "decimals": template.decimals,
            "width": round(natural_width(head)), "min_scale": PICTURE_MIN_SCALE}


def engine_edges(graph):
    """{(target index, input position): edge number}, numbered as engine.js numbers them:
    gate by gate in topological order, each gate's inputs in order."""
    numbers = {}
    for k, node in enumerate(graph.nodes):
        for position in range(len(node.inputs)):
            numbers[(k, position)] = len(numbers)
    return numbers


def slot_refs(graph, slot, edge_numbers):
    """One slot as JSON: its kind and the indices of what it shows."""
    index = graph.index
    if slot.kind in EDGE_KINDS:
        edge = slot.ref
        target = index[edge.target]
        return [slot.kind, edge_numbers[(target, edge.index)], index[edge.source], target]
    if slot.kind in NODE_KINDS:
        return [slot.kind, index[slot.ref]]
    if slot.kind in TOTAL_KINDS:
        return [slot.kind, index[slot.ref.node], [index[t] for t in slot.ref.consumers]]
    raise ValueError(f"unknown slot kind {slot.kind!r}")


def slider_spec(label, value, bounds):
    """One slider: positions 0..``positions`` on the grid ``(min, max, step)``, which passes
    through ``value`` at position ``k0`` (``slider_grid.grid`` makes such a grid)."""
    low, high, step = bounds
    return {"label": label, "min": low, "max": high, "step": step,
            "places": max(2, slider_grid.places(step)), "origin": float(value),
            "k0": int(round((value - low) / step)),
            "positions": int(round((high - low) / step))}


def entries(name, value):
    """(label, index) of each slider of an input: one for a scalar, one per entry of a
    small array ('W[0,1]')."""
    if np.ndim(value) == 0:
        return [(name, None)]
    return [(f"{name}[{','.join(map(str, index))}]", index) for index in np.ndindex(value.shape)]
