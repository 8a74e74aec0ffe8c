"""Safe extraction refuses hostile archives as a whole, with one line per unsafe member."""
from __future__ import annotations

import gzip
import io
import tarfile

import pytest

from vendor.deploy.bundle import UnsafeBundleError, extract_bundle

HINT = "(the bundle is damaged or was not made by vend; build it again with vend)"


def entry(name: str, kind: bytes = tarfile.REGTYPE, data: bytes = b"", link: str = "") -> tuple:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, link, len(data)
    return info, data


def archive(*entries: tuple) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return raw.getvalue()


def refusal(data: bytes, dest, **limits) -> list[str]:
    with pytest.raises(UnsafeBundleError) as caught:
        extract_bundle(data, dest, **limits)
    assert not dest.exists(), "nothing may be written when an archive is refused"
    return [str(p) for p in caught.value.problems]


REFUSED = [
    ("absolute path", [entry("/etc/cron.d/evil", data=b"x")],
     "bundle /etc/cron.d/evil: absolute path refused"),
    ("dot-dot traversal", [entry("app/../../etc/passwd", data=b"x")],
     "bundle app/../../etc/passwd: path with '..' refused"),
    ("absolute symlink", [entry("link", tarfile.SYMTYPE, link="/etc/shadow")],
     "bundle link: symlink to '/etc/shadow' points outside the bundle"),
    ("relative symlink out", [entry("a/link", tarfile.SYMTYPE, link="../../root")],
     "bundle a/link: symlink to '../../root' points outside the bundle"),
    ("hard link out", [entry("hard", tarfile.LNKTYPE, link="../etc/passwd")],
     "bundle hard: hard link to '../etc/passwd' points outside the bundle"),
    ("hard link to nothing earlier", [entry("hard", tarfile.LNKTYPE, link="later")],
     "bundle hard: hard link to 'later', which is not earlier in the bundle"),
    ("write through a symlink", [entry("web", tarfile.SYMTYPE, link="."),
                                 entry("web/x.sh", data=b"x")],
     "bundle web/x.sh: member below the symlink 'web' refused"),
    ("symlink chain out", [entry("a/b/up", tarfile.SYMTYPE, link="../.."),
                           entry("esc", tarfile.SYMTYPE, link="a/b/up/../etc")],
     "bundle esc: symlink to 'a/b/up/../etc' leads outside the bundle through the symlink 'a/b/up'"),
    ("symlink loop", [entry("p", tarfile.SYMTYPE, link="p/x")],
     "bundle p: symlink to 'p/x' never resolves (a loop of symlinks)"),
    ("character device", [entry("dev/null", tarfile.CHRTYPE)],
     "bundle dev/null: device file refused"),
    ("block device", [entry("sda", tarfile.BLKTYPE)], "bundle sda: device file refused"),
    ("fifo", [entry("pipe", tarfile.FIFOTYPE)], "bundle pipe: FIFO refused"),
    ("duplicate", [entry("a.txt", data=b"1"), entry("./a.txt", data=b"2")],
     "bundle ./a.txt: duplicate member refused"),
]


@pytest.mark.parametrize("entries, expected", [(e, x) for _, e, x in REFUSED],
                         ids=[i for i, _, _ in REFUSED])
def test_unsafe_member_refuses_the_archive(entries, expected, tmp_path):
    """A bundle member that escapes its place (absolute, .., links out, devices) refuses the whole archive before anything is written."""
    data = archive(entry("ok.txt", data=b"fine"), *entries)
    assert refusal(data, tmp_path / "out") == [f"{expected} {HINT}"]


def test_every_unsafe_member_is_listed(tmp_path):
    """All unsafe members of a bundle are named in one refusal, not just the first."""
    data = archive(entry("/abs", data=b"x"), entry("../up", data=b"x"), entry("ok", data=b"x"))
    assert refusal(data, tmp_path / "out") == [
        f"bundle /abs: absolute path refused {HINT}",
        f"bundle ../up: path with '..' refused {HINT}"]


def test_oversize_archive(tmp_path):
    """A bundle over the size limit is refused."""
    data = archive(entry("a", data=b"x" * 600), entry("b", data=b"y" * 600))
    assert refusal(data, tmp_path / "out", max_bytes=1000) == [
        "bundle (archive): unpacks to 1200 bytes, more than the 1000 allowed "
        "(keep build outputs and caches out of the revision)"]


def test_too_many_members(tmp_path):
    """A bundle with too many members is refused."""
    data = archive(*(entry(f"f{i}", data=b"") for i in range(4)))
    assert refusal(data, tmp_path / "out", max_members=3) == [
        "bundle (archive): more than 3 members (split the revision or raise max_members)"]


def test_not_a_tar_gz(tmp_path):
    """Junk bytes given as a bundle are refused as not a tar.gz."""
    assert refusal(b"PK\x03\x04 a zip", tmp_path / "out") == [
        "bundle (archive): not a readable tar.gz (not a gzip file) " + HINT]


def test_truncated_archive(tmp_path):
    """A truncated bundle is refused as unreadable and nothing is written."""
    data = archive(entry("big", data=bytes(range(256)) * 400))
    problems = refusal(data[: len(data) // 2], tmp_path / "out")
    assert len(problems) == 1
    assert problems[0].startswith("bundle (archive): not a readable tar.gz (")
    assert problems[0].endswith(HINT)


def test_destination_must_be_new_or_empty(tmp_path):
    """A bundle is never extracted over existing files."""
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "old.txt").write_text("previous revision")
    with pytest.raises(UnsafeBundleError) as caught:
        extract_bundle(archive(entry("a", data=b"x")), dest)
    assert [str(p) for p in caught.value.problems] == [
        f"{dest} (destination): exists and is not an empty directory "
        "(extract each revision into a new directory)"]
    assert sorted(p.name for p in dest.iterdir()) == ["old.txt"]


def test_archive_file_path_and_safe_members(tmp_path):
    """A safe bundle extracts exactly its members into its own directory."""
    path = tmp_path / "rev.tar.gz"
    path.write_bytes(archive(entry("dir", tarfile.DIRTYPE), entry("dir/a.txt", data=b"A"),
                             entry("dir/link", tarfile.SYMTYPE, link="a.txt"),
                             entry("hard", tarfile.LNKTYPE, link="dir/a.txt")))
    dest = tmp_path / "empty"
    dest.mkdir()
    assert extract_bundle(path, dest) == ["dir", "dir/a.txt", "dir/link", "hard"]
    assert (dest / "dir" / "link").read_text() == "A"
    assert (dest / "hard").read_text() == "A"


def test_refusals_name_the_archive_file(tmp_path):
    """Bundle refusals name the archive file."""
    path = tmp_path / "rev.tar.gz"
    path.write_bytes(archive(entry("/abs", data=b"x")))
    with pytest.raises(UnsafeBundleError) as caught:
        extract_bundle(path, tmp_path / "out")
    assert [str(p) for p in caught.value.problems] == [f"{path} /abs: absolute path refused {HINT}"]


def test_gzip_bomb_is_refused_by_declared_size(tmp_path):
    """A gzip bomb is refused by the size its members declare."""
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb") as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        info = tarfile.TarInfo("zeros")
        info.size = 5_000_000
        tar.addfile(info, io.BytesIO(bytes(info.size)))
    assert len(raw.getvalue()) < 10_000
    assert refusal(raw.getvalue(), tmp_path / "out", max_bytes=1_000_000) == [
        "bundle (archive): unpacks to 5000000 bytes, more than the 1000000 allowed "
        "(keep build outputs and caches out of the revision)"]
