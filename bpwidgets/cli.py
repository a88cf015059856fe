"""The command line: gradients as JSON, and pictures of graphs.

    bpwidgets grad "(x + y) * z" x=-2 y=5 z=-4
    {"value": -12.0, "grads": {"x": -4.0, "y": -4.0, "z": 3.0}}

    bpwidgets render "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))" \
        w0=2 x0=-1 w1=-3 x1=-2 w2=-3 -o sigmoid.svg

A name ending in .html writes one self-contained page with live sliders (``bp.write_page``).

Values are read with ``json.loads`` (never eval): ``x=2``, ``x=[1, 2]``,
``W=[[1, 2], [3, 4]]``. Errors print one line, ``bpwidgets: error: ...``, to stderr
and exit with status 1.
"""

import argparse
import json
import pathlib
import sys

import numpy as np

EXAMPLES = """\
examples:
  bpwidgets grad "(x + y) * z" x=-2 y=5 z=-4
  bpwidgets grad "sum((W @ x)**2)" "W=[[0.1, 0.5], [-0.3, 0.8]]" "x=[0.2, 0.4]"
  bpwidgets render "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))" w0=2 x0=-1 w1=-3 x1=-2 w2=-3 -o sigmoid.svg
  bpwidgets render "x*x + x" x=3 -o fanout.png --show-local
  bpwidgets render "2*(x*y + max(z, w))" x=3 y=-4 z=2 w=-1 -o slide.pdf --show-flow
  bpwidgets render "(x + y) * z" x=-2 y=5 z=-4 -o graph.html     # live sliders, no kernel

Values are JSON: numbers, or nested lists for arrays (quote them for the shell).
An expression that starts with '-' goes after '--':  bpwidgets grad -- "-x*y" x=1 y=2
"""


class UsageError(ValueError):
    """A command line we cannot read."""


def read_assignments(items):
    """['x=-2', 'W=[[1, 2], [3, 4]]'] -> {'x': -2, 'W': [[1, 2], [3, 4]]} via json.loads."""
    values = {}
    for item in items:
        name, equals, text = item.partition("=")
        name = name.strip()
        if not equals or not name:
            raise UsageError(f"expected NAME=VALUE (like x=-2 or x=[1,2]), got {item!r}")
        if name in values:
            raise UsageError(f"input {name!r} is given twice")
        try:
            values[name] = json.loads(text)
        except json.JSONDecodeError:
            raise UsageError(f"cannot read the value of {name}: {text!r} is not a number "
                             "or a JSON list like [1, 2]") from None
    return values


def plain(value):
    """A float or a nested list: what JSON can hold."""
    return value.tolist() if isinstance(value, np.ndarray) else float(value)


def run(expression, assignments, backward=True):
    """Parse, forward, and (for a scalar output) backward: -> (graph, value, grads)."""
    from .parse import parse
    graph = parse(expression)
    value = graph.forward(**read_assignments(assignments))
    grads = None
    if backward:
        if np.ndim(value) != 0:
            raise UsageError(f"the output has shape {np.shape(value)}; gradients need a "
                             "scalar output: wrap the expression in sum(...)")
        grads = graph.backward()
    return graph, value, grads


def grad_command(args):
    _, value, grads = run(args.expression, args.values)
    print(json.dumps({"value": plain(value),
                      "grads": {name: plain(g) for name, g in grads.items()}}))


def output_suffix(output):
    """'.svg', '.png', '.pdf' or '.html': what the file name given to -o ends in, checked."""
    from .render.files import WRITERS, one_of
    name = pathlib.PurePath(output).name
    suffix = name[name.rfind("."):].lower() if "." in name else ""
    if suffix not in [*WRITERS, ".html"]:
        raise UsageError(f"cannot write {output!r}: the file name must end in "
                         f"{one_of([*WRITERS, '.html'])}")
    if name.lower() == suffix:        # '.svg' alone: a hidden file with no name, not a picture
        raise UsageError(f"cannot write {output!r}: the file needs a name before "
                         f"{suffix}, like graph{suffix}")
    return suffix


def render_command(args):
    from .render import write
    suffix = output_suffix(args.output)
    graph, value, _ = run(args.expression, args.values, backward=False)
    if suffix == ".html":
        from .page import write_page
        if np.ndim(value) != 0:
            raise UsageError(f"the output has shape {np.shape(value)}; a live page needs a "
                             "scalar output: wrap the expression in sum(...)")
        if args.show_flow:
            raise UsageError("--show-flow is for pictures (.svg, .png, .pdf); the page has "
                             "a 'flow roles' toggle of its own")
        write_page(graph, args.output, show_local=args.show_local, decimals=args.decimals,
                   **{name: graph.inputs[name].value for name in graph.inputs})
        print(f"wrote {args.output}")
        return
    if np.ndim(value) == 0:
        graph.backward()
    else:
        print(f"bpwidgets: note: the output has shape {np.shape(value)}, so the picture "
              "shows forward values only", file=sys.stderr)
    write(graph, args.output, show_local=args.show_local, show_flow=args.show_flow,
          decimals=args.decimals)
    print(f"wrote {args.output}")


def make_parser():
    parser = argparse.ArgumentParser(
        prog="bpwidgets", description="Backpropagation through a computational graph: "
        "gradients as JSON, or a picture in the lecture's look.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    grad = commands.add_parser(
        "grad", help="print the output value and every input's gradient as JSON",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    render = commands.add_parser(
        "render", help="draw the graph after forward and backward (.svg, .png or .pdf), or "
                       "write a page with live sliders (.html)",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    for command in (grad, render):
        command.add_argument("expression", help='an expression such as "(x + y) * z"')
        command.add_argument("values", nargs="*", metavar="NAME=VALUE",
                             help="a value for every input: x=-2, x=[1,2], W=[[1,2],[3,4]]")
    render.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="where to write the picture: FILE.svg, FILE.png, FILE.pdf or "
                             "FILE.html")
    render.add_argument("--show-local", action="store_true",
                        help="also show each edge's local gradient")
    render.add_argument("--show-flow", action="store_true",
                        help="write each gate's role in backward flow under it (add "
                             "distributes, mul swaps, ...)")
    render.add_argument("--decimals", type=int, default=2,
                        help="places after the point in the numbers, 0 to 6 (default 2)")
    grad.set_defaults(handler=grad_command)
    render.set_defaults(handler=render_command)
    return parser


def main(argv=None):
    """Run the command line; returns the exit status (0 ok, 1 error, 2 usage)."""
    args = make_parser().parse_args(argv)
    try:
        args.handler(args)
    except Exception as error:     # every failure becomes one line, never a traceback
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        print(f"bpwidgets: error: {message}", file=sys.stderr)
        return 1
    return 0
