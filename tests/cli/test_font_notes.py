"""``fundsim plot``'s font-note context passes other warnings on, once (it used to record each
warning it passed on into the list it was reading, and never finished)."""

import warnings

from simulator.cli.report import font_notes


def test_other_warnings_pass_through_once():
    with warnings.catch_warnings(record=True) as outer:
        warnings.simplefilter("always")
        with font_notes():
            warnings.warn("All-NaN slice encountered", RuntimeWarning)
    assert [str(w.message) for w in outer] == ["All-NaN slice encountered"]
