"""The ``fundsim`` entry point: a Ctrl-C while the heavy modules load ends cleanly (exit 130)."""

import sys


#: objects allocated between two young-generation garbage collections (Python's default: 700)
GC_YOUNG_THRESHOLD = 50_000


def main():
    # importing numpy, xarray, pydantic and numba and loading the cached kernels makes about
    # 200,000 long-lived objects: at Python's default thresholds that is 460 collections, three of
    # them over every object, 0.3 s of a 1,000-path `fundsim run`; at 50,000, six (0.1 s). Only
    # how often garbage is looked for changes, not what is collected.
    import gc

    young, middle, old = gc.get_threshold()
    if young:  # 0: the collector is off, left so
        gc.set_threshold(max(young, GC_YOUNG_THRESHOLD), max(middle, 20), old)
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: no output was written\n")
        sys.exit(130)
    cli_main()
