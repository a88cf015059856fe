"""Widgets: compose the core, the renderer and the plots into things a learner moves.

Each loads on first use: the explorer is one anywidget (its view is
bpwidgets/static/explorer.js) and needs graphviz; the training view and the activation
explorer are ipywidgets and need matplotlib.
"""

LAZY = {"explore": ".explorer", "Explorer": ".explorer",
        "TrainingView": ".training", "ActivationExplorer": ".training"}


def __getattr__(name):
    from importlib import import_module
    if name in LAZY:
        return getattr(import_module(LAZY[name], __name__), name)
    raise AttributeError(f"module 'bpwidgets.widgets' has no attribute {name!r}")
