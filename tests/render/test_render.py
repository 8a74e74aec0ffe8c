"""Rendering: golden files pin the output; it is deterministic, parses with python-hcl2 and
passes Debian's `packer validate` (1.6.6) and `packer fmt -check`."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import hcl2
import pytest

from vendor.config.loader import load_config
from vendor.render.build_dir import render_all
from vendor.render.outputs import write
from vendor.render.packer import file_names
from vendor.paths import REPO_ROOT

GOLDEN = Path(__file__).parent / "golden"
EXAMPLES = sorted((REPO_ROOT / "configs").glob("*.yaml"))
UPDATE = os.environ.get("VEND_UPDATE_GOLDEN") == "1"
needs_packer = pytest.mark.skipif(shutil.which("packer") is None, reason="packer is not installed (scripts/setup installs it)")


def _render(path: Path, out: Path) -> Path:
    cf = load_config(path)
    target = out / cf.config.slug
    write(render_all(cf), target)
    return target


def _text(value: str) -> str:
    """python-hcl2 keeps the quotes of string literals."""
    return value[1:-1] if value.startswith('"') and value.endswith('"') else value


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mode & 0o777)
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("build")
    return {p.stem: _render(p, out) for p in EXAMPLES}


@pytest.mark.parametrize("name", [p.stem for p in EXAMPLES])
def test_golden_files(rendered, name):
    golden = GOLDEN / name
    if UPDATE:
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(rendered[name], golden)
    got, want = _tree(rendered[name]), _tree(golden)
    assert sorted(got) == sorted(want)
    for rel in got:
        assert got[rel] == want[rel], f"{name}/{rel} differs from the golden file (VEND_UPDATE_GOLDEN=1 to accept)"


def test_same_input_same_bytes(rendered, tmp_path):
    again = _render(REPO_ROOT / "configs" / "acme-production.yaml", tmp_path)
    assert _tree(again) == _tree(rendered["acme-production"])


def test_rerender_replaces_the_directory_whole(rendered, tmp_path):
    target = _render(REPO_ROOT / "configs" / "acme-production.yaml", tmp_path)
    (target / "stale.txt").write_text("left from an earlier render")
    _render(REPO_ROOT / "configs" / "acme-production.yaml", tmp_path)
    assert not (target / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["acme-production"]


@pytest.mark.parametrize("name", [p.stem for p in EXAMPLES])
def test_hcl_parses_with_python_hcl2(rendered, name):
    names = file_names(load_config(REPO_ROOT / "configs" / f"{name}.yaml").config)
    template = hcl2.loads((rendered[name] / names["template"]).read_text())
    variables = hcl2.loads((rendered[name] / names["vars"]).read_text())
    source = template["source"][0]['"amazon-ebs"']['"image"']
    assert source["ami_name"] == "${local.ami_name}"
    tags = template["locals"][0]["tags"]
    assert _text(tags["ManagedBy"]) == "vend" and _text(tags["Customer"]) == name.split("-")[0]
    assert tags["SourceCommit"] == "${var.source_commit}"
    declared = {_text(next(iter(v))) for v in template["variable"]}
    assert set(variables) <= declared
    assert "manifest" in str(template["build"][0]["post-processor"])
    plugins = hcl2.loads((rendered[name] / names["plugins"]).read_text())
    assert _text(plugins["packer"][0]["required_plugins"][0]["amazon"]["source"]) == "github.com/hashicorp/amazon"


@needs_packer
@pytest.mark.parametrize("name", [p.stem for p in EXAMPLES])
def test_packer_validate_with_var_file(rendered, name):
    names = file_names(load_config(REPO_ROOT / "configs" / f"{name}.yaml").config)
    result = subprocess.run(["packer", "validate", f"-var-file={names['vars']}", names["template"]],
                            cwd=rendered[name], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_packer
@pytest.mark.parametrize("name", [p.stem for p in EXAMPLES])
def test_packer_fmt_check(rendered, name):
    result = subprocess.run(["packer", "fmt", "-check", "-diff", "."], cwd=rendered[name],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@needs_packer
def test_packer_validate_catches_a_broken_template(rendered, tmp_path):
    """The validate test above can fail: a template naming a script that is not there is refused."""
    broken = shutil.copytree(rendered["acme-production"], tmp_path / "broken")
    (broken / "scripts" / "base.sh").unlink()
    result = subprocess.run(["packer", "validate", "-var-file=acme-production.pkrvars.hcl",
                             "packer-acme-production.pkr.hcl"], cwd=broken, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "base.sh" in result.stdout + result.stderr


def test_stack_packages_and_customer_packages_reach_the_var_file(rendered):
    variables = hcl2.loads((rendered["acme-production"] / "acme-production.pkrvars.hcl").read_text())
    assert [_text(p) for p in variables["packages"]] == ["apache2", "libapache2-mod-php", "php", "curl", "php-pgsql", "unzip"]
