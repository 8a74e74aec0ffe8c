import os
import stat

import pytest

from vendor.approvals.keys import ENV_KEY, KEY_FILE, KeyProblem, load_key


def test_key_file_made_once_with_mode_0600(tmp_path):
    first = load_key(tmp_path / "state", environ={})
    path = tmp_path / "state" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64
    assert load_key(tmp_path / "state", environ={}) == first
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE]  # no temp files left


def test_environment_wins_and_must_be_long_enough(tmp_path):
    assert load_key(tmp_path, environ={ENV_KEY: "k" * 40}) == b"k" * 40
    assert not (tmp_path / KEY_FILE).exists()
    with pytest.raises(KeyProblem, match="shorter than 32"):
        load_key(tmp_path, environ={ENV_KEY: "short"})


def test_key_file_readable_by_others_is_refused(tmp_path):
    load_key(tmp_path, environ={})
    os.chmod(tmp_path / KEY_FILE, 0o644)
    with pytest.raises(KeyProblem, match="chmod 600"):
        load_key(tmp_path, environ={})


def test_key_file_owned_by_another_user_is_refused(tmp_path):
    """A key file owned by another user is refused with a clear error (they could read or swap the key)."""
    if os.geteuid() != 0:
        pytest.skip("needs root to give the file to another user")
    load_key(tmp_path, environ={})
    os.chown(tmp_path / KEY_FILE, 65534, 65534)
    with pytest.raises(KeyProblem) as e:
        load_key(tmp_path, environ={})
    path = tmp_path / KEY_FILE
    assert str(e.value) == (f"{path}: key file belongs to uid 65534, not to you (uid 0); anyone who owns it "
                            f"can read or replace the key: remove it to have a new one made (outstanding links "
                            f"stop working): rm {path}")


def test_key_file_that_is_a_symlink_is_refused(tmp_path):
    """A key file that is a symbolic link is refused, never followed."""
    load_key(tmp_path / "elsewhere", environ={})
    (tmp_path / KEY_FILE).symlink_to(tmp_path / "elsewhere" / KEY_FILE)
    with pytest.raises(KeyProblem, match="key file is a symbolic link"):
        load_key(tmp_path, environ={})


def test_key_file_readable_by_others_message(tmp_path):
    load_key(tmp_path, environ={})
    os.chmod(tmp_path / KEY_FILE, 0o640)
    with pytest.raises(KeyProblem) as e:
        load_key(tmp_path, environ={})
    path = tmp_path / KEY_FILE
    assert str(e.value) == f"{path}: key file is readable by others (mode 640); run: chmod 600 {path}"
