"""The build environment's root: the allow-list of directories, the image's users plus the build's."""
from __future__ import annotations

import os

import pytest

from vendor.sandbox.build_root import UserRefused, prepare_root, setup_script

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (files owned by the build users)")
PASSWD = "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\nann:x:1500:1500::/home/ann:/bin/sh\n"
GROUP = "root:x:0:\nwww-data:x:33:\nann:x:1500:\n"


def test_missing_users_are_created_and_existing_ones_kept(tmp_path):
    users = prepare_root(tmp_path, tmp_path / "root", ["build", "www-data"], PASSWD, GROUP)
    assert users == {"build": (1501, 1501, "/home/build"), "www-data": (33, 33, "/var/www")}
    assert (tmp_path / "passwd").read_text() == PASSWD + "build:x:1501:1501:build user:/home/build:/bin/sh\n"
    assert (tmp_path / "group").read_text() == GROUP + "build:x:1501:\n"
    assert sorted(p.name for p in (tmp_path / "root").iterdir()) == sorted(
        ["codebuild", "dev", "etc", "home", "proc", "root", "tmp", "usr", "var"] +
        [n for n in ("bin", "sbin", "lib", "lib32", "lib64", "libx32") if os.path.lexists(f"/{n}")])
    assert (tmp_path / "root" / "var" / "www").stat().st_uid == 33


def test_a_user_that_is_root_in_the_image_is_refused(tmp_path):
    with pytest.raises(UserRefused) as e:
        prepare_root(tmp_path, tmp_path / "root", ["toor"], PASSWD + "toor:x:0:0:root:/root:/bin/sh\n", GROUP)
    assert str(e.value) == ("run-as: 'toor' is root (uid 0) in the build image; builds run as an unprivileged user "
                            "(name another user; one missing from the image is created)")


def test_the_setup_binds_only_the_allow_list_read_only(tmp_path):
    script = setup_script(tmp_path, tmp_path / "root")
    binds = [line.split()[-2] for line in script.splitlines() if line.startswith("mount --bind -o ro")]
    assert binds == [f"/{n}" for n in ("usr", "etc", "bin", "sbin", "lib", "lib32", "lib64", "libx32")
                     if os.path.isdir(f"/{n}") and not os.path.islink(f"/{n}")] + [str(tmp_path / "passwd"), str(tmp_path / "group")]
    assert script.splitlines()[-1] == f"exec chroot {tmp_path / 'root'} sleep infinity </dev/null >/dev/null 2>&1"
