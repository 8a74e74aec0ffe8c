"""SFTP upload and download against real sshd."""
import os
import uuid

import pytest

from vendor.ssh import TransferError, download, run, upload, upload_bytes

pytestmark = pytest.mark.root  # real namespaces and sshd


def test_upload_download_roundtrip_keeps_bytes_and_mode(conn, tmp_path):
    data = os.urandom(300_000)
    source = tmp_path / "bundle.bin"
    source.write_bytes(data)
    remote = f"/tmp/bundle-{uuid.uuid4().hex}.bin"
    assert upload(conn, source, remote, mode=0o640) == len(data)
    stat = run(conn, ["stat", "-c", "%a %s", remote], timeout=10).stdout.split()
    assert stat == ["640", str(len(data))]
    back = tmp_path / "back.bin"
    assert download(conn, remote, back) == len(data)
    assert back.read_bytes() == data


def test_upload_bytes_replaces_the_target_and_leaves_no_partial_file(conn):
    directory = f"/tmp/up-{uuid.uuid4().hex}"
    run(conn, ["mkdir", directory], timeout=10)
    upload_bytes(conn, b"old", f"{directory}/index.html")
    upload_bytes(conn, b"<h1>new</h1>", f"{directory}/index.html")
    listing = run(conn, ["ls", "-A", directory], timeout=10).stdout.split()
    assert listing == ["index.html"]
    assert run(conn, ["cat", f"{directory}/index.html"], timeout=10).stdout == "<h1>new</h1>"


def test_download_of_a_missing_file_names_it_and_leaves_nothing_locally(conn, tmp_path):
    with pytest.raises(TransferError, match="no such file"):
        download(conn, "/nonexistent/file", tmp_path / "x")
    assert list(tmp_path.iterdir()) == []


def test_upload_into_a_missing_directory_fails_clearly(conn):
    with pytest.raises(TransferError, match="/nonexistent/dir/f"):
        upload_bytes(conn, b"x", "/nonexistent/dir/f")
