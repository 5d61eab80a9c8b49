"""Scenario files that are not scenario files, or far too large (issue 14, items 7 and 8).

Each case must exit 2 with one clear message.  The CLI runs in a subprocess with a timeout and a
memory limit: they are hang guards (a FIFO that blocks, /dev/zero read until memory runs out, an
alias bomb), not timing assertions.  A file that is not a scenario is never quoted.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from simulator.cli import cli
from simulator.errors import EXIT_BAD_INPUT
from simulator.scenario.loader import MAX_FILE_BYTES, MAX_NODES

HANG_GUARD_SECONDS = 120
MEMORY_LIMIT = 1500 * 1024 * 1024  # bytes of address space: reading /dev/zero or a bomb would pass it

posix_only = pytest.mark.skipif(os.name != "posix", reason="FIFOs, /dev/zero and rlimits are POSIX")


def _limit_memory():  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def fundsim(*args, cwd=None):
    """Exit code and stderr+stdout of ``python -m simulator ARGS`` (killed after the hang guard)."""
    res = subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True, cwd=cwd,
                         timeout=HANG_GUARD_SECONDS, preexec_fn=_limit_memory if os.name == "posix" else None,
                         env={**os.environ, "PYTHONFAULTHANDLER": ""})
    out = res.stderr + res.stdout
    assert "Traceback" not in out and "internal error" not in out, out[-3000:]
    return res.returncode, out


def write(path, text):
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- item 8: not regular files


@posix_only
@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_directly_through_a_symlink_and_through_extends(tmp_path):
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    child = write(tmp_path / "child.yaml", "extends: /dev/zero\nname: child\n")
    child_link = write(tmp_path / "child_link.yaml", "extends: zero.yaml\nname: child\n")
    for target, needles in (("/dev/zero", ["/dev/zero", "character device"]),
                            (str(link), ["zero.yaml", "character device", "symbolic link to '/dev/zero'"]),
                            (str(child), ["child.yaml:1: extends: /dev/zero is a character device"]),
                            (str(child_link), ["child_link.yaml:1: extends:", "character device"])):
        code, out = fundsim("run", target, "--paths", "1", "--horizon", "1", "--quiet")
        assert code == EXIT_BAD_INPUT, out[-2000:]
        for n in needles:
            assert n in out, (n, out)
        assert "regular" in out and len(out) < 600


@posix_only
def test_a_fifo_does_not_hang(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    child = write(tmp_path / "child.yaml", "extends: pipe.yaml\nname: child\n")
    for target in (str(fifo), str(child)):
        code, out = fundsim("run", target, "--paths", "1", "--horizon", "1", "--quiet")
        assert code == EXIT_BAD_INPUT, out
        assert "named pipe (FIFO), not a regular file" in out, out
    # a bare name that is a FIFO in the working folder is the file, not an unknown built-in
    os.mkfifo(tmp_path / "pipe")
    code, out = fundsim("run", "pipe", "--paths", "1", "--horizon", "1", "--quiet", cwd=tmp_path)
    assert code == EXIT_BAD_INPUT and "named pipe" in out, out


def test_a_file_above_the_size_limit_is_refused_before_it_is_read(tmp_path):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:  # sparse: its size is known without writing 10 MB
        fh.truncate(MAX_FILE_BYTES + 1)
    code, out = fundsim("run", str(big), "--paths", "1", "--horizon", "1", "--quiet")
    assert code == EXIT_BAD_INPUT, out
    assert f"a scenario file may be at most {MAX_FILE_BYTES / 1e6:g} MB" in out, out


# ----------------------------------------------------------------------------- item 8: unbounded YAML


def _alias_bomb() -> str:
    lines = ["extends: baseline", "name: bomb", "description: a billion laughs", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghi":  # 9 levels of 9 aliases: 9**9 = 387 million strings when expanded
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    return "\n".join(lines) + "\n"


@posix_only
def test_alias_bomb_is_refused(tmp_path):
    f = tmp_path / "bomb.yaml"
    f.write_text(_alias_bomb(), encoding="utf-8")
    assert len(f.read_text().splitlines()) == 12
    code, out = fundsim("run", str(f), "--paths", "1", "--horizon", "1", "--quiet")
    assert code == EXIT_BAD_INPUT, out[-2000:]
    assert f"more than {MAX_NODES:,} values" in out and "alias" in out, out


@posix_only
def test_100000_unknown_keys_are_refused_at_the_value_limit(tmp_path):
    f = tmp_path / "many.yaml"
    f.write_text("extends: baseline\nname: many\nemployee:\n" + "".join(f"  key_{i}: 1\n" for i in range(100_000)),
                 encoding="utf-8")
    code, out = fundsim("run", str(f), "--paths", "1", "--horizon", "1", "--quiet")
    assert code == EXIT_BAD_INPUT, out[-2000:]
    assert f"more than {MAX_NODES:,} values" in out and len(out) < 600, out[-2000:]


@posix_only
def test_many_unknown_keys_list_the_first_and_count_the_rest(tmp_path):
    n = 20_000  # under the value limit: validation itself must stay linear
    f = tmp_path / "many.yaml"
    f.write_text("extends: baseline\nname: many\nemployee:\n" + "".join(f"  key_{i}: 1\n" for i in range(n)),
                 encoding="utf-8")
    code, out = fundsim("run", str(f), "--paths", "1", "--horizon", "1", "--quiet")
    assert code == EXIT_BAD_INPUT, out[-2000:]
    assert f"invalid scenario ({n:,} problems)" in out, out[:2000]
    assert f"many.yaml:4: employee.key_0: unknown key 'key_0'" in out
    assert f"... and {n - 20:,} more problems (the first 20 are listed)" in out
    assert len(out.splitlines()) == 22 and len(out) < 6000


# ----------------------------------------------------------------------------- item 7: never echo a file


SECRET = "hunter2-very-secret"


@pytest.mark.parametrize("content, words", [
    (f"root:x:0:0:{SECRET}:/root:/bin/bash\ndaemon:x:1:1:{SECRET}:/usr/sbin\n", "got text"),  # /etc/passwd-like
    (f"{SECRET} line one\n{SECRET} line two\n", "got text"),
    (f"- {SECRET}\n- {SECRET}\n", "got a list"),
    (f"db_password: {SECRET}\napi_key: {SECRET}\n", "none of its 2 top-level keys is a scenario key"),
    (f"key: [{SECRET}\nother: '{SECRET}\n", "YAML syntax error"),
    (f"*{SECRET}\n", "YAML syntax error"),
    (f"{SECRET}\x00\x01binary\n", "binary"),
])
@pytest.mark.parametrize("via_extends", [False, True])
def test_a_file_that_is_not_a_scenario_is_never_quoted(tmp_path, content, words, via_extends):
    other = tmp_path / "other_file"
    other.write_bytes(content.encode("utf-8"))
    target = other
    if via_extends:
        target = write(tmp_path / "child.yaml", f"extends: {other}\nname: child\n")
    res = CliRunner().invoke(cli, ["run", str(target), "--paths", "1", "--horizon", "1", "--quiet"])
    out = res.output
    assert res.exit_code == EXIT_BAD_INPUT, out
    assert "Traceback" not in out and "internal error" not in out, out
    assert words in out, out
    assert SECRET not in out and "hunter2" not in out and "db_password" not in out, out


def test_quoted_input_is_a_short_escaped_excerpt(tmp_path):
    f = tmp_path / "long.yaml"
    f.write_text("extends: baseline\nname: long\n"
                 f'horizon: "{"x" * 5000}"\n'
                 'simulation: {seed: "a\\e[31mb\\nc"}\n'  # YAML escapes: ESC and a newline
                 f"{'k' * 1000}: 1\n", encoding="utf-8")  # YAML keys are at most 1,024 characters
    res = CliRunner().invoke(cli, ["run", str(f), "--paths", "1", "--horizon", "1", "--quiet"])
    out = res.output
    assert res.exit_code == EXIT_BAD_INPUT, out
    assert "'" + "x" * 40 + "...'" in out and "x" * 41 not in out, out
    assert "k" * 41 not in out, out
    assert "\u001b" not in out and "'a\\x1b[31mb\\nc'" in out, out  # control characters escaped
    assert len(out) < 1500, out
