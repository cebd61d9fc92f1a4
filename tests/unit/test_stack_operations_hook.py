"""The root conftest joins stack operations for the tiers that start them, and only those."""

from __future__ import annotations

from pathlib import Path

from tests import conftest

TESTS = Path(conftest.__file__).parent


def test_a_unit_only_run_does_not_join_stack_operations() -> None:
    paths = [TESTS / "unit" / "test_graph.py", TESTS / "unit" / "test_ui.py"]

    assert not conftest.needs_joined_stack_operations(paths)
    assert not conftest.needs_joined_stack_operations([])


def test_any_test_of_another_tier_joins_them() -> None:
    for tier in ("functional", "integration", "e2e", "fuzz"):
        paths = [TESTS / "unit" / "test_graph.py", TESTS / tier / "test_x.py"]
        assert conftest.needs_joined_stack_operations(paths), tier


def test_tests_outside_the_tiers_join_them() -> None:
    # The functional session also runs the services' own suites (services/*/tests).
    outside = TESTS.parent / "services" / "coaching" / "tests" / "test_x.py"

    assert conftest.tier_of(outside) is None
    assert conftest.needs_joined_stack_operations([outside])


def _joining() -> bool:
    # Imported when run, not when collected: collecting the unit tier stays free of them.
    from botocore import handlers  # noqa: PLC0415

    from pplocalaws.extensions import waiting  # noqa: PLC0415

    return any(handler[1] is waiting._join_operations for handler in handlers.BUILTIN_HANDLERS)


def test_the_handler_is_added_for_a_run_that_needs_it_and_removed_after() -> None:
    # The unit tier itself does not join (this run is unit-only unless mixed with another).
    before = _joining()
    with conftest.stack_operations_joined_for([TESTS / "functional" / "test_x.py"]):
        assert _joining()
    assert _joining() is before


def test_a_unit_only_run_adds_no_handler() -> None:
    before = _joining()
    with conftest.stack_operations_joined_for([TESTS / "unit" / "test_graph.py"]):
        assert _joining() is before
