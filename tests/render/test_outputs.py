"""Writing rendered outputs: everything lands inside the build directory, or nothing is written.

The check is where files are written, whatever validation let through: a health check path of
`/../..` once made `vend render` write the health file outside the build directory."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from vendor.config.loader import load_config
from vendor.config.source import SourceError
from vendor.render.appspec import render_app
from vendor.render.outputs import Copy, Text, write

MINIMAL = Path(__file__).parents[1] / "config" / "minimal.yaml"
HINT = "a config value reached an output file name: check the config's paths"


def tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_a_health_path_leading_out_of_the_build_directory_writes_nothing(tmp_path):
    """`vend render` of a static site whose health check path is `/../../../escaped` (past validation) refuses the write: nothing lands outside the build directory and the previous render stays."""
    config = load_config(MINIMAL).config
    config = config.model_copy(update={"app": config.app.model_copy(update={"stack": "static-site"})})
    health = config.routing.health_check.model_copy(update={"path": "/../../../escaped.html"})
    config = config.model_copy(update={"routing": config.routing.model_copy(update={"health_check": health})})
    build = tmp_path / "build" / "shop-staging"
    build.mkdir(parents=True)
    (build / "previous.txt").write_text("the last good render\n")
    with pytest.raises(SourceError) as refused:
        write(render_app(config), build)
    assert str(refused.value) == (f"{build} app/site/../../../escaped.html: would be written outside {build} ({HINT})")
    assert tree(tmp_path) == ["build", "build/shop-staging", "build/shop-staging/previous.txt"]


@pytest.mark.parametrize("path", ["ABSOLUTE", "../sibling", "a/../../up", ""])
def test_outputs_outside_the_directory_are_refused(tmp_path, path):
    """An output path that is absolute, climbs with `..` or is empty is refused where it is written."""
    path = str(tmp_path / "absolute") if path == "ABSOLUTE" else path  # were it written, only here
    with pytest.raises(SourceError) as refused:
        write([Text("ok.txt", "ok\n"), Text(path, "x\n")], tmp_path / "out")
    assert str(refused.value) == f"{tmp_path / 'out'} {path}: would be written outside {tmp_path / 'out'} ({HINT})"
    assert tree(tmp_path) == []


def test_a_device_or_pipe_is_never_copied(tmp_path):
    """A copied source that is a device (`/dev/zero` never ends) or a named pipe is refused, alone or inside a directory."""
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "zero").symlink_to("/dev/zero")
    for source in (Path("/dev/zero"), tmp_path / "pipe", tmp_path / "tree"):
        with pytest.raises(SourceError) as refused:
            write([Copy("files/00-x", source)], tmp_path / "out")
        shown = tmp_path / "tree" / "zero" if source.name == "tree" else source
        assert str(refused.value) == f"{shown} (file): is not a regular file and is not copied (give a regular file as an image source)"
    assert tree(tmp_path) == ["pipe", "tree", "tree/zero"]
