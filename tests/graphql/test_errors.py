"""The one mapping of `schema/errors.py` covers every domain error, for unions and for codes."""

from __future__ import annotations

import inspect

from animaltrack import errors as domain
from animaltrack.selection.validation import SelectionDiff, SelectionValidationResult
from schema import errors


def _domain_error_classes():
    return {
        cls
        for _, cls in inspect.getmembers(domain, inspect.isclass)
        if issubclass(cls, domain.AnimalTrackError) and cls is not domain.AnimalTrackError
    }


def test_every_domain_error_has_a_graphql_type_and_a_code():
    assert set(errors.MAPPING) == _domain_error_classes()
    codes = [code for _type, code, _convert in errors.MAPPING.values()]
    assert len(set(codes)) == len(codes)


def test_each_conversion_keeps_the_facts_a_client_needs():
    result = SelectionValidationResult(False, ["B", "C"], "abcd", SelectionDiff(["C"], ["A"]))
    samples = [
        domain.ValidationError("bad", field="resolved_ids"),
        domain.ParseError("no", 3),
        domain.NotFoundError("gone"),
        domain.ForbiddenError("no"),
        domain.ClockSkewError("later"),
        domain.HistoryConflict("late", ["E1"]),
        domain.VersionConflict("stale", current_version=3),
        domain.DependentEvents("needed", ["E2"]),
        domain.SelectionMismatchError(result),
    ]
    converted = {type(e).__name__: errors.MAPPING[type(e)][2](e) for e in samples}
    assert converted["ValidationError"].field == "resolvedIds"
    assert converted["ParseError"].position == 3
    assert converted["HistoryConflict"].conflicting_event_ids == ["E1"]
    assert converted["VersionConflict"].current_version == 3
    assert converted["DependentEvents"].dependent_event_ids == ["E2"]
    mismatch = converted["SelectionMismatchError"]
    assert (mismatch.added, mismatch.removed) == (["C"], ["A"])
    assert (mismatch.current_animal_ids, mismatch.current_count) == (["B", "C"], 2)
    assert mismatch.current_roster_hash == "abcd"
    assert all(c.message for c in converted.values())


def test_a_domain_error_outside_a_union_still_becomes_a_union_member():
    """The last handler turns any other domain refusal into a ValidationError."""
    fallback = errors.EXCEPTION_HANDLERS[-1]
    assert fallback.exception_type is domain.AnimalTrackError
    answer = fallback.handle(domain.HistoryConflict("late", ["E1"]), field=None, info=None)
    assert isinstance(answer, errors.ValidationError)
    assert answer.message == "late"


def test_query_error_extensions():
    assert errors.error_extensions(domain.ParseError("x", 7)) == {
        "code": "FILTER_SYNTAX",
        "position": 7,
    }
    assert errors.error_extensions(domain.ValidationError("x", field="window_days")) == {
        "code": "VALIDATION",
        "field": "windowDays",
    }
    assert errors.error_extensions(domain.NotFoundError("x")) == {"code": "NOT_FOUND"}
