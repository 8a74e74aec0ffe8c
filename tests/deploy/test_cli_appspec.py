"""`vend appspec check DIR`."""
from __future__ import annotations

from click.testing import CliRunner

from tests.deploy.helpers import SIMPLE_APPSPEC, SIMPLE_FILES, write_revision
from vendor.cli.appspec import appspec


def run(*args):
    return CliRunner().invoke(appspec, list(args))


def test_check_ok(tmp_path):
    rev = write_revision(tmp_path / "rev", SIMPLE_APPSPEC, SIMPLE_FILES)
    result = run("check", str(rev))
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, f"OK {rev}: 1 files mappings, hooks: ApplicationStart\n", "")


def test_check_ok_without_hooks_lists_events_in_lifecycle_order(tmp_path):
    rev = write_revision(tmp_path / "a", "version: 0.0\nos: linux\n")
    assert run("check", str(rev)).stdout == f"OK {rev}: 0 files mappings, hooks: none\n"
    rev = write_revision(tmp_path / "b", """\
        version: 0.0
        os: linux
        hooks:
          ValidateService: [{location: v.sh}]
          BeforeInstall: [{location: b.sh}]
        """, {"v.sh": "", "b.sh": ""})
    assert run("check", str(rev)).stdout == \
        f"OK {rev}: 0 files mappings, hooks: BeforeInstall, ValidateService\n"


def test_check_problems_go_to_stderr_one_per_line_with_exit_2(tmp_path):
    rev = write_revision(tmp_path / "rev", """\
        version: 0.0
        os: linus
        hooks:
          Install:
            - location: scripts/start.sh
        """)
    result = run("check", str(rev))
    f = rev / "appspec.yml"
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        f"{f}:2 os: 'linus' is not supported (did you mean 'linux'?)",
        f"{f}:4 hooks/Install: Install is run by the CodeDeploy agent itself and cannot have "
        "scripts (put the scripts under BeforeInstall or AfterInstall)",
    ]


def test_check_missing_directory(tmp_path):
    result = run("check", str(tmp_path / "nope"))
    assert (result.exit_code, result.stderr) == (
        2, f"{tmp_path / 'nope'} (revision): not a directory "
           "(give the revision directory, the one with appspec.yml at its root)\n")


def test_help_has_an_example():
    result = run("check", "--help")
    assert result.exit_code == 0
    assert "  Example:\n    vend appspec check ./my-app\n" in result.stdout
    assert "Validate the appspec.yml at the root of the revision directory DIR." in result.stdout
    group_help = run("--help").stdout
    assert "check  Validate the appspec.yml" in group_help
    assert "    vend appspec check ./my-app\n" in group_help


def test_check_never_reads_a_file_outside_the_revision(tmp_path):
    """`vend appspec check` refuses an appspec.yml that is a symlink out of the revision (or through a chain) and never echoes its content."""
    direct = tmp_path / "direct"
    direct.mkdir()
    (direct / "appspec.yml").symlink_to("/etc/passwd")
    chain = tmp_path / "chain"
    (chain / "a" / "b").mkdir(parents=True)
    (chain / "a" / "b" / "up").symlink_to("../..")
    (chain / "appspec.yml").symlink_to("a/b/up/../../etc/passwd")
    for rev, target, why in ((direct, "/etc/passwd", "points outside the revision"),
                             (chain, "a/b/up/../../etc/passwd", "leads outside the revision through the symlink 'a/b/up'")):
        result = run("check", str(rev))
        assert (result.exit_code, result.stdout) == (2, "")
        assert result.stderr == (f"{rev} appspec.yml: symlink to '{target}' {why} "
                                 "(copy the file into the revision or make the link relative and inside it)\n")
        assert "root:" not in result.output


def test_check_lists_what_codedeploy_ignores_and_accepts_it(tmp_path):
    write_revision(tmp_path, """\
        version: 0.0
        os: linux
        files:
          - source: /
            destination: /var/www/html
            overwrite: true
        """)
    result = run("check", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"OK {tmp_path}: 1 files mappings, hooks: none",
        f"  ignored: {tmp_path}/appspec.yml:6 files/0/overwrite: unknown key 'overwrite' is ignored (CodeDeploy "
        "ignores it; to replace existing files set file_exists_behavior: OVERWRITE at the top level)"]
