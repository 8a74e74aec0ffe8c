"""`scripts/bench --faults`: the fault tests in one pytest run, then one table: each test, its
result and time, and what it proves. Results also go to build/bench/faults.json.

Selected: every test marked `slow_fault` (deselected from the normal suite by pyproject.toml's
addopts) and the quick fault tests that stay in the normal suite (QUICK_FAULTS). What a test proves
is the first sentence of its docstring, else its name in words. Tests needing root (local SSH
hosts) are skipped without it, and say so. Standalone: python -m tests.bench.faults [PYTEST ARGS]
"""
from __future__ import annotations

import re
import sys

import pytest

from tests.bench.results import write_result
from tests.bench.table import Column, format_table

NAME = "faults"
MARKER = "slow_fault"
QUICK_FAULTS = (  # node ids or files, relative to the repository
    "tests/ssh/test_faults.py",
    "tests/ssh/test_run.py::test_timeout_kills_the_whole_process_group",
    "tests/deploy/test_engine.py::test_hook_over_its_timeout_is_killed_with_its_process_group",
    "tests/deploy/test_rollout_faults.py",
    "tests/deploy/test_rollout_staging.py::test_a_failed_rollout_removes_the_pre_staged_copies",
    "tests/deploy/test_stretch.py::test_a_hook_cannot_forge_a_result_line",
    "tests/aws/test_stack_e2e.py::test_apply_killed_after_random_call_converges",
    # bad input: refused with a clear error, never executed or written outside its place
    "tests/config/test_source.py::test_binary_file",
    "tests/config/test_source.py::test_huge_file",
    "tests/config/test_source.py::test_not_utf8",
    "tests/config/test_hostile_input.py",
    "tests/config/test_hostile_yaml.py",
    "tests/render/test_appspec_quoting.py",
    "tests/render/test_outputs.py",
    "tests/render/test_packer_injection.py",
    "tests/bake/test_amazon.py::test_tag_values_reach_packer_as_text_not_templates",
    "tests/pipeline/test_infra_source.py::test_committed_image_sources_outside_the_config_directory_are_refused",
    "tests/config/test_bad_configs.py::test_bad_config_message",
    "tests/deploy/test_appspec_bad.py::test_bad_appspec_exact_problems",
    "tests/deploy/test_bundle_extract.py",
    "tests/deploy/test_bundle.py::test_symlinks_inside_are_kept_and_outside_refused",
    "tests/deploy/test_bundle.py::test_special_files_are_refused",
    "tests/deploy/test_host_agent.py::test_unpack_refuses_traversal",
    # hostile builds: their own throw-away environment, no approving their own release, no process left
    "tests/cli/test_push_hostile_build.py",
    "tests/sandbox/test_build_env.py",
    "tests/sandbox/test_build_root.py::test_a_user_that_is_root_in_the_image_is_refused",
    "tests/pipeline/test_build.py::test_timeout_kills_the_build",
    "tests/pipeline/test_build.py::test_background_processes_die_with_a_successful_build",
    "tests/pipeline/test_build.py::test_run_as_root_or_a_bad_name_is_refused",
    "tests/pipeline/test_build.py::test_artifact_paths_outside_the_source_are_refused",
    "tests/pipeline/test_build.py::test_links_the_build_makes_out_of_the_source_are_refused",
    "tests/pipeline/test_build.py::test_a_fifo_or_socket_the_build_leaves_is_not_an_artifact",
    # damaged state (issue 13): unreadable records skipped and named, locks that say which file to remove
    "tests/deploy/test_history.py",
    "tests/pipeline/test_executions.py::test_unreadable_execution_is_skipped_and_named",
    "tests/pipeline/test_executions.py::test_pipeline_status_shows_the_readable_executions_and_names_the_others",
    "tests/cli/test_deploy_cmds.py::test_releases_and_rollback_read_past_a_damaged_history",
    "tests/approvals/test_store.py::test_corrupt_database_is_a_store_error_naming_the_file",
    "tests/approvals/test_store.py::test_unreadable_request_is_skipped_and_named",
    "tests/approvals/test_cli.py::test_corrupt_database_is_named_with_the_fix",
    "tests/pipeline/test_runner.py::test_an_unexpected_failure_of_a_stage_ends_the_execution_as_failed",
    # hostile revisions and approval input (issue 13)
    "tests/deploy/test_host_agent.py::test_permissions_compare_path_components",
    "tests/deploy/test_host_agent.py::test_permissions_apply_only_to_what_the_deployment_installed",
    "tests/deploy/test_engine.py::test_permissions_on_the_root_reach_only_what_was_installed",
    "tests/deploy/test_bundle.py::test_symlink_chain_leaving_the_revision_is_refused",
    "tests/deploy/test_bundle.py::test_the_deploy_path_checks_a_kept_bundle_like_extraction_does",
    "tests/deploy/test_cli_appspec.py::test_check_never_reads_a_file_outside_the_revision",
    "tests/pipeline/test_source.py::test_committed_links_out_of_the_repository_are_refused_by_name",
    "tests/pipeline/test_source.py::test_a_directory_source_is_checked_and_its_links_are_not_followed",
    "tests/pipeline/test_runner.py::test_committed_absolute_symlink_fails_the_execution_with_the_reason",
    "tests/approvals/test_webapp.py::test_non_ascii_token_is_a_bad_link_not_a_server_error",
    "tests/approvals/test_webapp.py::test_trailing_slash_is_not_redirected_to_the_host_header",
    "tests/approvals/test_webapp.py::test_forwarded_for_from_an_untrusted_client_is_not_recorded",
    "tests/approvals/test_cli.py::test_terminal_escapes_in_comments_are_shown_escaped",
    "tests/cli/test_pipeline_cmds.py::test_status_shows_an_approvers_terminal_escapes_escaped",
    "tests/approvals/test_cli.py::test_notify_refuses_wrong_types_and_non_web_links",
    "tests/approvals/test_message.py::test_only_web_details_links_are_clickable",
    "tests/approvals/test_keys.py::test_key_file_owned_by_another_user_is_refused",
    "tests/approvals/test_keys.py::test_key_file_that_is_a_symlink_is_refused",
    "tests/approvals/test_cli.py::test_serve_checks_the_key_before_it_says_serving",
    "tests/approvals/test_cli.py::test_serve_on_every_address_needs_a_public_url",
    "tests/approvals/test_cli.py::test_links_are_never_mailed_for_an_every_address_bind",
    "tests/approvals/test_store.py::test_database_and_its_directory_are_private",
    "tests/pipeline/test_executions.py::test_execution_records_are_private",
    "tests/sandbox/test_environments.py::test_records_are_kept_in_a_private_state_directory",
)
COLUMNS = [Column("result", "result"), Column("seconds", "s", ".1f"), Column("cases", "cases", "d"), Column("test", "test"),
           Column("proves", "what it proves")]


def selected(nodeid: str, marked: bool) -> bool:
    return marked or any(nodeid == q or nodeid.startswith((q + "::", q + "[")) for q in QUICK_FAULTS)


def proves(item) -> str:
    doc = " ".join((item.obj.__doc__ or "").split())
    if doc:
        return re.split(r"(?<=[.!?])\s", doc, maxsplit=1)[0]
    name = getattr(item, "originalname", None) or item.name  # without a parametrization's [id]
    return name.removeprefix("test_").replace("_", " ")


def outcome(results: list[str]) -> str:
    """One test function's result from its cases' (one per parametrization)."""
    bad = [r for r in results if not r.startswith(("passed", "skipped"))]
    if bad:
        return bad[0] if len(results) == 1 else f"FAILED ({len(bad)} of {len(results)} cases)"
    skipped = [r for r in results if r.startswith("skipped")]
    if not skipped:
        return "passed"
    return skipped[0] if len(skipped) == len(results) else f"passed ({len(results) - len(skipped)}), {skipped[0]}"


class FaultRun:
    """pytest plugin: keeps only the fault tests, and records each one's outcome (a parametrized
    test is one row, its cases counted)."""

    def __init__(self):
        self.functions: dict[str, dict] = {}  # "tests/x.py::test_f" -> row without its result
        self.cases: dict[str, str] = {}  # item node id -> its result

    def pytest_collection_modifyitems(self, config, items):
        keep = [i for i in items if selected(i.nodeid, i.get_closest_marker(MARKER) is not None)]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep
        for item in keep:
            function = item.nodeid.split("[", 1)[0]
            row = self.functions.setdefault(function, {
                "benchmark": NAME, "test": function.removeprefix("tests/"), "cases": 0,
                "slow": item.get_closest_marker(MARKER) is not None, "proves": proves(item), "seconds": 0.0})
            row["cases"] += 1
            self.cases[item.nodeid] = "not run"

    def pytest_runtest_logreport(self, report):
        if report.nodeid not in self.cases:
            return
        row = self.functions[report.nodeid.split("[", 1)[0]]
        row["seconds"] = round(row["seconds"] + report.duration, 2)
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            self.cases[report.nodeid] = f"skipped ({reason.removeprefix('Skipped: ')})"
        elif report.failed:
            self.cases[report.nodeid] = "FAILED" if report.when == "call" else f"ERROR in {report.when}"
        elif report.when == "call" and self.cases[report.nodeid] == "not run":
            self.cases[report.nodeid] = "passed"

    @property
    def rows(self) -> list[dict]:
        return [row | {"result": outcome([r for case, r in self.cases.items() if case.split("[", 1)[0] == function])}
                for function, row in self.functions.items()]


def run(pytest_args: list[str] | None = None) -> tuple[int, list[dict]]:
    plugin = FaultRun()
    code = pytest.main(["-m", "", "--continue-on-collection-errors", "-p", "no:cacheprovider",
                        *(pytest_args or ["-q", "tests"])], plugins=[plugin])
    return int(code), plugin.rows


def main(argv: list[str] | None = None) -> int:
    code, rows = run(argv)
    print()
    print(format_table(rows, COLUMNS))
    counts = {word: sum(1 for r in rows if r["result"].startswith(word)) for word in ("passed", "skipped")}
    failed = len(rows) - counts["passed"] - counts["skipped"]
    print(f"\nfaults: {counts['passed']} passed, {failed} failed, {counts['skipped']} skipped "
          f"({sum(r['slow'] for r in rows)} marked {MARKER}, the others quick ones from the normal suite)")
    written = write_result(NAME, {"pytest_exit_code": code, "results": rows})
    print(f"written {written}")
    if failed or code not in (0, 5) or not rows:
        return 1
    return 2 if counts["skipped"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or None))
