"""A resumed sweep verifies what it skips (issue 14): every chunk of a block marked completed must
still hold the bytes its task wrote (SHA-256 recorded with the completion) or, in a store written
before checksums, at least exist and decode. A damaged block is run again, and said so on stderr;
``fundsim sweep --verify STORE`` reports without running anything; damaged metadata gives one
message and exit 2, never an internal error.

Tiny sweeps (3 variants, one per block, 10 paths, 3 years, sync scheduler).
"""

import io
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulator import sweep as sw
from simulator.cli import cli

GRID = {"employee.employer_rate": "0.06,0.07,0.08"}
KW = {"grid": GRID, "paths": 10, "horizon": 3, "scheduler": "sync", "variants_per_task": 1, "variables": "core"}
CLI_ARGS = ["sweep", "--grid", "employee.employer_rate=0.06,0.07,0.08", "-n", "10", "--horizon", "3",
            "--scheduler", "sync", "--variants-per-task", "1", "--variables", "core"]


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """A complete store and its values (the reference a repaired store must equal)."""
    out = tmp_path_factory.mktemp("verify") / "whole.zarr"
    ref = sw.sweep("baseline", out=out, **KW).load()
    return out, ref


@pytest.fixture()
def store(whole, tmp_path):
    """A fresh copy of the complete store, to damage."""
    out = tmp_path / "s.zarr"
    shutil.copytree(whole[0], out)
    return out


def _chunk(store: Path, name: str, block: int) -> Path:
    """The chunk file of array ``name`` holding block ``block`` (one chunk per block along scenario)."""
    hits = [p for p in (store / name).iterdir() if p.name == str(block) or p.name.startswith(f"{block}.")]
    assert len(hits) == 1, (name, block, hits)
    return hits[0]


def _same(a, b):
    for n in b.data_vars:
        if n == "run_seconds":
            continue
        x, y = a[n].values, b[n].values
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), n


def _delete(p: Path):
    p.unlink()


def _truncate(p: Path):
    with open(p, "r+b") as f:
        f.truncate(p.stat().st_size // 2)


def _zero_fill(p: Path):
    p.write_bytes(b"\0" * p.stat().st_size)


def _flip_a_byte(p: Path):
    """Same size, still decodes (lz4 has no checksum of its own), different numbers."""
    b = bytearray(p.read_bytes())
    b[len(b) // 2] ^= 0xFF
    p.write_bytes(bytes(b))


DAMAGE = {"deleted": _delete, "truncated": _truncate, "zero-filled": _zero_fill, "one byte changed": _flip_a_byte}


def _make_old(store: Path):
    """What a store written before checksums looks like: no checksum records, no 'checksums' attribute."""
    shutil.rmtree(store / "checksums", ignore_errors=True)
    za = json.loads((store / ".zattrs").read_text())
    za.pop("checksums", None)
    (store / ".zattrs").write_text(json.dumps(za))
    zm = json.loads((store / ".zmetadata").read_text())
    zm["metadata"][".zattrs"].pop("checksums", None)
    (store / ".zmetadata").write_text(json.dumps(zm))


# ----------------------------------------------------------------------------- resume


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("name", ["reserve_months", "reserve_months_quantile"])  # a run variable, a summary
def test_resume_runs_a_damaged_block_again_and_says_so(whole, store, name, damage):
    _, ref = whole
    chunk = _chunk(store, name, 1)
    DAMAGE[damage](chunk)
    err = io.StringIO()
    again = sw.sweep("baseline", out=store, progress_stream=err, **KW)
    st = sw.LAST_STATS
    assert (st.ran, st.skipped) == (1, 2), err.getvalue()  # only the damaged block runs again
    said = err.getvalue()
    assert "block 1" in said and f"{name}/{chunk.name}" in said and "again" in said, said
    _same(again.load(), ref)  # and the store is whole again, equal to one uninterrupted sweep
    check = sw.check_store(store)
    assert check.ok and len(check.verified) == 3, sw.format_store_check(check)


def test_a_corrupt_completion_flag_is_run_again(whole, store):
    _, ref = whole
    _zero_fill(_chunk(store, "completed", 2))
    err = io.StringIO()
    again = sw.sweep("baseline", out=store, progress_stream=err, **KW)
    assert (sw.LAST_STATS.ran, sw.LAST_STATS.skipped) == (1, 2)
    assert "block 2" in err.getvalue() and "completed/2" in err.getvalue()
    _same(again.load(), ref)


def test_an_old_store_without_checksums_is_verified_by_decoding(whole, store):
    _, ref = whole
    _make_old(store)
    check = sw.check_store(store)
    assert check.ok and not check.checksums and len(check.verified) == 3
    _zero_fill(_chunk(store, "balance", 0))
    _delete(_chunk(store, "reserve_months_quantile", 2))
    err = io.StringIO()
    again = sw.sweep("baseline", out=store, progress_stream=err, **KW)
    said = err.getvalue()
    assert (sw.LAST_STATS.ran, sw.LAST_STATS.skipped) == (2, 1), said
    assert "block 0" in said and "block 2" in said and "checksums" in said, said
    _same(again.load(), ref)
    assert sw.check_store(store).ok


# ----------------------------------------------------------------------------- fundsim sweep --verify


def test_verify_reports_whole_damaged_and_not_yet_run_blocks(store, tmp_path):
    r = CliRunner()
    res = r.invoke(cli, ["sweep", "--verify", str(store)])
    assert res.exit_code == 0, res.output
    assert "3 blocks complete and verified" in res.output and "SHA-256" in res.output
    # a block not yet run (its completion flag absent) is not damage: the sweep can finish it
    _delete(_chunk(store, "completed", 2))
    res = r.invoke(cli, ["sweep", "--verify", str(store)])
    assert res.exit_code == 0, res.output
    assert "1 block not yet run" in res.output and "variant 2" in res.output
    # damage: exit 1, naming the block, the chunk and what is wrong with it
    _delete(_chunk(store, "balance_quantile", 0))
    _flip_a_byte(_chunk(store, "reserve_months", 1))
    res = r.invoke(cli, ["sweep", "--verify", str(store)])
    assert res.exit_code == 1, res.output
    out = res.output
    assert "2 blocks damaged" in out and "block 0" in out and "block 1" in out
    assert "balance_quantile/0" in out and "missing" in out and "reserve_months/1" in out and "SHA-256" in out
    assert "Traceback" not in out
    # --verify runs and repairs nothing: the damage is still there
    assert [b.block for b in sw.check_store(store).damaged] == [0, 1]
    # an old store: checked by decoding, and the report says the checksums are absent
    old = tmp_path / "old.zarr"
    shutil.copytree(store, old)
    _make_old(old)
    res = r.invoke(cli, ["sweep", "--verify", str(old)])
    assert res.exit_code == 1 and "checksums are absent" in res.output, res.output


@pytest.mark.parametrize("what", ["missing", "empty folder", "a file", "another zarr store"])
def test_verify_of_something_that_is_not_a_sweep_store_exits_2(tmp_path, what):
    p = tmp_path / "x.zarr"
    if what == "empty folder":
        p.mkdir()
    elif what == "a file":
        p.write_text("hello")
    elif what == "another zarr store":
        p.mkdir()
        (p / ".zgroup").write_text('{"zarr_format": 2}')
        (p / ".zattrs").write_text("{}")
    res = CliRunner().invoke(cli, ["sweep", "--verify", str(p)])
    assert res.exit_code == 2, res.output
    assert "not a fundsim sweep store" in res.output and str(p) in res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_verify_runs_alone():
    res = CliRunner().invoke(cli, ["sweep", "--verify", "x.zarr", "--grid", "employee.employer_rate=0.06,0.07"])
    assert res.exit_code == 2 and "--verify" in res.output and "Traceback" not in res.output


# ----------------------------------------------------------------------------- damaged metadata


GARBAGE = {".zmetadata": b"garbage{", ".zattrs": b"\x00\x01 not json", ".zgroup": b"[1, 2",
           "reserve_months/.zarray": b"{", "completed/.zattrs": b"nope"}


@pytest.mark.parametrize("name", list(GARBAGE))
def test_garbage_metadata_gives_one_message_and_exit_2(store, name):
    (store / name).write_bytes(GARBAGE[name])
    r = CliRunner()
    res = r.invoke(cli, [*CLI_ARGS, "-o", str(store)])
    assert res.exit_code == 2, res.output
    assert "internal error" not in res.output and "Traceback" not in res.output
    lines = [x for x in res.output.strip().splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(store) in lines[0], res.output
    assert name.split("/")[-1] in lines[0], lines[0]  # names the file
    # --verify calls it damage (exit 1) when the store is still recognisable, else not a store (exit 2)
    res = r.invoke(cli, ["sweep", "--verify", str(store)])
    assert res.exit_code in (1, 2) and "Traceback" not in res.output and "internal error" not in res.output
    assert name.split("/")[-1] in res.output, res.output
    # reading it elsewhere: one clear error too
    with pytest.raises(sw.SweepError):
        sw.open_sweep(store)
    if res.exit_code == 1:  # a recognisable sweep store may be started again with --overwrite
        res = r.invoke(cli, [*CLI_ARGS, "-o", str(store), "--overwrite", "-q"])
        assert res.exit_code == 0, res.output
        assert sw.check_store(store).ok
