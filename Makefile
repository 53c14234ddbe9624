# AnimalTrack: every target creates .venv first, so a fresh machine needs only python3 and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test bench load lint format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/animaltrack serve --dev

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

# Heavy runs kept out of `make test`: 1 000 fresh random command sequences against the replay,
# and 10 000 schemathesis cases against a real server (no 5xx, no internal text, a quiet log).
load: $(STAMP)
	HYPOTHESIS_PROFILE=stress $(BIN)/python -m pytest -q tests/test_history_property.py
	ANIMALTRACK_FUZZ_CASES=10000 $(BIN)/python -m pytest -q -s tests/http/test_fuzz_smoke.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .bench .pytest_cache
