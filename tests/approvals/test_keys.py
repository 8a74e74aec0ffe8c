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
