"""Settings read from `ANIMALTRACK_*` (SPEC §15), and handed to `serve`'s worker processes
through the same variables (`Settings.environment`)."""

from __future__ import annotations

import pytest

from store.settings import DEFAULT_WORKERS, Settings


def test_a_worker_process_reads_back_the_settings_it_was_handed():
    settings = Settings(
        db_path="/srv/farm.db",
        host="0.0.0.0",
        port=8080,
        trusted_proxies=("10.0.0.1", "192.168.0.0/24"),
        auth_header="X-Remote-User",
        timezone="Europe/Berlin",
        log_format="json",
        workers=3,
    )
    assert Settings.from_env(settings.environment()) == settings
    assert Settings.from_env({}).workers == DEFAULT_WORKERS


@pytest.mark.parametrize("workers", ["0", "17", "two", "-1", ""])
def test_a_worker_count_out_of_range_is_refused_in_words(workers):
    with pytest.raises(ValueError, match="ANIMALTRACK_WORKERS must be a number from 1 to 16"):
        Settings.from_env({"ANIMALTRACK_WORKERS": workers})
