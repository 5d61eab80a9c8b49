"""``python -m simulator.cli``: the ``fundsim`` command."""

from . import main

main()
