"""Checking a sweep store (``fundsim sweep --verify``, and before a resume): every block marked
completed against the SHA-256 of its chunk files, or decoded where the store predates checksums."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import EXIT_BAD_INPUT, EXIT_FAILURE
from .common import _cores
from .files import CHECKSUM_GROUP, _chunk_keys, _read_json, _read_store_attrs, _sha256_file


def _variant_ranges(pairs) -> str:
    """``[(0, 3), (3, 4), (7, 8)]`` (start, stop) -> ``'variants 0-3, 7'``."""
    merged = []
    for start, stop in sorted(pairs):
        if merged and merged[-1][1] == start:
            merged[-1][1] = stop
        else:
            merged.append([start, stop])
    n = sum(b - a for a, b in merged)
    parts = [str(a) if b - a == 1 else f"{a}-{b - 1}" for a, b in merged]
    return ("variant " if n == 1 else "variants ") + ", ".join(parts)


def _blocks_text(n: int) -> str:
    return f"{n} block{'s' if n != 1 else ''}"


@dataclass
class BlockCheck:
    """What :func:`check_store` found for one block: ``verified``, ``damaged`` or ``not run``."""

    block: int
    start: int
    stop: int
    state: str
    reason: str = ""

    @property
    def variants(self) -> str:
        return _variant_ranges([(self.start, self.stop)])


@dataclass
class StoreCheck:
    """The result of :func:`check_store`."""

    path: str
    is_store: bool = False
    problem: str = ""          # not a store: why; a store: damage to the store as a whole (metadata)
    checksums: bool = False    # checksums recorded (False: an older store, checked by decoding)
    scenario_name: str = ""
    variants: int = 0
    variants_per_task: int = 0
    blocks: list = field(default_factory=list)

    def _state(self, s):
        return [b for b in self.blocks if b.state == s]

    @property
    def verified(self) -> list:
        return self._state("verified")

    @property
    def damaged(self) -> list:
        return self._state("damaged")

    @property
    def not_run(self) -> list:
        return self._state("not run")

    @property
    def ok(self) -> bool:
        """Nothing is damaged (blocks not yet run are not damage: the sweep finishes them)."""
        return self.is_store and not self.problem and not self.damaged

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else (EXIT_BAD_INPUT if not self.is_store else EXIT_FAILURE)


def _store_metadata(path: Path, chk: StoreCheck):
    """Check the store's metadata (and, with checksums, every file written at creation); returns
    the consolidated metadata (``{key: value}``) or None. Problems go to ``chk.problem``."""
    problems = []
    za, p = _read_json(path / ".zattrs")
    if p:
        problems.append(f".zattrs {p}")
    elif not isinstance(za, dict) or "sweep_sha256" not in za:
        problems.append(".zattrs does not hold the sweep's attributes")
    zg, p = _read_json(path / ".zgroup")
    if p:
        problems.append(f".zgroup {p}")
    elif not (isinstance(zg, dict) and zg.get("zarr_format") == 2):
        problems.append(".zgroup is not the metadata of a zarr format 2 group")
    zm, p = _read_json(path / ".zmetadata")
    meta = zm.get("metadata") if isinstance(zm, dict) else None
    if p:
        problems.append(f".zmetadata {p}")
    elif not isinstance(meta, dict) or not isinstance(meta.get("completed/.zarray"), dict):
        problems.append(".zmetadata is not the consolidated metadata of a sweep store")
        meta = None
    named = {q.split(" ", 1)[0] for q in problems}
    record = path / CHECKSUM_GROUP / "store.json"
    if record.is_file() or chk.checksums:
        rec, p = _read_json(record)
        files = rec.get("files") if isinstance(rec, dict) else None
        if p or not isinstance(files, dict):
            problems.append(f"{CHECKSUM_GROUP}/store.json (the checksums of the store's metadata) "
                            f"{p or 'is not a checksum record'}")
        else:
            for rel, (size, digest) in sorted(files.items()):
                if rel in named:
                    continue
                f = path / rel
                if not f.is_file():
                    problems.append(f"{rel} is missing")
                elif _sha256_file(f) != (size, digest):
                    problems.append(f"{rel} has changed since the store was created")
    else:  # an older store: at least every metadata file must parse
        for f in sorted(path.glob("*/.zarray")) + sorted(path.glob("*/.zattrs")):
            _, p = _read_json(f)
            if p:
                problems.append(f"{f.relative_to(path).as_posix()} {p}")
    if meta is not None and not problems:
        try:
            N, B = int(chk.variants), int(chk.variants_per_task)
            shape = meta["completed/.zarray"]["shape"]
            if N < 1 or B < 1 or list(shape) != [N]:
                raise ValueError
        except (KeyError, TypeError, ValueError):
            problems.append("the attributes 'variants' and 'variants_per_task' do not match the array 'completed'")
    if problems:
        chk.problem = "; ".join(problems[:4]) + (f"; and {len(problems) - 4} more" if len(problems) > 4 else "")
        return None
    return meta


def _block_arrays(meta: dict, attrs: dict) -> dict:
    """{name: .zarray} of the arrays a block's task writes: those along ``scenario`` but the
    coordinates (``scenario`` and the swept keys) and ``completed``."""
    try:
        coords = set(json.loads(attrs.get("swept_keys", "[]")))
    except (TypeError, ValueError):
        coords = set()
    coords |= {"scenario", "scenario_file", "completed"}
    out = {}
    for key, za in meta.items():
        if not key.endswith("/.zarray"):
            continue
        name = key[: -len("/.zarray")]
        dims = (meta.get(f"{name}/.zattrs") or {}).get("_ARRAY_DIMENSIONS") or []
        if dims and dims[0] == "scenario" and name not in coords:
            out[name] = za
    return out


def _check_block(path: Path, g, meta: dict, arrays: dict, chk: StoreCheck, b: int, start: int,
                 stop: int) -> BlockCheck:
    flag = f"completed/{_chunk_keys(meta['completed/.zarray'], b)[0]}"
    if not (path / flag).is_file():
        return BlockCheck(b, start, stop, "not run")
    try:
        flags = np.asarray(g["completed"][start:stop], dtype=bool)
    except Exception as e:  # a damaged chunk: zarr or its codec says so in its own words
        return BlockCheck(b, start, stop, "damaged", f"its completion flag {flag} does not decode ({type(e).__name__})")
    if not flags.all():
        return BlockCheck(b, start, stop, "not run")
    problems = []
    record = path / CHECKSUM_GROUP / f"{b}.json"
    if record.is_file() or chk.checksums:
        rec, p = _read_json(record)
        files = rec.get("chunks") if isinstance(rec, dict) else None
        if p or not isinstance(files, dict) or (rec.get("start"), rec.get("stop")) != (start, stop):
            why = p or ("is not a checksum record" if not isinstance(files, dict) else
                        f"is for variants {rec.get('start')}-{rec.get('stop')}")
            return BlockCheck(b, start, stop, "damaged", f"its checksum record {CHECKSUM_GROUP}/{b}.json {why}")
        for name, za in arrays.items():
            for key in _chunk_keys(za, b):
                rel = f"{name}/{key}"
                f = path / rel
                if rel not in files:
                    problems.append(f"{rel} has no checksum in {CHECKSUM_GROUP}/{b}.json")
                elif not f.is_file():
                    problems.append(f"{rel} is missing")
                else:
                    size, digest = _sha256_file(f)
                    if size != files[rel][0]:
                        problems.append(f"{rel} has {size:,} bytes, {files[rel][0]:,} were written")
                    elif digest != files[rel][1]:
                        problems.append(f"{rel} does not match its SHA-256 checksum")
    else:  # an older store: every chunk must exist and decode
        for name, za in arrays.items():
            missing = [k for k in _chunk_keys(za, b) if not (path / name / k).is_file()]
            if missing:
                problems.append(f"{name}/{missing[0]} is missing")
                continue
            try:
                g[name][start:stop]
            except Exception as e:  # as above: the codec's own error
                problems.append(f"{name}/{_chunk_keys(za, b)[0]} does not decode ({type(e).__name__})")
    if problems:
        reason = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        return BlockCheck(b, start, stop, "damaged", reason)
    return BlockCheck(b, start, stop, "verified")


def check_store(path) -> StoreCheck:
    """Check a sweep store without running anything (``fundsim sweep --verify``).

    Every block marked completed is verified: each of its chunk files must exist and match the
    SHA-256 recorded when its task finished (in a store written before checksums: exist and
    decode). The store's metadata must parse (and match its checksums). Returns a
    :class:`StoreCheck`: ``is_store``, ``problem`` (the store as a whole), ``blocks`` (each
    ``verified``, ``damaged`` with a ``reason``, or ``not run``), ``ok`` and ``exit_code``
    (0 nothing damaged, 1 damaged, 2 not a sweep store).
    """
    import concurrent.futures

    import zarr

    path = Path(path).expanduser()
    chk = StoreCheck(str(path))
    if not path.exists():
        chk.problem = "it does not exist"
        return chk
    if not path.is_dir():
        chk.problem = "it is a file; a sweep store is a folder"
        return chk
    attrs = _read_store_attrs(path)
    if attrs is None:
        chk.problem = f"no sweep attributes: .zattrs {_read_json(path / '.zattrs')[1] or 'holds no sweep definition'}"
        return chk
    chk.is_store = True
    chk.checksums = bool(attrs.get("checksums"))
    chk.scenario_name = str(attrs.get("scenario_name", "?"))
    try:
        chk.variants, chk.variants_per_task = int(attrs.get("variants")), int(attrs.get("variants_per_task"))
    except (TypeError, ValueError):
        pass
    meta = _store_metadata(path, chk)
    if meta is None:
        return chk
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = zarr.open_group(str(path), mode="r")
            if not chk.checksums:  # an older store: the coordinates written at creation must decode
                arrays = _block_arrays(meta, attrs)
                for key in meta:
                    name = key[: -len("/.zarray")] if key.endswith("/.zarray") else None
                    if name and name not in arrays and name != "completed":
                        g[name][...]
    except Exception as e:  # zarr's or the codec's own error: name it, and the array
        chk.problem = f"the store does not open ({type(e).__name__}: {e})"
        return chk
    arrays = _block_arrays(meta, attrs)
    N, B = chk.variants, chk.variants_per_task
    jobs = [(b, start, min(N, start + B)) for b, start in enumerate(range(0, N, B))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(4, _cores()))) as pool:
            chk.blocks = list(pool.map(lambda j: _check_block(path, g, meta, arrays, chk, *j), jobs))
    return chk


def format_store_check(chk: StoreCheck) -> str:
    """The report ``fundsim sweep --verify`` prints."""
    if not chk.is_store:
        return f"{chk.path} is not a fundsim sweep store ({chk.problem})"
    head = f"{chk.path}: fundsim sweep store of {chk.scenario_name}"
    if chk.problem:
        return (f"{head}, damaged: {chk.problem}\n  its blocks were not checked; the store cannot be resumed: run the "
                "sweep with --overwrite to start it again")
    n = len(chk.blocks)
    lines = [f"{head}: {chk.variants:,} variants in {_blocks_text(n)} of {chk.variants_per_task}",
             "  checksums: the SHA-256 of every chunk file, recorded with each block's completion" if chk.checksums
             else "  checksums are absent (a store written by an older fundsim): completed blocks were checked by "
                  "decoding every chunk"]
    v, d, r = chk.verified, chk.damaged, chk.not_run
    if v:
        lines.append(f"  {_blocks_text(len(v))} complete and verified ({_variant_ranges([(b.start, b.stop) for b in v])})")
    if d:
        lines.append(f"  {_blocks_text(len(d))} damaged:")
        lines += [f"    block {b.block} ({b.variants}): {b.reason}" for b in d]
    if r:
        lines.append(f"  {_blocks_text(len(r))} not yet run ({_variant_ranges([(b.start, b.stop) for b in r])})")
    if d:
        lines.append(f"damaged: {_blocks_text(len(d))}; run the same sweep again to redo "
                     f"{'it' if len(d) == 1 else 'them'} (the verified blocks are kept)")
    elif r:
        lines.append("whole: nothing is damaged; run the same sweep again to finish it")
    else:
        lines.append("whole: every block is complete and verified")
    return "\n".join(lines)
