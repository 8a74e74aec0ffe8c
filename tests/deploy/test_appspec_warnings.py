"""The appspec rule: refuse what makes the CodeDeploy agent fail the deployment and what would
silently not happen as written (a likely typo, a key at the wrong level, a value read otherwise
than written); warn, never refuse, about anything else the agent ignores."""
from __future__ import annotations

import textwrap

import pytest

from tests.deploy.helpers import problem_lines
from vendor.deploy.appspec import HookScript, parse_appspec

F = "appspec.yml"


def _warnings(text: str) -> list[str]:
    return list(parse_appspec(textwrap.dedent(text), F, revision=None).warnings)


def test_overwrite_in_a_files_entry_is_accepted_with_a_warning():
    """Seen in real revisions that deploy on AWS: the agent reads only source and destination."""
    assert _warnings("""\
        version: 0.0
        os: linux
        files:
          - source: /
            destination: /srv/app
            overwrite: true
        """) == [
        f"{F}:6 files/0/overwrite: unknown key 'overwrite' is ignored (CodeDeploy ignores it; to replace "
        "existing files set file_exists_behavior: OVERWRITE at the top level)"]


def test_keys_of_other_tools_are_accepted_with_a_warning():
    assert _warnings("""\
        version: 0.0
        os: linux
        branch_config:
          main: deploy
        hooks:
          ApplicationStart:
            - location: start.sh
              retries: 3
        """) == [
        f"{F}:3 branch_config: unknown key 'branch_config' is ignored (CodeDeploy ignores keys it does not "
        "know; remove it, or check the spelling (keys here: version, os, files, permissions, hooks, "
        "file_exists_behavior))",
        f"{F}:8 hooks/ApplicationStart/0/retries: unknown key 'retries' is ignored (CodeDeploy ignores keys "
        "it does not know; remove it, or check the spelling (keys here: location, timeout, runas, sudo))"]


def test_an_event_without_scripts_is_skipped_with_a_warning():
    """The agent skips an event whose script list is empty (`if scripts`), it does not fail."""
    spec = parse_appspec("version: 0.0\nos: linux\nhooks:\n  ValidateService:\n", F, revision=None)
    assert spec.hooks == {}
    assert spec.warnings == (
        f"{F}:4 hooks/ValidateService: no scripts listed: CodeDeploy skips this event "
        "(list scripts under it, e.g. - location: scripts/start.sh, or remove it)",)


def test_a_clean_appspec_has_no_warnings():
    assert _warnings("version: 0.0\nos: linux\nfiles:\n  - source: /\n    destination: /srv\n") == []


@pytest.mark.parametrize("value,expected", [("true", True), ("yes", True), ("false", False)])
def test_sudo_of_a_hook_is_supported_as_the_agent_does(value, expected):
    spec = parse_appspec(f"version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n"
                         f"    - location: start.sh\n      runas: ubuntu\n      sudo: {value}\n", F, revision=None)
    assert spec.scripts("ApplicationStart") == (HookScript("start.sh", runas="ubuntu", sudo=expected),)
    assert spec.warnings == ()


REFUSED = [
    ("sudo as quoted text: the agent takes it as true", """\
        version: 0.0
        os: linux
        hooks:
          ApplicationStart:
            - location: start.sh
              sudo: 'false'
        """, [
        f"{F}:6 hooks/ApplicationStart/0/sudo: 'false' is not true or false (CodeDeploy runs the script "
        "with sudo for any value but false) (write sudo: true or sudo: false, without quotes)"]),
    ("a hook key at the files level", """\
        version: 0.0
        os: linux
        files:
          - source: /
            destination: /srv/app
            runas: ubuntu
        """, [
        f"{F}:6 files/0/runas: 'runas' is not a key here: it belongs in a hook script entry (- location: ... "
        "under an event in hooks) (move it there; here CodeDeploy ignores it (keys here: source, destination))"]),
    ("file_exists_behavior inside a files entry", """\
        version: 0.0
        os: linux
        files:
          - source: /
            destination: /srv/app
            file_exists_behavior: OVERWRITE
        """, [
        f"{F}:6 files/0/file_exists_behavior: 'file_exists_behavior' is not a key here: it belongs in the top "
        "level (move it there; here CodeDeploy ignores it (keys here: source, destination))"]),
    ("timeout at the event level of a permission", """\
        version: 0.0
        os: linux
        permissions:
          - object: /srv/app
            owner: ubuntu
            timeout: 30
        """, [
        f"{F}:6 permissions/0/timeout: 'timeout' is not a key here: it belongs in a hook script entry "
        "(- location: ... under an event in hooks) (move it there; here CodeDeploy ignores it (keys here: "
        "object, pattern, except, owner, group, mode, acls, context, type))"]),
    ("a typo of a key differing in case", """\
        version: 0.0
        os: linux
        files:
          - Source: /
            destination: /srv/app
        """, [
        f"{F}:4 files/0/Source: unknown key 'Source' (did you mean 'source'?)"]),
]


@pytest.mark.parametrize("name,text,expected", REFUSED, ids=[r[0] for r in REFUSED])
def test_what_would_silently_not_happen_is_refused(name, text, expected):
    assert problem_lines(text) == expected
