"""`rebuild` beside a real server (SPEC §14): four HTTP clients each record feed about five times
a second while the 20 000-event history is rebuilt in a process of its own
(`bench.beside`, which `make bench` runs on the 1 000 000-event history). No answer is a 5xx;
every acknowledged event is in the log exactly once; no write waits 2 s; outside the swap (the
one write transaction that puts the rebuilt tables in place) writes keep a p99 under 250 ms;
verify is clean after."""

from __future__ import annotations

from bench.beside import rebuild_beside_writers
from tests.tools.helpers import run


def test_writers_keep_going_while_the_history_is_rebuilt(copy):
    beside = rebuild_beside_writers(copy)
    figures = beside.figures()
    print(figures)
    assert figures["errors_5xx"] == 0
    assert len(beside.acknowledged) == len(beside.answers) > 4 * 5
    assert beside.stored == (len(beside.acknowledged), len(beside.acknowledged))
    assert beside.max_wait() < 2.0
    assert beside.p99_outside_swap() < 0.25
    assert beside.caught_up > 0  # writes really arrived during the build
    assert run("--db", copy, "verify").exit_code == 0
