"""Errors that reach the user, and the exit codes the CLI maps them to.

Every problem with a scenario is reported as one :class:`ScenarioError` naming the file, the key
path inside it (``economy.drivers.wage_growth.mean``) and the problem, with a line number when
the YAML parser knows it.  The CLI prints ``str(error)`` and exits with :data:`EXIT_BAD_INPUT`;
a traceback is shown only with ``--traceback``.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class SimulatorError(Exception):
    """Base class of the errors the simulator raises on purpose."""

    exit_code = EXIT_FAILURE


class ScenarioError(SimulatorError):
    """A scenario that cannot be used: names the file, the key path and the problem.

    Several problems found in one pass are joined into one message, one line each.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(self, problems, file=None):
        if isinstance(problems, str):
            problems = [(None, problems, None)]
        self.file = file
        # (key_path, problem, line, file): each problem may name its own file (a key inherited
        # through ``extends`` is reported in the file that defined it); 3-tuples use ``file``.
        self.problems = [self._normalise(p) for p in problems]
        super().__init__(self._format())

    def _normalise(self, p) -> tuple:
        p = tuple(p)
        if len(p) == 3:
            return p + (self.file,)
        if len(p) == 4:
            return p if p[3] is not None else p[:3] + (self.file,)
        raise TypeError(f"a problem is (key_path, problem, line[, file]), got {p!r}")

    def _format(self) -> str:
        lines = []
        for key_path, problem, line, file in self.problems:
            loc = str(file) if file else "<scenario>"
            if line is not None:
                loc += f":{line}"
            if key_path:
                lines.append(f"{loc}: {key_path}: {problem}")
            else:
                lines.append(f"{loc}: {problem}")
        head = f"invalid scenario ({len(lines)} problems):\n  " if len(lines) > 1 else "invalid scenario: "
        return head + "\n  ".join(lines)


class CalibrationError(SimulatorError):
    """The base-year calibration cannot reproduce the reported figures (e.g. a negative factor)."""

    exit_code = EXIT_BAD_INPUT


class NonFiniteResultError(SimulatorError):
    """The projection produced a non-finite value; names the first path, year and variable."""

    exit_code = EXIT_FAILURE
