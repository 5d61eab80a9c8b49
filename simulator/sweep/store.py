"""The sweep's zarr store: its layout (a template Dataset), creating it durably or reopening it to
resume, block sizes, and opening a finished store as a Dataset."""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import warnings
from pathlib import Path

import numpy as np
import xarray as xr

from .. import __version__
from ..limits import kept_dtype
from .common import BLOCK_BYTES, MIN_BLOCKS, STORE_FORMAT, SUMMARY_FUND_DIM, SweepError
from .files import (
    CHECKSUM_GROUP, CHECKSUMS_ATTR, _checksum_dir, _chunk_keys, _fsync, _fsync_tree, _read_json, _read_store_attrs,
    _rel_files, _remove_store, _sha256_file, _write_json_durably)
from .plan import SweepPlan
from .verify import StoreCheck, _store_metadata, check_store


def _template(plan: SweepPlan, block: int) -> xr.Dataset:
    """The sweep Dataset with lazy (never computed) data: the store's layout and attributes."""
    import dask.array as da

    from ..data import data_versions
    from ..results import CORE, VARIABLES, assemble
    from ..summary import summarize

    T = plan.horizon + 1
    years = plan.years
    shapes = {"path": 2, "year": T, "fund": 3, "scheme": 2, "line": 3}
    names = tuple(dict.fromkeys(CORE + plan.variables))
    fake = {n: np.zeros(tuple(shapes[d] for d in VARIABLES[n].dims)) for n in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run = assemble(fake, years, np.arange(2), {})
        summ = summarize(run).rename(fund=SUMMARY_FUND_DIM)
    N = len(plan.variants)
    kept = kept_dtype(plan.precision)  # the run variables as the runs keep them; summaries in double
    coords = {"scenario": ("scenario", np.asarray([v.label for v in plan.variants], dtype=str),
                           {"long_name": "variant: its swept values"}),
              "path": ("path", np.arange(plan.paths, dtype=np.int64), run["path"].attrs),
              "year": ("year", years, run["year"].attrs)}
    for k, vals in plan.coords.items():
        coords[k] = ("scenario", vals, {"long_name": f"swept value of {k}" if k != "scenario_file" else "scenario file"})
    ds = xr.Dataset(coords=coords)
    for n in plan.variables:
        v = run[n]
        shape = (N, plan.paths) + v.shape[1:]
        ds[n] = (("scenario",) + v.dims, da.zeros(shape, chunks=(block,) + shape[1:], dtype=kept), v.attrs)
    for n in summ.data_vars:
        v = summ[n]
        ds[n] = (("scenario",) + v.dims, da.zeros((N,) + v.shape, chunks=(block,) + v.shape), v.attrs)
    ds["completed"] = ("scenario", da.zeros(N, dtype=bool, chunks=block),
                       {"long_name": "the variant's results are in the store"})
    ds["scenario_sha256"] = ("scenario", da.zeros(N, dtype="<U64", chunks=block),
                             {"long_name": "SHA-256 of the variant's resolved scenario (as a run's scenario_sha256)"})
    ds["run_seconds"] = ("scenario", da.zeros(N, chunks=block),
                         {"units": "s", "long_name": "wall time of the variant on its worker"})
    ds = ds.assign_coords({c: summ[c].astype(str) if summ[c].dtype.kind in "OT" else summ[c]
                           for c in summ.coords if c not in ("year",)})
    ds = ds.assign_coords({c: run[c] for c in ("fund", "scheme", "line") if c in run.coords})
    ds.attrs = {"title": f"fundsim sweep of {plan.scenario_name}", "scenario_name": plan.scenario_name,
                "seed": plan.seed, "paths": plan.paths, "base_year": plan.base_year, "horizon": plan.horizon,
                "variants": N, "swept_keys": json.dumps(plan.keys), "software_version": __version__,
                "data_versions": json.dumps(data_versions(), sort_keys=True),
                "sweep_definition": json.dumps(plan.definition, sort_keys=True),
                "sweep_sha256": plan.sha256, "variants_per_task": int(block), "store_format": STORE_FORMAT,
                "precision": plan.precision,
                "checksums": CHECKSUMS_ATTR,
                "conventions": "a variant equals fundsim run with its overrides and the same seed; summaries over "
                               f"paths have the dimension {SUMMARY_FUND_DIM} (pooled funds and their combination)"}
    return ds


def _reset_blocks(root: Path, blocks):
    """Mark blocks as not run (remove their completion flags and checksum records), durably,
    before they run again: a block is never marked completed while it is being rewritten."""
    za = json.loads((root / "completed" / ".zarray").read_text())
    for b in blocks:
        for f in [root / "completed" / k for k in _chunk_keys(za, b.block)] + [root / CHECKSUM_GROUP / f"{b.block}.json"]:
            try:
                f.unlink()
            except FileNotFoundError:
                pass
    _fsync(root / "completed", directory=True)
    _fsync(root / CHECKSUM_GROUP, directory=True)


def _create_store(plan: SweepPlan, out: Path, block: int):
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.creating-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = out.parent / f".{out.name}.creating-{secrets.token_hex(4)}"
    try:
        ds = _template(plan, block)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ds.to_zarr(tmp, mode="w-", compute=False, consolidated=True, zarr_format=2)
            except TypeError:  # older xarray: no zarr_format (and format 2 by default)
                ds.to_zarr(tmp, mode="w-", compute=False, consolidated=True)
        files = {rel: list(_sha256_file(tmp / rel)) for rel in _rel_files(tmp)}
        _write_json_durably(_checksum_dir(tmp) / "store.json", {"algorithm": "sha256", "files": files})
        _fsync_tree(tmp)
        os.rename(tmp, out)  # fails if out appeared meanwhile
        _fsync(out.parent, directory=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def remove_partials(root: Path) -> int:
    """Delete the files a killed write left under temporary names (``*.partial``, see
    :func:`simulator.sweep.files._write_json_durably`) in the store at ``root``; the number deleted.
    Run where no write of the sweep can be under way: when a store is resumed, and when a sweep has
    finished (a worker killed mid-write leaves one, and its block ran again elsewhere)."""
    n = 0
    for dirpath, _d, files in os.walk(root):
        for f in files:
            if f.endswith(".partial"):
                os.unlink(os.path.join(dirpath, f))
                n += 1
    return n


def _open_or_create(plan: SweepPlan, out: Path, block: int | None, overwrite: bool, note) -> tuple[int, np.ndarray]:
    """(variants per block, completed flags) of the store at ``out``, created when absent.

    Resuming verifies what it would skip (:func:`check_store`): a block marked completed whose
    chunks are missing or altered is marked not run again (and said so on ``note``); a store whose
    metadata is damaged is refused (``overwrite``: started again)."""
    if out.exists():
        attrs = _read_store_attrs(out) if out.is_dir() else None
        if not attrs:
            why = ""
            if out.is_dir() and (out / ".zattrs").exists():
                why = f" (its .zattrs {_read_json(out / '.zattrs')[1] or 'has no sweep definition'})"
            raise SweepError(f"{out} exists and is not a fundsim sweep store{why}; choose another output")
        if attrs["sweep_sha256"] != plan.sha256:
            kept_as = attrs.get("precision", "double")
            if not overwrite and kept_as != plan.precision:
                raise SweepError(f"{out} holds a sweep kept in {kept_as} precision; give --precision {kept_as} to resume "
                                 "it, choose another output, or pass --overwrite to replace it")
            if not overwrite:
                raise SweepError(f"{out} holds a different sweep (another definition, scenario text or software "
                                 "version); choose another output, or pass --overwrite to replace it")
            _remove_store(out)
        else:
            remove_partials(out)
            chk = check_store(out)
            if chk.problem:
                if not overwrite:
                    raise SweepError(f"{out}: the store is damaged and cannot be resumed: {chk.problem}; delete it, or "
                                     "pass --overwrite to run the sweep again from the start")
                note.write(f"  {out} is damaged ({chk.problem}): starting it again (--overwrite)\n")
                _remove_store(out)
            else:
                for b in chk.damaged:
                    note.write(f"  {out}: block {b.block} ({b.variants}) is marked completed but {b.reason}: "
                               "running it again\n")
                if chk.damaged:
                    _reset_blocks(out, chk.damaged)
                if not chk.checksums and chk.verified:
                    note.write(f"  {out} has no checksums (written by an older fundsim): its completed blocks were "
                               "checked by decoding them\n")
                completed = np.zeros(len(plan.variants), dtype=bool)
                for b in chk.verified:
                    completed[b.start:b.stop] = True
                return int(attrs["variants_per_task"]), completed
    if block is None:
        block = _default_block(plan)
    _create_store(plan, out, block)
    return block, np.zeros(len(plan.variants), dtype=bool)


def _bytes_per_variant(plan: SweepPlan) -> int:
    """What a worker holds per variant of a block: the kept variables and those the block's
    summaries need (``results.CORE``), whichever are more."""
    from ..results import CORE, VARIABLES

    sizes = {"path": plan.paths, "year": plan.horizon + 1, "fund": 3, "scheme": 2, "line": 3}
    names = dict.fromkeys(tuple(plan.variables) + CORE)
    n = sum(int(np.prod([sizes[d] for d in VARIABLES[v].dims])) for v in names)
    itemsize = np.dtype(kept_dtype(plan.precision)).itemsize  # the runs keep every variable in it
    return itemsize * n + 40_000 * (plan.horizon + 1) // 41 + 1


def _default_block(plan: SweepPlan) -> int:
    N = len(plan.variants)
    return int(max(1, min(BLOCK_BYTES // _bytes_per_variant(plan), math.ceil(N / MIN_BLOCKS))))


def open_sweep(path) -> xr.Dataset:
    """A sweep store as a lazy Dataset (dask arrays): a ``scenario`` dimension, a coordinate per
    swept key, the kept variables of each run, summaries over paths (dimension ``pooled_fund``)
    and ``completed`` (variants not yet run hold NaN). A store whose metadata is damaged raises
    :class:`SweepError` (``fundsim sweep --verify`` checks the chunks too)."""
    path = Path(path)
    attrs = _read_store_attrs(path) if path.is_dir() else None
    if not attrs:
        raise SweepError(f"{path} is not a fundsim sweep store")
    chk = StoreCheck(str(path), is_store=True, checksums=bool(attrs.get("checksums")))
    try:
        chk.variants, chk.variants_per_task = int(attrs.get("variants")), int(attrs.get("variants_per_task"))
    except (TypeError, ValueError):
        pass
    if _store_metadata(path, chk) is None:
        raise SweepError(f"{path}: the sweep store is damaged: {chk.problem}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=RuntimeWarning)
            return xr.open_zarr(str(path), consolidated=True)
    except Exception as e:  # what zarr or xarray says, as one message
        raise SweepError(f"{path}: the sweep store does not open ({type(e).__name__}: {e})") from None
