"""The widgets of the neural-network lessons: a net that trains live, and an activation explorer.

``TrainingView`` trains a 2-layer net on a toy data set while you watch: the loss
curve and the decision regions redraw in place (one ``Image`` whose PNG bytes are
replaced, so nothing flickers and the output never grows), and the gradient of any
parameter is shown as a heatmap. It composes the core (``nn.fit``, ``datasets``) with
the pictures (``plots``) and computes no maths itself::

    view = TrainingView(width=100, activation="relu", lr=1.0)
    view                 # in a notebook: the controls and the pictures
    view.step(100)       # train 100 epochs now (what the Step button does)

``ActivationExplorer`` moves a point along an activation with a slider and shows its
value and local gradient.
"""

import html
import math
import threading

import ipywidgets as widgets
import traitlets

from .. import datasets, nn, plots
from ..graph import is_number
from .guard import Guarded, error_html

MAX_PER_CLASS = 2000
"""The most points a class may have in the live view: every step trains on all of them
and draws them with the decision boundary, so 6,000 points (3 classes) keep a step of
50 epochs to about a second; the lessons use 100."""


class _Guarded(Guarded):
    """Errors show in the status line (the next drawing replaces them)."""

    def _show_error(self, error):
        self.status.value = error_html(error)


class TrainingView(widgets.VBox, _Guarded):
    """Train a 2-layer net on a 2-D data set, watching the loss and decision regions.

    Controls: data set, hidden width, activation, learning rate; buttons Step (train
    ``chunk`` epochs), Start / Stop (train in the background, up to ``run_epochs``),
    Reset. Changing the data set, width or activation starts a fresh model; the
    learning rate applies from the next step. ``step(n)`` trains synchronously.
    """

    def __init__(self, dataset="spiral", width=100, activation="relu", lr=1.0, reg=1e-3,
                 seed=0, n_per_class=100, chunk=50, run_epochs=1000):
        if not isinstance(dataset, str) or dataset not in datasets.DATASETS:
            raise ValueError(f"unknown data set {dataset!r}; choose one of "
                             + ", ".join(map(repr, datasets.DATASETS)))
        nn.get_activation(activation)
        width = datasets.whole_number(width, "width (hidden units)")
        if not 1 <= width <= 200:
            raise ValueError(f"width (hidden units) must be between 1 and 200, got {width!r}")
        if not (is_number(lr) and 1e-3 <= lr <= 10):
            raise ValueError(f"lr (the learning rate) must be between 0.001 and 10, got {lr!r}")
        self.reg = nn.check_reg(reg)
        self.seed = datasets.check_seed(seed)
        # checked now for every data set of the menu, which may switch to any of them
        # (moons takes 1 point a class, but the spiral then needs 2)
        self.n_per_class = datasets.check_menu_n_per_class(n_per_class)
        if self.n_per_class > MAX_PER_CLASS:
            raise ValueError(f"n_per_class must be at most {MAX_PER_CLASS:,} in a live view "
                             f"(each step trains on every point and draws them all), got "
                             f"{n_per_class!r}; bp.nn.fit trains on more")
        self.chunk = datasets.whole_number(chunk, "chunk (epochs per step)")
        self.run_epochs = datasets.whole_number(run_epochs, "run_epochs")
        self.history = {"loss": [], "accuracy": []}
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread = None

        style = {"description_width": "initial"}
        self.dataset = widgets.Dropdown(options=list(datasets.DATASETS), value=dataset,
                                        description="data")
        self.width = widgets.IntSlider(value=width, min=1, max=200, description="hidden units",
                                       continuous_update=False, style=style)
        self.activation = widgets.Dropdown(options=list(nn.ACTIVATIONS), value=activation,
                                           description="activation")
        self.lr = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=1, step=0.1,
                                         description="learning rate", readout_format=".3g",
                                         continuous_update=False, style=style)
        self.step_button = widgets.Button(description=f"Step {self.chunk}", icon="forward")
        self.start_button = widgets.Button(description="Start", icon="play",
                                           button_style="success")
        self.stop_button = widgets.Button(description="Stop", icon="stop", disabled=True)
        self.reset_button = widgets.Button(description="Reset", icon="undo")
        self.progress = widgets.IntProgress(value=0, min=0, max=self.run_epochs,
                                            description="run", style=style)
        self.status = widgets.HTML()
        natural = dict(align_self="flex-start")      # shown at their own size, not stretched
        self.image = widgets.Image(format="png", layout=widgets.Layout(**natural))
        self.layer = widgets.Dropdown(description="gradient of")
        self.gradient_image = widgets.Image(format="png", layout=widgets.Layout(**natural))

        for control in (self.dataset, self.width, self.activation):
            control.observe(lambda change: self._guard(self.reset), names="value")
        self._drawing = True
        self.layer.observe(self._on_layer, names="value")
        self.step_button.on_click(lambda b: self._guard(self.step))
        self.start_button.on_click(lambda b: self._guard(self.start))
        self.stop_button.on_click(lambda b: self._guard(self.stop))
        self.reset_button.on_click(lambda b: self._guard(self.reset))

        super().__init__(children=[
            widgets.HBox([self.dataset, self.activation]),
            widgets.HBox([self.width, self.lr]),
            widgets.HBox([self.step_button, self.start_button, self.stop_button,
                          self.reset_button, self.progress]),
            self.status, self.image,
            widgets.HBox([self.layer]), self.gradient_image])
        self.reset()

    def __repr__(self):
        return (f"TrainingView({self.dataset.value}, width={self.width.value}, "
                f"activation={self.activation.value!r}, lr={self.lr.value:.3g}, "
                f"epoch={self.epoch})")

    @property
    def epoch(self):
        return len(self.history["loss"])

    # -- the model and its data --
    def reset(self):
        """A fresh model (seeded) for the current data set, width and activation."""
        self.stop()
        with self._lock:
            self.X, self.y = datasets.DATASETS[self.dataset.value](
                n_per_class=self.n_per_class, seed=self.seed)
            n_classes = int(self.y.max()) + 1
            self.model = nn.MLP([2, self.width.value, n_classes],
                                activation=self.activation.value, seed=self.seed)
            self.history = {"loss": [], "accuracy": []}
            nn.loss_and_gradients(self.model, self.X, self.y, reg=self.reg)
            names = list(self.model.parameters)
            keep = self.layer.value if self.layer.value in names else names[0]
            if list(self.layer.options) != names:
                self._drawing = False       # the options change: no redraw until the end
                try:
                    self.layer.options = names
                    self.layer.value = keep
                finally:
                    self._drawing = True
            self.progress.value = 0
            self._draw()

    # -- training --
    def step(self, epochs=None):
        """Train ``epochs`` epochs (default: ``chunk``) now, then redraw.

        A step whose training diverges is undone (see ``_train``); the status says so."""
        epochs = self.chunk if epochs is None else epochs
        with self._lock:
            try:
                self._train(epochs)
            except FloatingPointError as error:
                self._show_error(error)
                raise
            self._draw()

    def _train(self, epochs):
        """Train ``epochs`` more epochs with ``nn.fit``, all or nothing: if the loss blows
        up, fit puts the weights back to where they were before, so the next step starts
        from a model that works rather than from weights of 1e6."""
        gradients = dict(self.model.gradients)
        try:
            more = nn.fit(self.model, self.X, self.y, epochs=epochs, lr=self.lr.value,
                          reg=self.reg, seed=self.seed)
        except nn.Diverged as error:
            self.model.gradients = gradients
            raise FloatingPointError(
                f"in this step of {epochs} epochs, {error.counted_from(self.epoch)}. The step "
                f"is undone: the weights are back to where they were before it (epoch "
                f"{self.epoch})") from None
        for key in self.history:
            self.history[key].extend(more[key])

    def start(self):
        """Train in a background thread until ``run_epochs`` more epochs, or Stop."""
        if self.running:
            return
        self._stop.clear()
        self.progress.value = 0
        self._set_running(True)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        try:
            done = 0
            while done < self.run_epochs and not self._stop.is_set():
                n = min(self.chunk, self.run_epochs - done)
                with self._lock:
                    self._train(n)
                    done += n
                    self.progress.value = done
                    self._draw()          # one frame per chunk: drawing sets the pace
        except Exception as error:          # noqa: BLE001 (shown in the widget)
            self._show_error(error)
        finally:
            self._set_running(False)

    def stop(self):
        """Ask a background run to stop, and wait for it."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._thread = None

    def wait(self, timeout=None):
        """Wait for a background run to finish (for scripts and tests): at most
        ``timeout`` seconds, or until it ends (None)."""
        if timeout is not None and not (is_number(timeout) and 0 <= timeout < math.inf):
            raise ValueError(f"timeout must be a number of seconds >= 0, or None to wait "
                             f"until the run ends, got {timeout!r}")
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def _set_running(self, running):
        self.start_button.disabled = running
        self.step_button.disabled = running
        self.stop_button.disabled = not running

    # -- pictures --
    def _draw(self):
        # Render both pictures first, then swap them in one after the other with the
        # status line, so the kernel never holds pictures of different epochs. (The page
        # gets three messages and may paint them a moment apart.)
        picture = plots.figure_png(plots.training_figure(self.model, self.X, self.y,
                                                         self.history))
        gradient = self._gradient_png()
        if self.history["loss"]:
            status = (f"epoch {self.epoch}: loss {self.history['loss'][-1]:.4g}, "
                      f"train accuracy {100 * self.history['accuracy'][-1]:.1f}%")
        else:
            status = f"{self.model}: not trained yet"
        self.image.value = picture
        if gradient is not None:
            self.gradient_image.value = gradient
        self.status.value = status

    def _gradient_png(self):
        name = self.layer.value
        if name not in self.model.gradients:
            return None
        return plots.figure_png(plots.gradient_heatmap(self.model.gradients[name], name))

    def _on_layer(self, change):
        if self._drawing:
            self._guard(self._draw_gradient)

    def _draw_gradient(self):
        gradient = self._gradient_png()
        if gradient is not None:
            self.gradient_image.value = gradient


class ActivationExplorer(widgets.VBox, _Guarded):
    """Slide a point along an activation: its value, local gradient and tangent.

    The gradient comes from the engine (forward, then backward through the gate). Watch
    sigmoid's gradient vanish as |x| grows, and ReLU's be exactly zero for x < 0.
    """

    def __init__(self, activation="sigmoid", x=0.0, x_range=(-8.0, 8.0)):
        nn.get_activation(activation)
        x_range = _slider_range(x_range, "x_range")
        if not is_number(x):
            raise TypeError(f"x must be a number (the point on the activation), got {x!r}")
        if not x_range[0] <= x <= x_range[1]:
            raise ValueError(f"x must be a number within x_range {x_range} (the slider "
                             f"cannot show {x!r}); widen x_range, e.g. x_range=(-15, 15)")
        self.x_range = x_range
        self.activation = ActivationMenu(options=list(nn.ACTIVATIONS), value=activation,
                                         description="activation")
        self.x = PointSlider(value=x, min=x_range[0], max=x_range[1], step=0.1,
                             description="x", readout_format=".1f")
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(align_self="flex-start"))
        for control in (self.activation, self.x):
            control.observe(lambda change: self._guard(self._draw), names="value")
        super().__init__(children=[widgets.HBox([self.activation, self.x]),
                                   self.status, self.image])
        self._draw()

    def __repr__(self):
        return f"ActivationExplorer({self.activation.value!r}, x={self.x.value:g})"

    def _draw(self):
        name, x = self.activation.value, self.x.value
        value, grad = (float(v) for v in nn.activation_curve(name, x))
        self.value, self.gradient = value, grad
        self.image.value = plots.figure_png(plots.activation_point(name, x, self.x_range))
        self.status.value = (f"{html.escape(name)}({x:.4g}) = {value:.4f}; local gradient "
                             f"{grad:.4f}: {html.escape(plots.gradient_note(name, grad))}")


class ActivationMenu(widgets.Dropdown):
    """The explorer's activation menu: a name set from code that is not on it is refused
    naming the ones that are (a Dropdown says only "Invalid selection: value not found")."""

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        try:
            return super()._validate_value(proposal)
        except traitlets.TraitError:
            raise traitlets.TraitError(
                f"activation {proposal['value']!r} is not one of "
                f"{', '.join(map(repr, self.options))}") from None


class PointSlider(widgets.FloatSlider):
    """The explorer's x slider. A value set from code outside its range is refused with a
    clear error: a FloatSlider moves it to the end of the range without a word, and
    ``probe.x.value = 10`` on a slider to 8 gave sigmoid's numbers at 8 beside a
    student's x = 10."""

    @traitlets.validate("value")
    def _validate_value(self, proposal):
        value = proposal["value"]
        if not self.min <= value <= self.max:
            raise traitlets.TraitError(
                f"x = {value:g} is outside this explorer's x_range ({self.min:g}, "
                f"{self.max:g}), and the slider cannot show it: make one with a wider "
                f"range, e.g. bp.ActivationExplorer(x_range=(-15, 15))")
        return value


def _slider_range(given, name):
    """(low, high) as floats with low < high, both finite, or a clear error."""
    try:
        low, high = (float(v) for v in given)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be (low, high), two numbers, got {given!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{name} must be (low, high) with low < high, got {given!r}")
    return low, high
