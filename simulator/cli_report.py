"""Commands: fundsim plot and fundsim report."""


def register(group):
    """Add this module's commands to the ``fundsim`` click group."""
