"""Where a sweep runs: the session's dask client, a configured scheduler, a local cluster, this
process or a plain loop (:class:`_Executor`); the dashboard link and the progress shown where the
user is (:class:`_Progress`)."""

from __future__ import annotations

import contextlib
import math
import os
import secrets
import sys
import threading
import time

from ..errors import EXIT_FAILURE
from .common import SweepError, _cores


@contextlib.contextmanager
def _sigint_held():
    """While a local dask cluster starts.

    Ctrl-C sends SIGINT to the terminal's whole process group, dask's worker processes included:
    each would print a traceback (``KeyboardInterrupt`` in its event loop, "Nanny failed to
    start") while this process closes the cluster anyway. So SIGINT is blocked in this thread
    here: the threads started meanwhile (the cluster's event loop) inherit the blocked mask, and
    so does every worker process they spawn, now or later, for its whole life (a blocked signal
    stays blocked across fork and exec; SIGTERM and SIGKILL, which close workers, are not
    affected). In this process, a Ctrl-C meanwhile is recorded (in ``pending``) instead of
    raised, so that the cluster is never left half started; the caller then closes it and
    raises ``KeyboardInterrupt``.
    """
    import signal

    pending = []
    handler = None
    if threading.current_thread() is threading.main_thread():
        try:
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                handler = signal.signal(signal.SIGINT, lambda signum, frame: pending.append(signum))
        except (ValueError, OSError):  # pragma: no cover - an embedding without signals
            handler = None
    mask = None
    if hasattr(signal, "pthread_sigmask"):
        # multiprocessing's resource tracker unblocks SIGINT in the thread that first starts it:
        # start it here, not in the cluster's event loop
        from multiprocessing import resource_tracker
        resource_tracker.ensure_running()
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield pending
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if handler is not None:
            signal.signal(signal.SIGINT, handler)


def _session_client():
    """The dask ``distributed.Client`` this process already has (``default_client()``), or None.

    Only looked for when ``distributed`` is imported: a session without it has no client."""
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    try:
        client = distributed.default_client()
    except (ValueError, AttributeError):  # no client (ValueError), an odd distributed build
        return None
    if getattr(client, "status", "running") not in ("running", "connecting", "newly-created"):
        return None
    return client


def _configured_scheduler() -> str | None:
    """The scheduler address dask is configured with (``scheduler-address`` in dask's config,
    which ``DASK_SCHEDULER_ADDRESS`` sets), or None."""
    try:
        import dask

        address = dask.config.get("scheduler-address", None) or dask.config.get("scheduler_address", None)
    except ImportError:  # pragma: no cover - a dependency
        address = None
    return address or os.environ.get("DASK_SCHEDULER_ADDRESS") or None


def _say_dashboard(executor, bar, stream):
    """Print the dashboard link where progress is shown (a notebook cell, a terminal), never into
    a log (whose lines the interruption and resume messages are read from)."""
    link = executor.dashboard_link
    if not link or not bar.interactive:
        return
    from ..progress import in_notebook

    text = f"dask dashboard: {link}"
    if in_notebook():
        print(text)  # into the cell's output, above the widget
    else:
        out = stream if stream is not None else sys.stderr
        out.write(f"  {text}\n")
        out.flush()


class _Executor:
    """Runs task functions on dask (a local cluster, this process, or a given scheduler) or in a
    plain loop, and yields their results as they finish."""

    def __init__(self, scheduler=None, workers=None, threads_per_worker=None):
        self.existing = None  # a Client of the caller's session: used, never closed here
        if scheduler is None:
            self.existing = _session_client()
            if self.existing is not None:
                scheduler = "client"
            else:
                scheduler = _configured_scheduler() or "local"
        self.mode = scheduler if scheduler in ("local", "threads", "sync", "client") else "address"
        self.address = scheduler if self.mode == "address" else None
        cores = _cores()
        if self.mode == "local":
            self.workers = int(workers or cores)
            self.threads = int(threads_per_worker or max(1, cores // self.workers))
        elif self.mode in ("threads", "sync"):
            if workers not in (None, 1):
                raise SweepError(f"--workers {workers} needs a cluster; --scheduler {self.mode} runs in this process")
            self.workers = 1
            self.threads = int(threads_per_worker or cores)
        else:
            if workers is not None:
                raise SweepError("workers= (--workers) does not apply to an existing cluster (its size is the "
                                 "cluster's); pass scheduler='local' for a new local cluster of that size")
            self.workers = None
            self.threads = threads_per_worker  # None: each worker's own thread count
        self._threads_given = threads_per_worker is not None
        self.client = self.cluster = None

    def limit(self, n_tasks: int):
        """No more local workers than tasks (their numba threads follow, unless given)."""
        if self.mode == "local" and n_tasks and self.workers > n_tasks:
            self.workers = int(n_tasks)
            if not self._threads_given:
                self.threads = max(1, _cores() // self.workers)

    @property
    def dashboard_link(self) -> str | None:
        """The dashboard of the cluster in use (None without one, or when it serves none)."""
        if self.client is None:
            return None
        try:
            return self.client.dashboard_link or None
        except Exception:  # no dashboard (bokeh missing, dashboard_address=None): nothing to show
            return None

    def describe(self) -> str:
        if self.mode == "client":
            n = len(self.client.scheduler_info().get("workers", {})) if self.client else "?"
            where = getattr(getattr(self.client, "scheduler", None), "address", None) or "?"
            return f"the session's dask client at {where} ({n} workers)"
        if self.mode == "address":
            n = len(self.client.scheduler_info().get("workers", {})) if self.client else "?"
            return f"dask cluster at {self.address} ({n} workers)"
        where = {"local": "local dask cluster", "threads": "dask in this process", "sync": "this process, no dask"}
        w = self.workers
        return f"{w} worker{'s' if w != 1 else ''} x {self.threads} thread{'s' if self.threads != 1 else ''} ({where[self.mode]})"

    def __enter__(self):
        if self.mode == "sync":
            return self
        if self.mode == "client":
            self.client = self.existing
            return self
        try:
            import logging

            from distributed import Client, LocalCluster
        except ImportError as e:  # pragma: no cover - a dependency
            raise SweepError(f"sweeps run on dask: pip install 'dask[distributed]' ({e})", EXIT_FAILURE) from None
        if self.mode == "address":
            try:
                self.client = Client(self.address, timeout="20s")
            except (OSError, TimeoutError) as e:
                raise SweepError(f"cannot reach the dask scheduler at {self.address}: {e}", EXIT_FAILURE) from None
            return self
        with _sigint_held() as pending:
            try:
                # the workers' own log lines are not the user's messages: a task's error reaches the
                # sweep as its exception, and on Ctrl-C a worker whose scheduler went first logs a
                # heartbeat ERROR (a race seen in CI) that would break the one-line message
                self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                            processes=self.mode == "local", silence_logs=logging.CRITICAL,
                                            dashboard_address=":0")
                self.client = Client(self.cluster)
            except BaseException:
                self.close()
                raise
        if pending:  # Ctrl-C while the cluster started: now that it is whole, close it and stop
            self.close()
            raise KeyboardInterrupt
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        import io
        import logging

        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        with contextlib.redirect_stderr(io.StringIO()):
            # closing is best effort: a cluster that is already gone has nothing left to close;
            # the caller's own client stays open for them
            if self.client is not None and self.client is not self.existing:
                with contextlib.suppress(Exception):
                    self.client.close(timeout=10)
            if self.cluster is not None:
                with contextlib.suppress(Exception):
                    self.cluster.close(timeout=10)
        self.client = self.cluster = None

    def run(self, fn, arglist):
        """Yield ``fn(*args)`` for each args in ``arglist``, in the order they finish."""
        if self.mode == "sync":
            for args in arglist:
                yield fn(*args)
            return
        from distributed import as_completed

        token = secrets.token_hex(4)
        futures = [self.client.submit(fn, *args, key=f"fundsim-{fn.__name__.strip('_')}-{token}-{i}", pure=False)
                   for i, args in enumerate(arglist)]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        finally:
            pending = [f for f in futures if not f.done()]
            if pending:
                with contextlib.suppress(Exception):  # best effort: the cluster may be gone already
                    self.client.cancel(pending)


class _Progress:
    """Progress of a sweep or a sensitivity analysis, shown where the user is.

    * ``callback(done, total)`` is called after each block when given (the API's protocol);
    * with a ``stream`` (the command line passes stderr): a tqdm bar when the stream is a
      terminal, else (a log file, a CI log, a pipe) a plain line at every tenth of the work and at
      the end, ``  120/1,000 variants  31.2 s elapsed, ETA 228.8 s``, never carriage returns;
    * without one (the Python API): :func:`simulator.progress.progress_bar` decides, so a
      notebook shows a widget, a terminal a bar, and a script writing into a log nothing.

    ``FUNDSIM_PROGRESS=0`` or ``stream=False`` silences both displays (the callback is still called).
    """

    def __init__(self, total, done_before, callback=None, stream=None, unit="variant", desc="sweep"):
        from ..progress import progress_bar, wants_progress

        self.total, self.before, self.done = total, done_before, done_before
        self.callback, self.stream, self.unit = callback, None, unit
        self.t0 = time.perf_counter()
        self.bar = None
        off = os.environ.get("FUNDSIM_PROGRESS", "").strip().lower() in ("0", "false", "no", "off")
        if off or stream is False:  # silenced, or no display asked for (--quiet)
            return
        if stream is not None and not wants_progress(stream):
            self.stream = stream  # a log: a few plain lines
            self._every = max(1, math.ceil(total / 10))
            self._next = done_before + self._every
        else:
            self.bar = progress_bar(total, desc, unit=unit, enabled=True if stream is not None else None,
                                    file=stream, initial=done_before)

    @property
    def interactive(self) -> bool:
        """Whether a bar or widget is shown (a terminal or a notebook), not a log."""
        from ..progress import _Silent

        return self.bar is not None and not isinstance(self.bar, _Silent)

    def step(self, n):
        self.done += n
        if self.callback is not None:
            self.callback(self.done, self.total)
        if self.bar is not None:
            self.bar.update(n)
            if self.done >= self.total:
                self.close()
        elif self.stream is not None and (self.done >= self._next or self.done >= self.total):
            self._next = self.done + self._every
            el = time.perf_counter() - self.t0
            new = self.done - self.before
            eta = el / new * (self.total - self.done) if new else float("nan")
            self.stream.write(f"  {self.done:,}/{self.total:,} {self.unit}s  {el:6.1f} s elapsed, ETA {eta:6.1f} s\n")
            self.stream.flush()

    def close(self):
        if self.bar is not None:
            self.bar.close()
