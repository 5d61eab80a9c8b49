"""Commands: fundsim sweep and fundsim sensitivity."""


def register(group):
    """Add this module's commands to the ``fundsim`` click group."""
