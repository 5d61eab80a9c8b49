"""Progress bars that fit where the user is: a widget in Jupyter, a bar on a terminal, nothing in logs.

``progress_bar(total, desc)`` returns a tqdm bar (``tqdm.auto`` in a notebook kernel, plain tqdm on a
terminal) or, where neither applies (stderr redirected to a file, a CI log, ``enabled=False``), a
silent object with the same ``update``/``close`` methods, so callers never branch on it. Writing bars
into a non-terminal log would fill it with carriage-return noise, which is why the default is off there.
"""

from __future__ import annotations

import os
import sys


def in_notebook() -> bool:
    """True inside a Jupyter kernel (an IPython ZMQ shell), where a widget is the right display."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    try:
        shell = ipython.get_ipython()
    except Exception:  # an IPython too old or half-imported: treat as no notebook
        return False
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _has_widgets() -> bool:
    """Whether ipywidgets (the ``[notebooks]`` extra) can draw a progress widget."""
    import importlib.util

    return importlib.util.find_spec("ipywidgets") is not None


def _stream_is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # closed or replaced stream
        return False


def wants_progress(stream=None) -> bool:
    """Whether to show progress by default: in a notebook, or when ``stream`` (stderr) is a terminal.

    ``FUNDSIM_PROGRESS=0`` turns it off everywhere, ``=1`` forces it on (a bar into the stream).
    """
    forced = os.environ.get("FUNDSIM_PROGRESS", "").strip()
    if forced in ("0", "false", "no", "off"):
        return False
    if forced in ("1", "true", "yes", "on"):
        return True
    return in_notebook() or _stream_is_terminal(stream if stream is not None else sys.stderr)


class _Silent:
    """The no-display stand-in: same methods as a tqdm bar, does nothing."""

    n = 0

    def update(self, n=1):
        self.n += n

    def set_postfix_str(self, *args, **kwargs):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def progress_bar(total: int, desc: str, unit: str = "path", enabled: bool | None = None, file=None, initial: int = 0):
    """A progress bar for ``total`` units of work (paths, variants).

    enabled : None (default) shows it where :func:`wants_progress` says; True always; False never.
    file : the stream for a terminal bar (default stderr); ignored by the notebook widget.
    """
    if enabled is None:
        enabled = wants_progress(file)
    if not enabled:
        return _Silent()
    if in_notebook() and _has_widgets():
        from tqdm.auto import tqdm as bar_class  # a widget
    else:
        # a terminal, or a notebook without ipywidgets (tqdm.auto would warn 'IProgress not found'
        # and print nothing useful): the text bar, which a notebook shows in the cell's output
        from tqdm.std import tqdm as bar_class
    return bar_class(total=total, desc=desc, unit=unit, file=file if file is not None else sys.stderr,
                     initial=initial, leave=True, dynamic_ncols=True, mininterval=0.5)


def callback_bar(total: int, desc: str, unit: str = "path", enabled: bool | None = None, file=None):
    """A ``progress(done, total)`` callback (the API's progress protocol) drawing a bar, and the bar.

    Returns ``(callback, bar)``; close the bar when the work ends (``bar.close()``).
    """
    bar = progress_bar(total, desc, unit=unit, enabled=enabled, file=file)

    def callback(done, _total=None):
        step = done - bar.n
        if step > 0:
            bar.update(step)

    return callback, bar
