"""The comparison every documented-example test relies on must itself catch differences."""

from __future__ import annotations

from tests.compat.documented import differences

DOC = {
    "id": 42,
    "name": "Tech",
    "is_active": True,
    "salary": {"min": "30000"},
    "stages": [{"id": 1, "reference": "initial"}, ...],
    "details": {...},
    "created_at": "2017-11-13T17:15:26.146+01:00",
    "archived_at": None,
}
GOOD = {
    "id": 7,
    "name": "Tech",
    "is_active": True,
    "salary": {"min": "30000"},
    "stages": [{"id": 3, "reference": "initial"}, {"id": 4, "reference": "refused"}],
    "details": {"kind": "x"},
    "created_at": "2026-12-08T02:00:00.000+01:00",
    "archived_at": None,
    "extra": "allowed",
}
SHAPE = ("id", "stages.*.id", "created_at")


def test_an_answer_with_the_documented_shape_and_values_has_no_difference() -> None:
    assert differences(DOC, GOOD, shape_only=SHAPE) == []


def test_a_missing_key_is_named_by_its_path() -> None:
    answer = {**GOOD, "salary": {}}

    assert differences(DOC, answer, shape_only=SHAPE) == ["$.salary.min: missing"]


def test_a_boolean_is_not_an_integer_nor_a_number_a_string() -> None:
    answer = {**GOOD, "is_active": 1, "salary": {"min": 30000}}

    assert differences(DOC, answer, shape_only=SHAPE) == [
        "$.is_active: documented boolean True, got integer 1",
        "$.salary.min: documented string '30000', got integer 30000",
    ]


def test_items_past_the_documented_ones_are_checked_by_shape() -> None:
    answer = {**GOOD, "stages": [*GOOD["stages"], {"id": "5", "reference": "x"}]}

    assert differences(DOC, answer, shape_only=SHAPE) == [
        "$.stages.2.id: documented integer 1, got string '5'"
    ]


def test_a_closed_list_must_have_the_documented_length_when_values_count() -> None:
    assert differences([1, 2], [1, 2, 3]) == ["$: documented 2 item(s), got 3"]
    assert differences([1, 2], [1, 2, 3], values=False) == []


def test_a_timestamp_must_have_milliseconds_and_an_offset() -> None:
    answer = {**GOOD, "created_at": "2026-12-08T01:00:00Z"}

    assert differences(DOC, answer, shape_only=SHAPE) == [
        "$.created_at: documented timestamp '2017-11-13T17:15:26.146+01:00', "
        "got '2026-12-08T01:00:00Z'"
    ]


def test_a_value_outside_the_shape_only_paths_must_equal_the_documented_one() -> None:
    answer = {**GOOD, "name": "Sales", "archived_at": "2026-12-08T02:00:00.000+01:00"}

    assert differences(DOC, answer, shape_only=SHAPE) == [
        "$.name: documented 'Tech', got 'Sales'",
        "$.archived_at: documented null, got '2026-12-08T02:00:00.000+01:00'",
    ]


def test_an_abbreviated_object_accepts_any_object_only() -> None:
    assert differences(DOC, {**GOOD, "details": []}, shape_only=SHAPE) == [
        "$.details: documented object, got array []"
    ]
