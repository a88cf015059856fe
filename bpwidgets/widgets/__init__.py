"""Widgets: compose the core, the renderer and the plots with ipywidgets."""

from .training import ActivationExplorer, TrainingView
from .explorer import Explorer, explore
