"""PropertyDifferences as CloudFormation shapes them: JSON pointers, text, ADD/REMOVE/NOT_EQUAL."""

from __future__ import annotations

from pplocalaws.extensions.drift_compare import ADD, NOT_EQUAL, REMOVE, differences, shown


def _shaped(
    expected: dict[str, object], actual: dict[str, object]
) -> list[tuple[str, str, str, str]]:
    return [(d.path, d.expected, d.actual, d.kind) for d in differences(expected, actual)]


def test_equal_values_differ_in_nothing_even_as_text_and_numbers() -> None:
    assert (
        _shaped(
            {"Timeout": 10, "MemorySize": "512", "On": True},
            {"Timeout": "10", "MemorySize": 512, "On": True},
        )
        == []
    )


def test_only_the_templates_top_level_properties_are_compared() -> None:
    assert _shaped({"Timeout": 10}, {"Timeout": 10, "MemorySize": 128}) == []


def test_a_changed_scalar_is_not_equal_with_both_values_as_text() -> None:
    assert _shaped({"Enabled": True}, {"Enabled": False}) == [
        ("/Enabled", "true", "false", NOT_EQUAL)
    ]


def test_a_key_added_or_removed_under_a_set_property_is_add_or_remove() -> None:
    expected = {"Environment": {"Variables": {"A": "1", "B": "2"}}}
    actual = {"Environment": {"Variables": {"A": "1", "C": "3"}}}

    assert _shaped(expected, actual) == [
        ("/Environment/Variables/B", "2", "null", REMOVE),
        ("/Environment/Variables/C", "null", "3", ADD),
    ]


def test_a_property_the_resource_no_longer_has_is_removed() -> None:
    assert _shaped({"KmsKeyId": "k"}, {}) == [("/KmsKeyId", "k", "null", REMOVE)]


def test_ordered_lists_compare_by_position() -> None:
    assert _shaped({"Architectures": ["arm64"]}, {"Architectures": ["x86_64"]}) == [
        ("/Architectures/0", "arm64", "x86_64", NOT_EQUAL)
    ]
    assert _shaped({"Layers": ["a"]}, {"Layers": ["a", "b"]}) == [("/Layers/1", "null", "b", ADD)]


def test_unordered_lists_ignore_order_and_show_a_changed_element_as_remove_and_add() -> None:
    expected = {"Tags": [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]}
    reordered = {"Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]}
    changed = {"Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "9"}]}

    assert _shaped(expected, reordered) == []
    assert _shaped(expected, changed) == [
        ("/Tags/0", '{"Key":"a","Value":"1"}', "null", REMOVE),
        ("/Tags/1", "null", '{"Key":"a","Value":"9"}', ADD),
    ]


def test_pointer_segments_are_escaped_as_json_pointer_requires() -> None:
    assert _shaped({"M": {"a/b": 1}}, {"M": {"a/b": 2}}) == [("/M/a~1b", "1", "2", NOT_EQUAL)]


def test_structures_are_shown_as_compact_json() -> None:
    assert shown({"b": 1, "a": [True, None]}) == '{"a":[true,null],"b":1}'


def test_numbers_compare_as_numbers_but_booleans_do_not() -> None:
    assert _shaped({"Threshold": 1}, {"Threshold": 1.0}) == []
    assert _shaped({"On": True}, {"On": 1}) == [("/On", "true", "1", NOT_EQUAL)]
