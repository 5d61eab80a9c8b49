"""The ``fundsim`` entry point: a Ctrl-C while the heavy modules load ends cleanly (exit 130)."""

import sys


def main():
    try:
        from .cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("interrupted: no output was written\n")
        sys.exit(130)
    cli_main()
