"""The benchmark table and hook timing helpers (pure parts; no benchmark runs here)."""
from pathlib import Path

from tests.bench.ansible_rollout import files_to_install, inventory
from tests.bench.hook_timing import LOG, hook_seconds, instrument
from tests.bench.table import Column, format_table
from vendor.ssh.host import Host

COLUMNS = [Column("case", "case"), Column("wall_s", "wall s", ".2f"), Column("rate", "rate", ".1f")]


def test_rows_with_different_measures_share_one_table():
    rows = [{"case": "vend 3 hosts", "wall_s": 4.0}, {"case": "load x500", "wall_s": 1.234, "rate": 405.17}]
    assert format_table(rows, COLUMNS).splitlines() == [
        "case          wall s   rate",
        "------------  ------  -----",
        "vend 3 hosts    4.00",
        "load x500       1.23  405.2",
    ]


def test_text_in_a_numeric_column_is_left_aligned():
    rows = [{"case": "a", "wall_s": "skipped"}, {"case": "b", "wall_s": 1.0}]
    assert format_table(rows, COLUMNS[:2]).splitlines()[2:] == ["a     skipped", "b     1.00"]


def test_instrumented_hooks_are_timed_per_deployment(tmp_path):
    revision = tmp_path / "rev"
    (revision / "scripts").mkdir(parents=True)
    (revision / "appspec.yml").write_text(
        "version: 0.0\nos: linux\nhooks:\n  BeforeInstall:\n    - location: scripts/a.sh\n")
    (revision / "scripts" / "a.sh").write_text("#!/bin/sh\nset -eu\necho hi\n")
    instrument(revision)
    lines = (revision / "scripts" / "a.sh").read_text().splitlines()
    assert lines[0] == "#!/bin/sh" and lines[1].startswith("__bench_t0=") and lines[3] == "set -eu"
    upper = tmp_path / "upper"
    log = upper / LOG.lstrip("/")
    log.parent.mkdir(parents=True)
    log.write_text("d-1 BeforeInstall /x/a.sh 10.0 10.5\nd-2 BeforeInstall /x/a.sh 20.0 21.0\n"
                   "d-1 ValidateService /x/b.sh 11.0 11.25\n")
    assert hook_seconds([upper, tmp_path / "none"], "d-1") == (0.75, 2)


def test_inventory_and_files_for_the_playbook(tmp_path):
    host = Host(name="host1", address="10.0.0.2", port=22, user="root", key_path=Path("/k"), known_hosts=Path("/kh"))
    text = inventory([host], Path("/k"), Path("/kh"))
    assert "host1 ansible_host=10.0.0.2 ansible_port=22" in text and "ansible_ssh_private_key_file=/k" in text
    (tmp_path / "app").mkdir()
    (tmp_path / "one.conf").write_text("x")
    spec = {"files": [{"source": "app", "destination": "/opt/app"}, {"source": "one.conf", "destination": "/etc/x/"}]}
    assert files_to_install(tmp_path, spec) == [{"src": "app/", "dest": "/opt/app/"},
                                                {"src": "one.conf", "dest": "/etc/x/"}]
