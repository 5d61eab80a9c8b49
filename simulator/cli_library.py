"""Commands: fundsim scenarios, fundsim show and fundsim backtest."""


def register(group):
    """Add this module's commands to the ``fundsim`` click group."""
