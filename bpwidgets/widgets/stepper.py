"""Walking the backward pass one gate at a time: what each position shows.

The explorer's step-through holds one number, its position: how many gates backward
has visited (0 = only the output's gradient 1 is known; ``count`` = all of them, the
last one highlighted; ``count + 1`` = the full picture, nothing highlighted). The page's
buttons (start, back, play, next, all) move it. What a position *means* (which nodes
are visited, which is highlighted, the caption) comes from ``at(steps, position)``, a
pure function.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class StepView:
    """What the picture shows at one position of the step-through."""
    visited: object       # gates already visited (None: all of them, the full picture)
    highlight: object     # the gate of the current step, or None
    caption: str


def done(count):
    """The full picture: every gate visited, nothing highlighted."""
    return StepView(None, None, f"All {count} gates visited: every gradient is known. "
                                "Press start to step through the backward pass.")


def at(steps, position):
    """The view after ``position`` of ``steps`` (from ``bp.backward_steps``)."""
    count = len(steps)
    if position > count:
        return done(count)
    if position == 0:
        return StepView(set(), None, "Backward starts at the output: df/df = 1.00. "
                                     "Press next to visit the first gate.")
    step = steps[position - 1]
    visited = {s.node for s in steps[:position]}
    return StepView(visited, step.node, f"Step {position} of {count}: {step.caption}")
