# AnimalTrack: every target creates .venv first, so a fresh machine needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test demo bench load lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/animaltrack serve --dev

test: $(STAMP)
	$(BIN)/python -m pytest -q

# A simulated year, reused while `verify` passes on it (else simulated again: an older schema,
# a damaged file), then the explorer on it with example queries to paste.
DEMO_DB := .demo/farm.db
demo: $(STAMP)
	@mkdir -p .demo
	@$(BIN)/animaltrack --db $(DEMO_DB) verify >/dev/null 2>&1 \
		|| { rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm && $(BIN)/animaltrack simulate --out $(DEMO_DB); }
	$(BIN)/animaltrack --db $(DEMO_DB) demo-queries
	$(BIN)/animaltrack --db $(DEMO_DB) serve --dev

bench: $(STAMP)
	$(BIN)/python -m bench

# Heavy runs kept out of `make test`: a simulated year under load (floor, 60 s of the mix, five
# kill -9; bench/load), 1 000 fresh random command sequences against the replay, and 10 000
# schemathesis cases against a real server (no 5xx, no internal text, a quiet log).
load: $(STAMP)
	$(BIN)/python -m bench.load
	HYPOTHESIS_PROFILE=stress $(BIN)/python -m pytest -q tests/test_history_property.py
	ANIMALTRACK_FUZZ_CASES=10000 $(BIN)/python -m pytest -q -s tests/http/test_fuzz_smoke.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .bench .demo .pytest_cache
