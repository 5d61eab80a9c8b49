"""Moved to :mod:`simulator.plots.history`; kept while ``simulator/backtest/diagnosis.py`` imports from here."""
from .plots.history import _cost_per_member_modelled, _cost_per_member_reported, _effective_rr  # noqa: F401
