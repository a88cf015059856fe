"""Widgets: compose the core, the renderer and the plots with ipywidgets.

Each loads on first use: the explorer needs ipywidgets and graphviz, the training view
ipywidgets and matplotlib.
"""

LAZY = {"explore": ".explorer", "Explorer": ".explorer",
        "TrainingView": ".training", "ActivationExplorer": ".training"}


def __getattr__(name):
    from importlib import import_module
    if name in LAZY:
        return getattr(import_module(LAZY[name], __name__), name)
    raise AttributeError(f"module 'bpwidgets.widgets' has no attribute {name!r}")
