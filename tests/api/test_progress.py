"""Progress display: silent in logs, a bar on request, the callback protocol of the API."""

import io

from simulator.progress import callback_bar, progress_bar, wants_progress


def test_silent_when_the_stream_is_not_a_terminal(monkeypatch):
    monkeypatch.delenv("FUNDSIM_PROGRESS", raising=False)
    log = io.StringIO()
    assert not wants_progress(log)
    bar = progress_bar(5, "paths", file=log)
    bar.update(5)
    bar.close()
    assert log.getvalue() == ""


def test_environment_forces_it_on_and_off(monkeypatch):
    log = io.StringIO()
    monkeypatch.setenv("FUNDSIM_PROGRESS", "1")
    assert wants_progress(log)
    monkeypatch.setenv("FUNDSIM_PROGRESS", "0")
    assert not wants_progress(log)


def test_callback_draws_the_bar_to_the_total():
    log = io.StringIO()
    callback, bar = callback_bar(10, "paths", enabled=True, file=log)
    callback(4, 10)
    callback(4, 10)  # a repeated report adds nothing
    callback(10, 10)
    assert bar.n == 10
    bar.close()
    assert "10/10" in log.getvalue()


def test_a_notebook_without_widgets_gets_the_text_bar(monkeypatch):
    import warnings

    import simulator.progress as pr

    monkeypatch.setattr(pr, "in_notebook", lambda: True)
    monkeypatch.setattr(pr, "_has_widgets", lambda: False)
    log = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # tqdm.auto's 'IProgress not found' would be a warning
        bar = pr.progress_bar(3, "paths", enabled=True, file=log)
        bar.update(3)
        bar.close()
    assert type(bar).__module__.startswith("tqdm.std") and "3/3" in log.getvalue()
