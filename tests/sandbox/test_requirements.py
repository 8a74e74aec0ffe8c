"""What local hosts need from the machine is named, not discovered by a crash."""
from vendor.sandbox.hosts import missing_requirements


def test_missing_tools_are_named(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no tool is found
    problems = missing_requirements()
    assert "ip not found" in problems and "unshare not found" in problems

