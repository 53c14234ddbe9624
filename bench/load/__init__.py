"""`make load`: the server under a farm's real conditions (issue 12).

A simulated year (`animaltrack simulate`) is served by a real `animaltrack serve` process on
127.0.0.1; the clients run in this process, over HTTP and one WebSocket. `server.py` starts,
stops and kills that process; `operations.py` is the mix of what phones and dashboards send;
`driver.py` sends it open-loop at an offered rate (and closed-loop for the floor) and keeps every
answer; `checks.py` then reads the database: every acknowledged event stored exactly once, no
overlapping intervals, `animaltrack verify` clean; `faults.py` kills the server mid-load and
restarts it. `python -m bench.load` runs it all and prints the figures.
"""
