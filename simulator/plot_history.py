"""Moved to :mod:`simulator.plots.history`; this path stays while ``simulator/backtest/diagnosis.py`` imports from it."""
from .plots.history import _cost_per_member_modelled, _cost_per_member_reported, _effective_rr, history_figure  # noqa: F401
