"""Callbacks that fail show their error in the widget, and the widget keeps working.

A slider callback that raises would otherwise print to a log nobody sees, and the
picture would silently stop following the sliders (STYLE principle 13).
"""

import html

ERROR_STYLE = "color:#b03a2e;border-left:3px solid #b03a2e;padding:2px 8px"


def error_html(error, note=""):
    """An error as a short red block: its kind, its message, and what to do next."""
    text = html.escape(f"{type(error).__name__}: {error}")
    return (f"<div style='{ERROR_STYLE}'><b>Could not update:</b> {text}"
            + (f"<br>{html.escape(note)}" if note else "") + "</div>")


class Guarded:
    """Mixin: ``self._guard(fn, *args)`` runs ``fn``; an error goes to ``_show_error``,
    and the next success calls ``_clear_error``. Subclasses say where errors show."""

    error = ""

    def _guard(self, fn, *args):
        try:
            fn(*args)
        except Exception as error:          # noqa: BLE001 (shown to the learner)
            self.error = f"{type(error).__name__}: {error}"
            self._show_error(error)
        else:
            if self.error:
                self.error = ""
                self._clear_error()

    def _show_error(self, error):
        raise NotImplementedError

    def _clear_error(self):
        pass
