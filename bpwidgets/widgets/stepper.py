"""Controls for walking the backward pass one gate at a time.

``StepControls`` holds one number, ``position``: how many gates backward has visited
(0 = only the output's gradient 1 is known; ``count`` = all of them, the last one
highlighted; ``count + 1`` = the full picture, nothing highlighted).
A Play widget runs through the positions; buttons step back, step forward, go to the
start and show everything. What a position *means* (which nodes are visited, which is
highlighted, the caption) comes from ``at(steps, position)``, a pure function.
"""

from dataclasses import dataclass

import ipywidgets as widgets


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


class StepControls(widgets.HBox):
    """start, back, [Play], next, all: the position in the backward pass, 0..count + 1."""

    def __init__(self, count, interval=1200):
        self.play = widgets.Play(value=count + 1, min=0, max=count + 1, step=1,
                                 interval=interval,
                                 description="play the backward pass", show_repeat=False,
                                 layout=widgets.Layout(width="auto"))
        self.start = _button("start", "fast-backward", "back to the output: no gate visited")
        self.back = _button("back", "step-backward", "one gate back")
        self.forward = _button("next", "step-forward", "visit the next gate")
        self.end = _button("all", "fast-forward", "show every gradient")
        self.start.on_click(lambda _: self.go(0))
        self.back.on_click(lambda _: self.go(self.position - 1))
        self.forward.on_click(lambda _: self.go(self.position + 1))
        self.end.on_click(lambda _: self.go(self.count + 1))
        label = widgets.HTML("<b>backward, gate by gate:</b>")
        super().__init__([label, self.start, self.back, self.play, self.forward, self.end],
                         layout=widgets.Layout(align_items="center", flex_flow="row wrap"))

    @property
    def position(self):
        return self.play.value

    @property
    def count(self):
        """The number of gates to visit."""
        return self.play.max - 1

    def go(self, position):
        """Move to ``position`` (clamped to 0..count + 1)."""
        self.play.value = min(max(int(position), 0), self.play.max)

    def reset(self, count):
        """A new graph (collapsed or expanded): ``count`` gates, showing all of them."""
        with self.play.hold_trait_notifications():
            self.play.max = count + 1
            self.play.value = count + 1

    def observe_position(self, callback):
        self.play.observe(lambda change: callback(), names="value")


def _button(text, icon, tooltip):
    return widgets.Button(description=text, icon=icon, tooltip=tooltip,
                          layout=widgets.Layout(width="auto"))
