"""The `within_one_hour` marker: a test that counts one hour's admissions starts in the next hour when this one
ends too soon (a run that began seconds before the hour once saw the next hour's room as an admission while capped)."""
import pytest

from conftest import HOUR_MS, wait_for_room_in_the_hour

NINE = 9 * HOUR_MS


def test_a_test_that_fits_in_the_hour_starts_at_once():
    assert wait_for_room_in_the_hour(NINE, 60_000) == 0
    assert wait_for_room_in_the_hour(NINE + HOUR_MS - 60_000, 60_000) == 0


def test_a_test_that_would_cross_the_hour_starts_in_the_next_one():
    nine_seconds_before = NINE + HOUR_MS - 9_000
    wait = wait_for_room_in_the_hour(nine_seconds_before, 60_000)
    assert NINE + HOUR_MS <= nine_seconds_before + wait <= NINE + HOUR_MS + 1_000


def test_an_hour_or_more_cannot_fit():
    with pytest.raises(ValueError, match="a test within one hour needs less than an hour, got 3600000 ms"):
        wait_for_room_in_the_hour(NINE, HOUR_MS)
