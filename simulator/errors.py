"""Errors that reach the user, and the exit codes the CLI maps them to.

Every problem with a scenario is reported as one :class:`ScenarioError` naming the file, the key
path inside it (``economy.drivers.wage_growth.mean``) and the problem, with a line number when
the YAML parser knows it.  The CLI prints ``str(error)`` and exits with :data:`EXIT_BAD_INPUT`;
a traceback is shown only with ``--traceback``.
"""

from __future__ import annotations

import difflib

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

#: at most this many problems are listed in one message; the rest are counted
MAX_PROBLEMS_SHOWN = 20
#: quoted input (a key, a value) is cut to this many characters
EXCERPT_CHARS = 40


def excerpt(value, limit: int = EXCERPT_CHARS) -> str:
    """A short, escaped quotation of user input for an error message: ``'abc'`` for text (control
    characters and newlines escaped, cut to ``limit`` characters with ``...``), the ``repr`` of
    anything else cut the same way.  Messages never quote more of a file than this."""
    if isinstance(value, str):
        cut = value if len(value) <= limit else value[:limit] + "..."
        return repr(cut)
    try:
        text = repr(value)
    except Exception:  # pragma: no cover - an object whose repr fails
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit] + "..."


class SimulatorError(Exception):
    """Base class of the errors the simulator raises on purpose."""

    exit_code = EXIT_FAILURE


class ScenarioError(SimulatorError):
    """A scenario that cannot be used: names the file, the key path and the problem.

    Several problems found in one pass are joined into one message, one line each.
    """

    exit_code = EXIT_BAD_INPUT
    #: first words of the message
    head = "invalid scenario"

    def __init__(self, problems, file=None, more: int = 0):
        if isinstance(problems, str):
            problems = [(None, problems, None)]
        self.file = file
        #: problems found but not kept (a file with 100,000 unknown keys lists the first few)
        self.more = int(more)
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
        for key_path, problem, line, file in self.problems[:MAX_PROBLEMS_SHOWN]:
            loc = str(file) if file else "<scenario>"
            if line is not None:
                loc += f":{line}"
            if key_path:
                lines.append(f"{loc}: {key_path}: {problem}")
            else:
                lines.append(f"{loc}: {problem}")
        shown = len(lines)
        hidden = len(self.problems) - shown + self.more
        total = shown + hidden
        if hidden:
            lines.append(f"... and {hidden:,} more problems (the first {shown} are listed)")
        head = f"{self.head} ({total:,} problems):\n  " if total > 1 else f"{self.head}: "
        return head + "\n  ".join(lines)


class ImplausibleInputError(ScenarioError):
    """Valid input whose calibration makes no sense (a unit mistake: members in 万人,
    flows in 亿元, a 70% rate); the run stops unless ``calibration.allow_implausible: true``."""

    head = "implausible scenario (set calibration.allow_implausible: true to run it anyway)"


class CalibrationError(SimulatorError):
    """The base-year calibration cannot reproduce the reported figures (e.g. a negative factor)."""

    exit_code = EXIT_BAD_INPUT


class NonFiniteResultError(SimulatorError):
    """The projection produced a non-finite value; names the first path, year and variable."""

    exit_code = EXIT_FAILURE


def suggest(word: str, choices) -> str:
    """' (did you mean 'x'?)' for the closest valid name, or a list of the valid names."""
    choices = sorted(str(c) for c in choices)
    close = difflib.get_close_matches(str(word)[:100], choices, n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    if len(choices) <= 12:
        return "; valid keys: " + ", ".join(choices)
    return ""
