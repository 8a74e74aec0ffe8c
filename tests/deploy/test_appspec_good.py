"""Valid appspecs and the typed model they become."""
from __future__ import annotations

import dataclasses

import pytest

from tests.deploy.helpers import problem_lines
from vendor.deploy.appspec import (
    AppSpec, FileMapping, HookScript, Permission, SELinuxContext, parse_appspec)
from vendor.deploy.appspec_permissions import is_acl_entry

FULL = """\
version: 0.0
os: linux
files:
  - source: /
    destination: /var/www/html/
  - source: /config/app.ini
    destination: /etc/app
permissions:
  - object: /var/www/html
    pattern: "*.php"
    except: [secret.php]
    owner: www-data
    group: www-data
    mode: "0640"
    acls:
      - "u:deploy:rw"
      - "d:g:devs:rx"
    context:
      name: system_u
      type: httpd_sys_content_t
      range: s0:c0.c255
    type: [file]
  - object: /var/www/html/uploads
    mode: 2775
    type:
      - directory
hooks:
  ValidateService:
    - location: scripts/check.sh
      timeout: 3600
  BeforeInstall:
    - location: scripts/stop.sh
    - location: ./scripts/clean.sh
      timeout: 30
      runas: www-data
  AfterAllowTraffic:
    - location: notify.sh
file_exists_behavior: RETAIN
"""


def test_full_appspec_becomes_the_model():
    spec = parse_appspec(FULL, "appspec.yml", revision=None)
    assert spec == AppSpec(
        file="appspec.yml",
        files=(FileMapping(".", "/var/www/html"), FileMapping("config/app.ini", "/etc/app")),
        permissions=(
            Permission(object="/var/www/html", pattern="*.php", except_=("secret.php",),
                       owner="www-data", group="www-data", mode="0640",
                       acls=("u:deploy:rw", "d:g:devs:rx"),
                       context=SELinuxContext(type="httpd_sys_content_t", name="system_u",
                                              range="s0:c0.c255"),
                       type=("file",)),
            Permission(object="/var/www/html/uploads", mode="2775", type=("directory",)),
        ),
        hooks={
            "BeforeInstall": (HookScript("scripts/stop.sh", 3600, None),
                              HookScript("scripts/clean.sh", 30, "www-data")),
            "ValidateService": (HookScript("scripts/check.sh", 3600, None),),
            "AfterAllowTraffic": (HookScript("notify.sh"),),
        },
        file_exists_behavior="RETAIN",
    )


def test_hooks_are_in_lifecycle_order_and_read_only():
    spec = parse_appspec(FULL, "appspec.yml", revision=None)
    assert list(spec.hooks) == ["BeforeInstall", "ValidateService", "AfterAllowTraffic"]
    assert spec.scripts("ApplicationStop") == ()
    assert spec.scripts("AfterAllowTraffic") == (HookScript("notify.sh", 3600, None),)
    with pytest.raises(TypeError):
        spec.hooks["ApplicationStop"] = ()  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.files = ()  # type: ignore[misc]


def test_minimal_appspec_gets_the_defaults():
    spec = parse_appspec("version: 0.0\nos: linux\n", "appspec.yml", revision=None)
    assert (spec.files, spec.permissions, dict(spec.hooks), spec.file_exists_behavior) == \
        ((), (), {}, "DISALLOW")
    assert (spec.version, spec.os) == ("0.0", "linux")


@pytest.mark.parametrize("source, expected, whole", [
    ("/", ".", True), ("/index.html", "index.html", False), ("dist/", "dist", False),
    ("./build/app.war", "build/app.war", False),
])
def test_sources_are_relative_to_the_revision(source, expected, whole):
    spec = parse_appspec(f"version: 0.0\nos: linux\nfiles:\n  - source: {source}\n"
                         f"    destination: /srv\n", "appspec.yml", revision=None)
    assert spec.files == (FileMapping(expected, "/srv"),)
    assert spec.files[0].whole_revision is whole


@pytest.mark.parametrize("text", [
    # the timeouts of one event may add up to exactly an hour
    "version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: a.sh\n      timeout: 1800\n"
    "    - location: b.sh\n      timeout: 1800\n",
    # scripts without timeout are not summed (3600 each is the runtime default)
    "version: 0.0\nos: linux\nhooks:\n  AfterInstall:\n    - location: a.sh\n    - location: b.sh\n",
    # empty sections are allowed, as by the agent
    "version: 0.0\nos: linux\nfiles:\npermissions:\nhooks:\n",
    "version: 0\nos: linux\n",
    "version: 0.0\nos: linux\npermissions:\n  - object: /srv\n    mode: 755\n",
    "version: 0.0\nos: linux\nfile_exists_behavior: OVERWRITE\n",
])
def test_valid_appspecs_have_no_problems(text):
    assert problem_lines(text) == []


@pytest.mark.parametrize("entry", [
    "u:bob:rw", "user:bob:rwx", "g:devs:r-x", "group:devs:5", "m::rw", "mask::r", "bob:7",
    "d:u:bob:rwx", "default:group:devs:rx", "d:o::r", "d:u::rwx",
])
def test_acl_entries_accepted_like_the_agent(entry):
    assert is_acl_entry(entry)


@pytest.mark.parametrize("entry", [
    "u::rw",      # base entries come from mode
    "o::r",       # the same
    "x:bob:rw",   # unknown kind
    "u:bob:rwz",  # unknown permission
    "a:b:c:d:e",  # too many parts
    "rw",         # too few parts
    "d:d:u:bob:rw",
])
def test_acl_entries_refused_like_the_agent(entry):
    assert not is_acl_entry(entry)


def test_model_refuses_events_that_cannot_have_scripts():
    with pytest.raises(ValueError, match="not lifecycle events that can have scripts: Install, Nope"):
        AppSpec(file="x", hooks={"Install": (), "Nope": ()})
