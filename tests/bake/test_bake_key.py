"""The bake key changes with what goes into the image, and only with that."""
from pathlib import Path

from vendor.bake.bake_key import bake_key, config_hash
from vendor.bake.local import null_source
from vendor.config.loader import load_config
from vendor.render.packer import render_packer

CONFIG = Path(__file__).parent / "configs" / "shop-local.yaml"
INPUTS = {"builder": "local", "base_image": "local-root-0123", "packer_version": "1.6.6"}


def key(cf, inputs=INPUTS):
    return bake_key(render_packer(cf, cf.path.name, source=null_source), inputs)


def copy_config(tmp_path, edit=lambda text: text):
    (tmp_path / "shop").mkdir()
    for name in ("provision.sh", "motd"):
        (tmp_path / "shop" / name).write_bytes((CONFIG.parent / "shop" / name).read_bytes())
    path = tmp_path / "shop-local.yaml"
    path.write_text(edit(CONFIG.read_text()))
    return load_config(path)


def test_same_input_same_key_wherever_the_config_lives(tmp_path):
    here, there = load_config(CONFIG), copy_config(tmp_path)
    assert key(here) == key(there)
    assert len(key(here)) == 64


def test_a_changed_script_changes_the_key(tmp_path):
    cf = copy_config(tmp_path)
    before = key(cf)
    (tmp_path / "shop" / "provision.sh").write_text("#!/bin/sh\necho changed\n")
    assert key(cf) != before


def test_base_image_packer_version_and_builder_change_the_key():
    cf = load_config(CONFIG)
    keys = {key(cf), key(cf, {**INPUTS, "base_image": "ami-0aaaaaaaaaaaaaaaa"}),
            key(cf, {**INPUTS, "packer_version": "1.11.2"}), key(cf, {**INPUTS, "builder": "amazon-ebs"})}
    assert len(keys) == 4


def test_the_amazon_and_local_templates_have_different_keys():
    cf = load_config(CONFIG)
    assert bake_key(render_packer(cf, cf.path.name), INPUTS) != key(cf)


def test_config_hash_ignores_comments_and_layout_but_not_values(tmp_path):
    original = config_hash(load_config(CONFIG).config)
    commented = copy_config(tmp_path, lambda t: "# a new comment\n" + t.replace("keep: 2", "keep:   2"))
    assert config_hash(commented.config) == original
    (tmp_path / "other").mkdir()
    changed = copy_config(tmp_path / "other", lambda t: t.replace("keep: 2", "keep: 3"))
    assert config_hash(changed.config) != original
