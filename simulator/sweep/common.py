"""What every part of a sweep shares: its errors, its constants and the cores it may use."""

from __future__ import annotations

import os

from ..errors import EXIT_BAD_INPUT, SimulatorError


STORE_FORMAT = 1
#: aim for blocks of about this many bytes of results (at least one variant per block)
BLOCK_BYTES = 16 * 2**20
#: at least this many blocks when there are enough variants (load balancing)
MIN_BLOCKS = 16
SUMMARY_FUND_DIM = "pooled_fund"
DEFAULT_METRICS = ("reserve_months:employee_pooled:end:median", "exhaustion_probability:employee_pooled:end",
                   "reserve_months:resident:end:median", "exhaustion_probability:resident:end")
SWEEP_FILE_KEYS = ("scenario", "scenarios", "set", "grid", "sample", "uniform", "paths", "seed", "horizon",
                   "variables", "precision", "out", "variants_per_task", "workers", "threads_per_worker", "scheduler",
                   "metrics")


class SweepError(SimulatorError):
    """A sweep or sensitivity request that cannot be run (bad input: exit 2), or a variant that
    failed (exit code of its error)."""

    def __init__(self, message, exit_code=EXIT_BAD_INPUT):
        super().__init__(message)
        self.exit_code = exit_code

    def __reduce__(self):
        return (type(self), (str(self), self.exit_code))


class MetricError(SweepError):
    """A metric text that does not follow the metric language, or names what the data lacks."""


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1
