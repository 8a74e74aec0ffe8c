from pathlib import Path

import pytest

from vendor.approvals.settings import Settings, SettingsProblem


def test_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    s = Settings.from_env({})
    assert s.state_dir == Path.home() / ".local" / "state" / "vend"
    assert (s.host, s.port, s.base_url) == ("127.0.0.1", 8377, "http://127.0.0.1:8377")
    assert s.db_path == s.state_dir / "approvals.sqlite3" and s.outbox == s.state_dir / "outbox"
    assert Settings.from_env({"XDG_STATE_HOME": "/srv/state"}).state_dir == Path("/srv/state/vend")


def test_public_url_wins_for_links():
    s = Settings.from_env({"VEND_STATE_DIR": "/tmp/v", "VEND_APPROVALS_BIND": "0.0.0.0:9000",
                           "VEND_APPROVALS_PUBLIC_URL": "https://approvals.example.com/vend/"})
    assert (s.state_dir, s.host, s.port) == (Path("/tmp/v"), "0.0.0.0", 9000)
    assert s.base_url == "https://approvals.example.com/vend"
    assert s.with_bind("[::1]:8080").base_url == "https://approvals.example.com/vend"
    assert Settings(Path("/x")).with_bind("[::1]:8080").base_url == "http://[::1]:8080"


@pytest.mark.parametrize("bind", ["8080", "host:", ":80", "host:port", "h:70000"])
def test_bad_bind_is_named(bind):
    with pytest.raises(SettingsProblem, match="not HOST:PORT"):
        Settings.from_env({"VEND_APPROVALS_BIND": bind})


@pytest.mark.parametrize("bind", ["0.0.0.0:8377", "[::]:8377"])
def test_every_address_bind_is_no_base_for_links(bind):
    """Links in mails never point at 0.0.0.0 or ::; a public URL must be given."""
    s = Settings.from_env({"VEND_APPROVALS_BIND": bind})
    with pytest.raises(SettingsProblem, match="listens on every address"):
        s.base_url


def test_no_proxy_is_trusted_by_default():
    assert Settings.from_env({}).forwarded_allow_ips == ""
    assert Settings.from_env({"VEND_APPROVALS_FORWARDED_ALLOW_IPS": "10.0.0.5"}).forwarded_allow_ips == "10.0.0.5"
