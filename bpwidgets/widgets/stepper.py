"""Walking the backward pass one gate at a time: what each position shows.

The explorer's step-through holds one number, its position: how many gates backward
has visited (0 = only the output's gradient 1 is known; ``count`` = all of them, the
last one highlighted; ``count + 1`` = the full picture, nothing highlighted). The page's
buttons (start, back, play, next, all) move it. What a position *means* (which nodes
are visited, which is highlighted, the caption) comes from ``at(steps, position)``, a
pure function.
"""

from dataclasses import dataclass

from ..labels import format_number
from ..steps import caption_places


@dataclass(frozen=True)
class StepView:
    """What the picture shows at one position of the step-through."""
    visited: object       # gates already visited (None: all of them, the full picture)
    highlight: object     # the gate of the current step, or None
    caption: str


def done(count):
    """The full picture: every gate visited, nothing highlighted."""
    return StepView(None, None, f"All {count} gates visited: every gradient is known. "
                                "Press next (or start) to step through the backward pass.")


def at(steps, position, decimals=2):
    """The view after ``position`` of ``steps`` (from ``bp.backward_steps``); ``decimals``
    as the steps' (the start writes df/df = 1 with as many places, two at least)."""
    count = len(steps)
    if position > count:
        return done(count)
    if position == 0:
        one = format_number(1.0, caption_places(decimals))
        return StepView(set(), None, f"Backward starts at the output: df/df = {one}. "
                                     "Press next to visit the first gate.")
    step = steps[position - 1]
    visited = {s.node for s in steps[:position]}
    return StepView(visited, step.node, f"Step {position} of {count}: {step.caption}")


def page_steps(graph, steps, decimals=2):
    """The step-through as a page with no kernel runs it (explorer.js): per step, the
    gate's node index, its symbol and its drawn input edges, as (edge index, the input's
    text, the input's node index); per input used by more than one gate, the edges whose
    gradients add up there; the words for the start and the end; and the places the
    captions write numbers with (``steps.caption_places``). The numbers come
    from the page's own engine, so they follow the sliders; the words follow Python's
    captions (without the formulas of the local gradients, which only Python writes)."""
    edge_index = {(edge.target, edge.index): e for e, edge in enumerate(graph.edges)}
    index = graph.index
    forks = {index[source]: [edge_index[edge.target, edge.index] for edge in edges]
             for source, edges in graph.consumers.items() if len(edges) > 1}
    return {
        "page_steps": [{"node": index[step.node], "symbol": step.symbol,
                        "edges": [[edge_index[step.node, e.index], e.source_text,
                                   index[e.source]] for e in step.edges]}
                       for step in steps],
        "page_forks": {str(k): edges for k, edges in forks.items()},
        "page_words": {"start": at(steps, 0, decimals).caption,
                       "done": done(len(steps)).caption},
        "page_places": caption_places(decimals),
    }
