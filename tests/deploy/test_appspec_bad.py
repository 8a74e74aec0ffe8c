"""Bad appspecs, each with the exact problem lines a user sees (no revision directory)."""
from __future__ import annotations

import pytest

from tests.deploy.helpers import problem_lines
from vendor.config.source import SourceError
from vendor.deploy.appspec import OtherPlatformError, parse_appspec

F = "appspec.yml"

BAD = [
    ("empty file", "", [
        f"{F} (top level): the appspec is empty (start it with version: 0.0 and os: linux)"]),
    ("a list, not a mapping", "- version: 0.0\n", [
        f"{F}:1 (top level): must be a mapping of keys, not a list "
        "(write it like: version: 0.0 on its own line)"]),
    ("yaml syntax error", "version: 0.0\nos: linux\n  files: x\n", [
        f"{F}:3 (file): YAML syntax error: mapping values are not allowed here "
        "(fix the indentation or quoting near this line)"]),
    ("version missing", """\
        os: linux
        """, [
        f"{F}:1 (top level): missing key 'version' (add version: 0.0)"]),
    ("version quoted", """\
        version: "0.0"
        os: linux
        """, [
        f"{F}:1 version: '0.0' is text, CodeDeploy needs the number 0.0 "
        "(remove the quotes: version: 0.0)"]),
    ("version 1.0", """\
        version: 1.0
        os: linux
        """, [
        f"{F}:1 version: the number 1.0 is not supported (write version: 0.0, the only appspec version)"]),
    ("os missing", """\
        version: 0.0
        """, [
        f"{F}:1 (top level): missing key 'os' (add os: linux)"]),
    ("os misspelled", """\
        version: 0.0
        os: Linux
        """, [
        f"{F}:2 os: 'Linux' is not supported (did you mean 'linux'?)"]),
    ("os windows", """\
        version: 0.0
        os: windows
        files:
          - source: \\index.html
            destination: C:\\inetpub\\wwwroot
        """, [
        f"{F}:2 os: windows is out of scope: vend deploys to Linux hosts "
        "(write the appspec for Linux: os: linux, Linux paths and shell scripts)"]),
    ("unknown top-level key", """\
        version: 0.0
        os: linux
        hook:
          ApplicationStart:
            - location: start.sh
        """, [
        f"{F}:3 hook: unknown key 'hook' (did you mean 'hooks'?)"]),
    ("event at the top level", """\
        version: 0.0
        os: linux
        ApplicationStart:
          - location: start.sh
        """, [
        f"{F}:3 ApplicationStart: unknown key 'ApplicationStart' "
        "('ApplicationStart' is a lifecycle event: indent it under hooks)"]),
    ("files is a mapping", """\
        version: 0.0
        os: linux
        files:
          source: /
          destination: /var/www/html
        """, [
        f"{F}:3 files: must be a list of file mappings, not a mapping "
        "(start each entry with '- ', like: - source: /)"]),
    ("destination relative", """\
        version: 0.0
        os: linux
        files:
          - source: /
            destination: var/www/html
        """, [
        f"{F}:5 files/0/destination: 'var/www/html' is not an absolute path "
        "(write the full path on the host, e.g. /var/www/html)"]),
    ("source leaves the revision", """\
        version: 0.0
        os: linux
        files:
          - source: ../secrets
            destination: /etc/app
        """, [
        f"{F}:4 files/0/source: '../secrets' points outside the revision "
        "(remove '..'; paths are relative to the revision root)"]),
    ("misspelled file keys: no extra missing-key problems", """\
        version: 0.0
        os: linux
        files:
          - sources: /
            destinations: /home/ubuntu/app
        """, [
        f"{F}:4 files/0/sources: unknown key 'sources' (did you mean 'source'?)",
        f"{F}:5 files/0/destinations: unknown key 'destinations' (did you mean 'destination'?)"]),
    ("destination missing", """\
        version: 0.0
        os: linux
        files:
          - source: /
        """, [
        f"{F}:4 files/0: missing key 'destination' (add destination: the host path, e.g. /var/www/html)"]),
    ("permission without object", """\
        version: 0.0
        os: linux
        permissions:
          - owner: www-data
        """, [
        f"{F}:4 permissions/0: missing key 'object' (add object: the host path the settings apply to)"]),
    ("mode with a leading zero", """\
        version: 0.0
        os: linux
        permissions:
          - object: /var/www/html
            mode: 0644
        """, [
        f"{F}:5 permissions/0/mode: 0644 has a leading 0, so YAML reads it as an octal number and "
        "CodeDeploy would get 420, not 644 (write mode: 644 or quote it: mode: '0644')"]),
    ("mode not octal", """\
        version: 0.0
        os: linux
        permissions:
          - object: /var/www/html
            mode: 689
        """, [
        f"{F}:5 permissions/0/mode: the number 689 is not 3 or 4 octal digits "
        "(write it like chmod does, e.g. mode: 644 or mode: 2775)"]),
    ("mode with a leading zero, flow style", """\
        version: 0.0
        os: linux
        permissions: [{object: /srv, mode: 0775}]
        """, [
        f"{F}:3 permissions/0/mode: 0775 has a leading 0, so YAML reads it as an octal number and "
        "CodeDeploy would get 509, not 775 (write mode: 775 or quote it: mode: '0775')"]),
    ("selinux range and object", """\
        version: 0.0
        os: linux
        permissions:
          - object: srv/www
            context: {type: httpd_sys_content_t, range: "s0:x1"}
        """, [
        f"{F}:4 permissions/0/object: 'srv/www' is not an absolute path "
        "(write the full path on the host, e.g. /var/www/html)",
        f"{F}:5 permissions/0/context/range: 's0:x1' is not an SELinux range "
        "(write it like s0, s0-s1 or s0:c0.c255)"]),
    ("hooks is text", """\
        version: 0.0
        os: linux
        hooks: ApplicationStart
        """, [
        f"{F}:3 hooks: must be a mapping of keys, not 'ApplicationStart' "
        "(write it like: ApplicationStart: indented on the next line)"]),
    ("type is not a list", """\
        version: 0.0
        os: linux
        permissions:
          - object: /var/www/html
            type: file
        """, [
        f"{F}:5 permissions/0/type: must be a list, not 'file' "
        "(write it like: type: [file] or type: [file, directory])"]),
    ("bad acl, owner and context", """\
        version: 0.0
        os: linux
        permissions:
          - object: /var/www/html
            owner: 1000
            acls:
              - "u::rw"
            context:
              user: system_u
        """, [
        f"{F}:5 permissions/0/owner: the number 1000 is not a user name "
        "(write a Linux user name such as ec2-user or root)",
        f"{F}:7 permissions/0/acls/0: 'u::rw' is not an ACL entry "
        "(write a quoted setfacl entry such as u:NAME:rwx, g:NAME:rx, m::rwx or d:o::r)",
        f"{F}:8 permissions/0/context: missing key 'type' "
        "(add the SELinux type, e.g. type: httpd_sys_content_t)",
        f"{F}:9 permissions/0/context/user: unknown key 'user' "
        "(the CodeDeploy agent reads the SELinux user from 'name')"]),
    ("reserved event", """\
        version: 0.0
        os: linux
        hooks:
          Install:
            - location: install.sh
        """, [
        f"{F}:4 hooks/Install: Install is run by the CodeDeploy agent itself and cannot have "
        "scripts (put the scripts under BeforeInstall or AfterInstall)"]),
    ("misspelled event", """\
        version: 0.0
        os: linux
        hooks:
          AfterInstal:
            - location: after.sh
        """, [
        f"{F}:4 hooks/AfterInstal: unknown lifecycle event 'AfterInstal' (did you mean 'AfterInstall'?)"]),
    ("old event name", """\
        version: 0.0
        os: linux
        hooks:
          BeforeELBAdd:
            - location: register.sh
        """, [
        f"{F}:4 hooks/BeforeELBAdd: unknown lifecycle event 'BeforeELBAdd' (an old name) "
        "(use 'BeforeAllowTraffic')"]),
    ("tab indentation", "version: 0.0\nos: linux\nhooks:\n\tApplicationStart:\n    - location: start.sh\n", [
        f"{F}:4 (file): YAML syntax error: a tab indents this line; YAML indents with spaces only "
        "(use spaces, not tabs)"]),
    ("script location misspelled, bad timeout and runas", """\
        version: 0.0
        os: linux
        hooks:
          ApplicationStart:
            - Location: start.sh
              timeout: 0
              runas: ec2 user
        """, [
        f"{F}:5 hooks/ApplicationStart/0/Location: unknown key 'Location' (did you mean 'location'?)",
        f"{F}:6 hooks/ApplicationStart/0/timeout: the number 0 is not a whole number of seconds "
        "from 1 to 3600 (write e.g. timeout: 300; the default is 3600)",
        f"{F}:7 hooks/ApplicationStart/0/runas: 'ec2 user' is not a user name "
        "(write a Linux user name such as ec2-user or root)"]),
    ("timeout as text", """\
        version: 0.0
        os: linux
        hooks:
          ApplicationStart:
            - location: start.sh
              timeout: 300s
        """, [
        f"{F}:6 hooks/ApplicationStart/0/timeout: '300s' is not a whole number of seconds "
        "from 1 to 3600 (write e.g. timeout: 300; the default is 3600)"]),
    ("timeouts of one event above an hour", """\
        version: 0.0
        os: linux
        hooks:
          AfterInstall:
            - location: migrate.sh
              timeout: 3000
            - location: warm.sh
              timeout: 900
        """, [
        f"{F}:4 hooks/AfterInstall: timeouts add up to 3900 seconds, more than the 3600 "
        "CodeDeploy allows for one event (shorten the timeouts or move scripts to another event)"]),
    ("event is a mapping, not a list", """\
        version: 0.0
        os: linux
        hooks:
          ApplicationStart:
            location: start.sh
        """, [
        f"{F}:4 hooks/ApplicationStart: must be a list of scripts, not a mapping "
        "(start each entry with '- ', like: - location: scripts/start.sh)"]),
    ("windows style location", """\
        version: 0.0
        os: linux
        hooks:
          BeforeInstall:
            - location: scripts\\before.sh
        """, [
        f"{F}:5 hooks/BeforeInstall/0/location: 'scripts\\before.sh' contains backslashes "
        "(use / between directories, as on Linux)"]),
    ("file_exists_behavior lower case", """\
        version: 0.0
        os: linux
        file_exists_behavior: overwrite
        """, [
        f"{F}:3 file_exists_behavior: 'overwrite' is not one of DISALLOW, OVERWRITE, RETAIN "
        "(did you mean 'OVERWRITE'?)"]),
    ("duplicate key", """\
        version: 0.0
        os: linux
        os: linux
        """, [
        f"{F}:3 os: duplicate key 'os' (first on line 2) (keep only one of them)"]),
    ("all problems of a file together, in line order", """\
        version: 0.1
        os: linus
        files:
          - source: /
            destination: srv
        hooks:
          Start:
            - location: start.sh
        """, [
        f"{F}:1 version: the number 0.1 is not supported (write version: 0.0, the only appspec version)",
        f"{F}:2 os: 'linus' is not supported (did you mean 'linux'?)",
        f"{F}:5 files/0/destination: 'srv' is not an absolute path "
        "(write the full path on the host, e.g. /var/www/html)",
        f"{F}:7 hooks/Start: unknown lifecycle event 'Start' (events: BeforeBlockTraffic, "
        "AfterBlockTraffic, ApplicationStop, BeforeInstall, AfterInstall, ApplicationStart, "
        "ValidateService, BeforeAllowTraffic, AfterAllowTraffic)"]),
]


@pytest.mark.parametrize("text, expected", [(t, e) for _, t, e in BAD], ids=[i for i, _, _ in BAD])
def test_bad_appspec_exact_problems(text, expected):
    """Each bad appspec.yml (files pointing outside the revision, bad hooks, junk) is refused with its exact problems."""
    assert problem_lines(text) == expected


def test_table_is_big_enough():
    assert len(BAD) >= 15


@pytest.mark.parametrize("resources, expected", [
    ("\n  - TargetService:\n      Type: AWS::ECS::Service\n",
     "this is an ECS appspec (Resources with TargetService)"),
    ("\n  - myFunction:\n      Type: AWS::Lambda::Function\n",
     "this is a Lambda appspec (Resources with AWS::Lambda::Function)"),
    ("[]\n", "this is an ECS or Lambda appspec (Resources)"),
])
def test_ecs_and_lambda_are_another_platform(resources, expected):
    with pytest.raises(OtherPlatformError) as caught:
        parse_appspec(f"version: 0.0\nResources: {resources}", F, revision=None)
    assert [str(p) for p in caught.value.problems] == [
        f"{F}:2 Resources: {expected}; vend deploys to EC2/on-premises Linux hosts only "
        "(write an EC2 appspec: version: 0.0, os: linux, files and hooks)"]
    assert isinstance(caught.value, SourceError)
