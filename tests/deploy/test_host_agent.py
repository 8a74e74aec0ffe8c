"""The host agent's Install semantics, run directly on temporary directories (it is standalone)."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from vendor.deploy import host_agent

AGENT = Path(host_agent.__file__)


def _archive(tmp_path: Path, files: dict[str, str]) -> Path:
    archive = tmp_path / "archive"
    for name, text in files.items():
        (archive / name).parent.mkdir(parents=True, exist_ok=True)
        (archive / name).write_text(text)
    return archive


def _spec(dest: Path, behavior: str | None = None, permissions=()) -> dict:
    return {"files": [{"source": "site", "destination": str(dest)}], "file_exists_behavior": behavior,
            "permissions": list(permissions)}


def test_install_copies_and_records(tmp_path):
    archive = _archive(tmp_path, {"site/index.html": "v1", "site/css/a.css": "c"})
    dest = tmp_path / "www"
    assert host_agent.install(str(archive), _spec(dest), str(tmp_path / "group")) == {"installed": 2, "retained": 0}
    assert (dest / "index.html").read_text() == "v1" and (dest / "css" / "a.css").read_text() == "c"
    assert json.loads((tmp_path / "group" / "installed-files.json").read_text()) == [
        str(dest), str(dest / "index.html"), str(dest / "css"), str(dest / "css" / "a.css")]  # what it made, in order


def test_files_of_the_last_deployment_are_replaced_without_clash(tmp_path):
    dest, group = tmp_path / "www", str(tmp_path / "group")
    host_agent.install(str(_archive(tmp_path / "1", {"site/old.html": "x", "site/index.html": "v1"})), _spec(dest), group)
    host_agent.install(str(_archive(tmp_path / "2", {"site/index.html": "v2"})), _spec(dest), group)
    assert (dest / "index.html").read_text() == "v2"
    assert not (dest / "old.html").exists()


@pytest.mark.parametrize("behavior,expected", [("OVERWRITE", "new"), ("RETAIN", "theirs")])
def test_existing_foreign_files(tmp_path, behavior, expected):
    dest = tmp_path / "www"
    dest.mkdir()
    (dest / "index.html").write_text("theirs")
    host_agent.install(str(_archive(tmp_path, {"site/index.html": "new"})), _spec(dest, behavior), str(tmp_path / "g"))
    assert (dest / "index.html").read_text() == expected


def test_disallow_refuses_a_foreign_file(tmp_path):
    dest = tmp_path / "www"
    dest.mkdir()
    (dest / "index.html").write_text("theirs")
    with pytest.raises(host_agent.AgentError) as e:
        host_agent.install(str(_archive(tmp_path, {"site/index.html": "new"})), _spec(dest), str(tmp_path / "g"))
    assert str(e.value) == (f"file already exists at {dest / 'index.html'} and was not installed by the last deployment "
                            "(set file_exists_behavior: OVERWRITE or RETAIN in appspec.yml)")
    assert (dest / "index.html").read_text() == "theirs"


def test_permissions_mode_by_pattern_and_type(tmp_path):
    dest = tmp_path / "www"
    archive = _archive(tmp_path, {"site/run.sh": "#!/bin/sh", "site/doc.txt": "d", "site/sub/x.sh": "#"})
    perms = [{"object": str(dest), "pattern": "*.sh", "mode": "750", "type": ["file"]},
             {"object": str(dest), "mode": "711", "type": ["directory"]}]
    host_agent.install(str(archive), _spec(dest, permissions=perms), str(tmp_path / "g"))
    mode = lambda p: oct(os.stat(p).st_mode & 0o777)
    assert (mode(dest / "run.sh"), mode(dest / "sub" / "x.sh")) == ("0o750", "0o750")
    assert mode(dest / "doc.txt") != "0o750"
    assert mode(dest / "sub") == "0o711"


def test_permissions_compare_path_components(tmp_path):
    """Permissions on /var/www/html never touch /var/www/html-admin: paths are compared by component, not as strings."""
    www = tmp_path / "www"
    archive = _archive(tmp_path, {"site/sub/index.html": "s", "admin/sub/panel.php": "a"})
    spec = {"files": [{"source": "site", "destination": str(www / "html")},
                      {"source": "admin", "destination": str(www / "html-admin")}],
            "permissions": [{"object": str(www / "html"), "mode": "700"}]}
    host_agent.install(str(archive), spec, str(tmp_path / "g"))
    mode = lambda p: oct(os.stat(p).st_mode & 0o777)
    assert (mode(www / "html" / "sub"), mode(www / "html" / "sub" / "index.html")) == ("0o700", "0o700")
    assert (mode(www / "html-admin"), mode(www / "html-admin" / "sub"), mode(www / "html-admin" / "sub" / "panel.php")) \
        == ("0o755", "0o755", "0o644")


def test_permissions_apply_only_to_what_the_deployment_installed(tmp_path):
    """As the CodeDeploy agent: permissions reach the files copied and the directories made by the deployment, nothing that was there before."""
    www = tmp_path / "www"
    (www / "html" / "uploads").mkdir(parents=True)
    (www / "html" / "uploads" / "photo.jpg").write_text("theirs")
    archive = _archive(tmp_path, {"site/index.html": "v1", "site/uploads/new.txt": "n", "site/css/a.css": "c"})
    spec = {"files": [{"source": "site", "destination": str(www / "html")}], "file_exists_behavior": "OVERWRITE",
            "permissions": [{"object": str(tmp_path), "mode": "750"}]}
    host_agent.install(str(archive), spec, str(tmp_path / "g"))
    mode = lambda p: oct(os.stat(p).st_mode & 0o777)
    assert {p: mode(www / p) for p in ("html/index.html", "html/uploads/new.txt", "html/css", "html/css/a.css")} == \
        dict.fromkeys(("html/index.html", "html/uploads/new.txt", "html/css", "html/css/a.css"), "0o750")
    assert {p: mode(www / p) for p in ("", "html", "html/uploads", "html/uploads/photo.jpg")} == {
        "": "0o755", "html": "0o755", "html/uploads": "0o755", "html/uploads/photo.jpg": "0o644"}
    assert mode(tmp_path) != "0o750"


def test_directories_the_last_deployment_made_are_removed_when_empty(tmp_path):
    """Like the agent's cleanup: the next deployment removes what the last one installed, its directories too when empty."""
    dest, group = tmp_path / "www", str(tmp_path / "group")
    host_agent.install(str(_archive(tmp_path / "1", {"site/old/a.html": "x", "site/index.html": "v1"})), _spec(dest), group)
    (dest / "keep").mkdir()
    (dest / "keep" / "theirs.txt").write_text("not ours")
    host_agent.install(str(_archive(tmp_path / "2", {"site/index.html": "v2"})), _spec(dest), group)
    assert sorted(p.name for p in dest.iterdir()) == ["index.html", "keep"]


def test_unpack_refuses_traversal(tmp_path):
    """The host agent refuses a bundle entry that would be written outside the deployment directory."""
    bundle = tmp_path / "b.tar.gz"
    with tarfile.open(bundle, "w:gz") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    result = subprocess.run([sys.executable, str(AGENT), "unpack", json.dumps({"bundle": str(bundle), "archive": str(tmp_path / "a")})],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith("vend agent: unsafe bundle refused: ")
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "a").exists()


@pytest.mark.parametrize("name, link", [("../escape.txt", None), ("site/up", "../../x"), ("site/abs", "/etc/passwd")])
def test_unpack_without_tarfile_filters_checks_by_hand(tmp_path, monkeypatch, name, link):
    """On a host whose Python predates tarfile's data filter (Debian 12's 3.11.2), the agent checks
    the members itself: nothing outside the archive, no link out of it."""
    monkeypatch.delattr(tarfile, "data_filter")
    bundle = tmp_path / "b.tar.gz"
    with tarfile.open(bundle, "w:gz") as tar:
        ok = tarfile.TarInfo("site/index.html")
        ok.size = 2
        tar.addfile(ok, io.BytesIO(b"hi"))
        info = tarfile.TarInfo(name)
        if link:
            info.type, info.linkname = tarfile.SYMTYPE, link
            tar.addfile(info)
        else:
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(host_agent.AgentError, match="^unsafe bundle refused: "):
        host_agent.unpack(str(bundle), str(tmp_path / "a"))
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "a").exists()


def test_unpack_without_tarfile_filters_keeps_a_good_bundle(tmp_path, monkeypatch):
    monkeypatch.delattr(tarfile, "data_filter")
    bundle = tmp_path / "b.tar.gz"
    with tarfile.open(bundle, "w:gz") as tar:
        info = tarfile.TarInfo("site/run.sh")
        info.size, info.mode = 2, 0o4755
        tar.addfile(info, io.BytesIO(b"hi"))
        link = tarfile.TarInfo("site/current")
        link.type, link.linkname = tarfile.SYMTYPE, "run.sh"
        tar.addfile(link)
    host_agent.unpack(str(bundle), str(tmp_path / "a"))
    assert (tmp_path / "a/site/run.sh").stat().st_mode & 0o7777 == 0o755  # no set-id bit
    assert os.readlink(tmp_path / "a/site/current") == "run.sh"


def test_hook_output_goes_to_log_and_stdout_and_timeout_kills(tmp_path):
    script = tmp_path / "hook.sh"
    script.write_text("#!/bin/sh\necho \"event=$LIFECYCLE_EVENT\"\nsleep 30\n")
    script.chmod(0o755)
    args = {"script": str(script), "timeout": 1, "runas": None, "env": {"LIFECYCLE_EVENT": "AfterInstall"},
            "log": str(tmp_path / "logs" / "scripts.log")}
    result = subprocess.run([sys.executable, str(AGENT), "hook", json.dumps(args)], capture_output=True, text=True, timeout=20)
    assert result.returncode == host_agent.TIMEOUT_EXIT
    assert result.stdout.startswith("event=AfterInstall\nscript ")
    assert "timed out after 1s: process group" in result.stdout
    assert "event=AfterInstall" in (tmp_path / "logs" / "scripts.log").read_text()


def _run_hook(tmp_path, body: str, timeout: int = 20, **extra) -> subprocess.CompletedProcess:
    script = tmp_path / "hook.sh"
    script.write_text(body)
    args = {"script": str(script), "timeout": timeout, "runas": None, "env": {"LIFECYCLE_EVENT": "AfterInstall"},
            "log": str(tmp_path / "logs" / "scripts.log"), **extra}
    return subprocess.run([sys.executable, str(AGENT), "hook", json.dumps(args)], capture_output=True, text=True,
                          timeout=timeout + 20)


def test_a_script_without_shebang_is_run_by_bin_sh(tmp_path):
    """As the agent (Ruby's spawn): execve fails with ENOEXEC, so /bin/sh runs the file."""
    result = _run_hook(tmp_path, "echo \"ran by sh: $LIFECYCLE_EVENT\"\n")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.splitlines()[-1] == "ran by sh: AfterInstall"


def test_a_non_executable_script_is_made_executable_with_the_agents_warning(tmp_path):
    result = _run_hook(tmp_path, "#!/bin/sh\necho ok\n")
    script = tmp_path / "hook.sh"
    assert result.stdout == f"Script at specified location: {script} is not executable. Trying to make it executable.\nok\n"
    assert os.access(script, os.X_OK)


def test_hooks_run_from_the_root_directory(tmp_path):
    assert _run_hook(tmp_path, "#!/bin/sh\npwd\n").stdout.splitlines()[-1] == "/"


@pytest.mark.parametrize("runas,sudo,argv", [
    (None, False, ["/a/s.sh"]),
    (None, True, ["sudo", "/a/s.sh"]),
    ("ubuntu", False, ["su", "ubuntu", "-c", "/a/s.sh"]),
    ("ubuntu", True, ["sudo", "su", "ubuntu", "-c", "/a/s.sh"]),
])
def test_script_command_is_the_agents(runas, sudo, argv):
    """linux_util.rb prepare_script_command: runas -> su USER -c, sudo -> sudo in front."""
    assert host_agent.script_command("/a/s.sh", runas, sudo) == argv


def test_background_process_holding_the_output_is_named_and_fails_at_the_timeout(tmp_path):
    """aws-codedeploy-agent#118: the agent waits for the hook's output to close; a server started
    with `&` keeps it open, so the hook fails at its timeout ("failed to close STDOUT"). vend does
    the same and says why at once, naming the process."""
    script = tmp_path / "hook.sh"
    result = _run_hook(tmp_path, "#!/bin/sh\nsleep 60 &\necho $! > \"$0.pid\"\necho started\n", timeout=2)
    pid = int((tmp_path / "hook.sh.pid").read_text())
    try:
        assert result.returncode == host_agent.OUTPUT_OPEN_EXIT
        lines = result.stdout.splitlines()
        assert lines[1:] == [
            "started",
            f"warning: {script} exited with 0 but its output is still open, held by pid {pid} (sleep 60). The "
            "CodeDeploy agent waits for a hook's output to close: on AWS this hook hangs until its timeout (2s) and "
            "fails with 'failed to close STDOUT' (aws-codedeploy-agent#118); vend does the same. Start background "
            "processes with their output redirected (> /dev/null 2>&1 < /dev/null), or as a service.",
            f"script {script} failed to close STDOUT within 2s"]
    finally:
        os.kill(pid, 9)


def test_background_process_with_its_output_redirected_passes_at_once(tmp_path):
    result = _run_hook(tmp_path, "#!/bin/sh\nsleep 60 > /dev/null 2>&1 < /dev/null &\necho $! > \"$0.pid\"\n", timeout=10)
    os.kill(int((tmp_path / "hook.sh.pid").read_text()), 9)
    assert result.returncode == 0 and "warning" not in result.stdout


def test_the_next_deployment_stops_a_hook_an_interrupted_one_left_running(tmp_path):
    """vend was killed while a hook ran: the hook goes on (its own session) and records itself in
    the group's directory; the next deployment of the group stops it before it starts."""
    group = tmp_path / "group"
    archive = group / "d-OLD" / "deployment-archive"
    (archive / "scripts").mkdir(parents=True)
    script = archive / "scripts" / "start.sh"
    script.write_text("#!/bin/sh\necho $$ > \"$0.pid\"\nsleep 120\n")
    script.chmod(0o755)
    args = {"script": str(script), "timeout": 300, "runas": None, "env": {"LIFECYCLE_EVENT": "ApplicationStart"},
            "log": str(group / "d-OLD" / "logs" / "scripts.log")}
    old = subprocess.Popen([sys.executable, str(AGENT), "hook", json.dumps(args)], stdout=subprocess.PIPE)
    pid_file = Path(f"{script}.pid")
    for _ in range(200):
        if pid_file.exists() and pid_file.read_text().strip() and (group / host_agent.RUNNING).exists():
            break
        time.sleep(0.05)
    old.stdout.close()  # vend is gone: nobody reads the agent's output any more
    hook_pid = int(pid_file.read_text())
    try:
        assert json.loads((group / host_agent.RUNNING).read_text())["deployment"] == "d-OLD"
        assert host_agent.settle(str(group), "d-OLD") == ""  # the deployment's own hook is left alone
        bundle = tmp_path / "bundle.tar.gz"
        with tarfile.open(bundle, "w:gz") as tar:
            tar.add(str(script), arcname="x.sh")
        result = host_agent.unpack(str(bundle), str(group / "d-NEW" / "deployment-archive"))
        assert result["stopped"] == ("stopped what deployment d-OLD left running: scripts/start.sh (ApplicationStart, "
                                     f"process group {hook_pid}), before this deployment starts")
        assert old.wait(timeout=20) != 0  # its hook was stopped
        with pytest.raises(ProcessLookupError):
            os.kill(hook_pid, 0)
        assert not (group / host_agent.RUNNING).exists()
    finally:
        try:
            os.killpg(hook_pid, 9)
        except ProcessLookupError:
            pass


def test_installed_files_keep_their_modes_and_times_from_the_bundle(tmp_path):
    """As the agent (`tar -xp`, unzip): a group-writable file stays group-writable, times stay."""
    site = tmp_path / "rev" / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("hi")
    (site / "index.html").chmod(0o664)
    os.utime(site / "index.html", (1_700_000_000, 1_700_000_000))
    bundle = tmp_path / "bundle.tar.gz"
    with tarfile.open(bundle, "w:gz") as tar:
        tar.add(str(site), arcname="site")
    archive = tmp_path / "group" / "d-1" / "deployment-archive"
    host_agent.unpack(str(bundle), str(archive))
    dest = tmp_path / "www"
    host_agent.install(str(archive), _spec(dest), str(tmp_path / "group"))
    st = (dest / "index.html").stat()
    assert (oct(st.st_mode & 0o7777), st.st_mtime) == ("0o664", 1_700_000_000)


def test_a_hook_over_its_timeout_gets_sigterm_first_as_the_agent_sends(tmp_path):
    """The agent sends the hook's process group SIGTERM (`Process.kill('-TERM', pid)`); vend
    follows with SIGKILL only if the group outlives a grace."""
    result = _run_hook(tmp_path, "#!/bin/sh\ntrap 'echo got TERM; exit 3' TERM\nsleep 30 &\nwait\n", timeout=1)
    assert result.returncode == host_agent.TIMEOUT_EXIT
    assert "got TERM" in result.stdout
