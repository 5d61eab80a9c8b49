"""Scenario sweeps and one-at-a-time sensitivity, run on dask (issue 4).

A **sweep** runs many variants of a scenario with the same seed (common random numbers), so the
differences between variants are the policy, not Monte Carlo noise. A variant is a list of
``key.path=value`` overrides (the CLI's ``--set``) over a scenario; the variants are the Cartesian
product of

* the scenario files given (``scenarios=[...]``; one coordinate ``scenario_file``),
* grids: ``{"employee.employer_rate": [0.06, 0.07, 0.08]}`` or ``"0.06:0.10:0.01"`` (start, stop,
  step; the stop is included when the steps land on it),
* a Latin hypercube sample: ``sample=N`` rows over ``uniform={"key.path": (low, high)}``
  (:class:`scipy.stats.qmc.LatinHypercube` seeded with the sweep's seed).

Variant ``k`` equals ``simulator.run(scenario, overrides=set + its overrides, paths=, seed=,
horizon=)`` bit for bit, whatever the number of workers or threads.

**Execution.** Variants are grouped in blocks; each block is one dask task that runs its variants
with the numba kernel, one after the other, and writes them into a zarr store (format 2) that the
driver created before submitting anything. The store has the final layout from the start: one
array per variable with a ``scenario`` dimension chunked by block, so a task writes whole chunks
that no other task touches. Durability and resume:

1. the store is created in a temporary folder next to ``out`` and renamed into place, so ``out``
   is a complete store or absent;
2. zarr writes each chunk file to a temporary name and renames it, so no chunk file is ever
   truncated; a task fsyncs the block's chunk files, then records their SHA-256 in
   ``checksums/BLOCK.json`` (fsynced), and only then sets the block in the ``completed`` array
   (and fsyncs that); the files written with the store (metadata, coordinates) have their
   SHA-256 in ``checksums/store.json``;
3. rerunning the same sweep (same definition, checked by a SHA-256 of it) with the same ``out``
   runs only the blocks not marked completed, after verifying the ones it skips
   (:func:`check_store`): a completed block with a chunk file missing or not matching its
   checksum is run again (and said so on stderr); a store whose metadata is damaged is refused
   (``overwrite`` starts it again). A store written before checksums is verified by decoding
   every chunk. An interrupted block is simply run again: its values are deterministic, so a
   half-written block holds the same numbers it will hold.

A variant counts as finished when its block is marked completed; an interruption costs at most
the blocks that were running. Memory: the driver holds no results; a worker holds one block
(blocks are sized to about 16 MB of results, at least one variant).

**Schedulers.** ``scheduler=None`` (default): the dask ``distributed.Client`` of this session if
there is one (``distributed.default_client()``: a notebook that made ``Client(LocalCluster(...))``
or ``Client("tcp://...")`` runs its sweeps there, and the client is left open), else the scheduler
dask is configured with (``dask.config.get("scheduler-address")``, which ``DASK_SCHEDULER_ADDRESS``
also sets), else a ``distributed.LocalCluster`` of ``workers`` processes (default: one per core),
each running one task at a time with ``threads_per_worker`` numba threads (default: cores /
workers). Where progress is shown (a terminal, a notebook) the cluster's dashboard link is printed
when the sweep starts a cluster or uses one.
``"threads"``: the same in this process (one dask worker thread; numba uses the cores).
``"sync"``: no dask at all, tasks run in a loop here (debugging). Any other text is the address of
a running ``distributed`` scheduler (``tcp://host:8786``): its workers need this package at the
same version, and ``out`` and any scenario files on a filesystem they share. A process runs one
kernel at a time (a lock), so a worker with several dask threads still runs correctly.

**Sensitivity** (:func:`sensitivity`): the base scenario and each parameter at its low and its
high value, one at a time, all with the same seed; the result is a Dataset with ``low``, ``high``
and ``base`` over a ``parameter`` dimension (what :func:`simulator.plots.tornado` draws).

**Metrics** (:func:`parse_metric`, :func:`evaluate_metric`): a small language naming one number
per run, written ``NAME:SELECTOR:...``:

* ``VARIABLE[:LABEL...]:YEAR:STAT``: any output variable of a run, its labels (fund, scheme,
  line, in the variable's order), a year and a statistic over paths, e.g.
  ``reserve_months:employee_pooled:2035:median``, ``balance:pooled_combined:2040:mean``,
  ``employer_rate:2030:median``, ``medical_expenditure:employee:inpatient:end:p95``;
* ``exhaustion_probability:FUND:YEAR``: the share of paths whose balance went below zero in or
  before YEAR (``deficit_probability``: income below expenditure; ``operating_deficit_probability``:
  contributions below expenditure), as :func:`simulator.summarize` counts them;
* ``exhaustion_year:FUND:STAT`` (also ``deficit_year``, ``operating_deficit_year``): the year of
  the event over paths, "not within the horizon" counting as +inf;
* ``band_probability:FUND:YEAR:BAND``: the share of paths in a warning band (``below_0``, ``0_3``,
  ``3_6``, ``6_9``, ``9_15``, ``above_15``);
* ``breakeven:LEVER[:MONTHS[:PROBABILITY]]``: the level break-even value of a lever
  (:func:`simulator.breakeven.breakeven`; default 6 months in 90% of paths); sensitivity only.

YEAR is a calendar year or ``end`` (the last year). FUND is ``employee_pooled``, ``resident``,
``pooled_combined`` (both pooled funds) or, for plain variables, ``employee_accounts``. STAT is
``median``, ``mean``, ``sd``, ``min``, ``max``, ``pNN`` (a percentile: ``p5``, ``p95``, ``p2.5``) or
``prob<X``, ``prob<=X``, ``prob>X``, ``prob>=X`` (the share of paths; quote it in a shell).

The package's modules, each one part of the work (every name below is also ``simulator.sweep.NAME``):
``plan`` (the variants, sweep files; ``spec`` the override and grid texts), ``store`` (the zarr
store; ``files`` its durable files and checksums, ``verify`` checking it), ``execute`` (where it
runs, progress), ``tasks`` (what dask workers run), ``runner`` (:func:`sweep`), ``metrics`` (the
metric language), ``one_at_a_time`` (:func:`sensitivity`) and ``format`` (tables and JSON).
"""

from __future__ import annotations

from .common import (  # noqa: F401
    BLOCK_BYTES, DEFAULT_METRICS, MIN_BLOCKS, STORE_FORMAT, SUMMARY_FUND_DIM, SWEEP_FILE_KEYS, MetricError,
    SweepError)
from .execute import _session_client  # noqa: F401
from .files import CHECKSUM_GROUP, CHECKSUMS_ATTR, _read_store_attrs  # noqa: F401
from .format import format_sensitivity, format_sweep, sweep_json  # noqa: F401
from .metrics import METRIC_HELP, Metric, evaluate_metric, metric_label, metric_units, parse_metric  # noqa: F401
from .one_at_a_time import sensitivity  # noqa: F401
from .province import PROVINCE_DEFAULT_METRICS, province_sweep  # noqa: F401
from .plan import SweepPlan, Variant, _scenario_ref, is_sweep_file, load_sweep_file, plan_sweep  # noqa: F401
from .runner import SweepStats, sweep  # noqa: F401
from .spec import _fmt_float, _grid_axis, _parse_assignments, _range_values, _split_top, _yaml_value  # noqa: F401
from .store import _bytes_per_variant, open_sweep  # noqa: F401
from .verify import BlockCheck, StoreCheck, check_store, format_store_check  # noqa: F401

__all__ = ["DEFAULT_METRICS", "PROVINCE_DEFAULT_METRICS", "province_sweep", "MetricError", "SweepError", "check_store", "evaluate_metric", "format_sensitivity",
           "format_store_check", "format_sweep", "load_sweep_file", "open_sweep", "parse_metric", "plan_sweep",
           "sensitivity", "sweep"]


#: what the last :func:`sweep` call did; :func:`sweep` replaces it here (read it as ``simulator.sweep.LAST_STATS``)
LAST_STATS = SweepStats()
