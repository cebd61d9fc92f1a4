"""The lint session's C# syntax check: a broken file is named by file, line and column."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_tool() -> ModuleType:
    # tools/ holds scripts, not a package: load the script as the lint session runs it.
    spec = importlib.util.spec_from_file_location(
        "csharp_syntax", ROOT / "tools" / "csharp_syntax.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


csharp_syntax = _load_tool()

VALID = b"""namespace Demo;

public sealed class Greeter
{
    public string Greet(string name) => $"hello {name}";
}
"""


def test_a_valid_file_has_no_problem() -> None:
    assert csharp_syntax.problems_in(VALID, Path("Greeter.cs")) == []


def test_a_missing_semicolon_is_named_with_line_and_column() -> None:
    broken = b"""class A
{
    void M()
    {
        var x = 1
        var y = 2;
    }
}
"""
    problems = csharp_syntax.problems_in(broken, Path("A.cs"))
    assert [str(problem) for problem in problems] == ["A.cs:5:18: missing ';'"]


def test_stray_text_is_an_error_node(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "Good.cs").write_bytes(VALID)
    (tmp_path / "src" / "Bad.cs").write_bytes(b"class B\n{\n    int x = ) 1;\n}\n")
    assert csharp_syntax.main([str(tmp_path)]) == 1
    out = capsys.readouterr()
    lines = out.out.splitlines()
    assert lines
    assert all(line.startswith(f"{tmp_path / 'src' / 'Bad.cs'}:3:") for line in lines)
    assert "syntax error" in out.out
    assert "in 2 file(s)" in out.err


def test_build_output_is_skipped_and_an_empty_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "obj").mkdir()
    (tmp_path / "obj" / "Generated.cs").write_bytes(b"class {")
    assert csharp_syntax.main([str(tmp_path)]) == 2
    assert "nothing was checked" in capsys.readouterr().err


def test_the_account_service_parses() -> None:
    assert csharp_syntax.main([str(ROOT / "services" / "account" / "dotnet")]) == 0
