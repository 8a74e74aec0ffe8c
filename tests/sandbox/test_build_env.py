"""The build environment (CodeBuild's stand-in): what a build sees, as whom it runs, and that
every process it started dies with it."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vendor.sandbox.build_env import PATH, SRC, BuildEnvironment, BuildEnvironmentError, missing_requirements

pytestmark = [pytest.mark.root, pytest.mark.skipif(bool(missing_requirements()), reason="; ".join(missing_requirements()) or "-")]
REPO = Path(__file__).resolve().parents[2]


def _run(env: BuildEnvironment, script: str, user: str = "build", environ: dict | None = None) -> tuple[int | None, list[str]]:
    lines: list[str] = []
    code = env.run(["sh", "-c", script], environ or {"PATH": PATH, "HOME": env.home(user)}, cwd=env.src, user=user,
                   deadline=time.monotonic() + 20, emit=lines.append)
    return code, lines


@pytest.fixture
def source(tmp_path):
    src = tmp_path / "source"
    (src / "app").mkdir(parents=True)
    (src / "app" / "index.txt").write_text("hello\n")
    (src / ".git").mkdir()
    (src / ".git" / "config").write_text("[core]\n")
    return src


def test_the_build_sees_its_source_and_the_system_only(tmp_path, source):
    """Only the system's read-only directories, its source and its own scratch directories are
    there: no state directory, no home of the invoking user, no /work or /tmp of the machine."""
    secret = tmp_path / "state" / "approvals.key"
    secret.parent.mkdir()
    secret.write_text("k" * 64)
    with BuildEnvironment(tmp_path / "env") as env:
        env.copy_in(source, "build")
        env.start()
        code, lines = _run(env, f"id -un; pwd; ls -A /; ls -A; ls -A /tmp /home; cat app/index.txt; "
                                f"test -e {secret} || echo no key; test -e {REPO} || echo no repo; ls /root 2>&1; "
                                "echo data > app/built.txt; touch /usr/x 2>&1; env | sort")
    assert code == 0, lines
    assert lines == ["build", SRC, "bin", "codebuild", "dev", "etc", "home", "lib", "lib64", "proc", "root", "sbin",
                     "tmp", "usr", "var", "app", "/home:", "build", "", "/tmp:", "hello", "no key", "no repo",
                     "ls: cannot open directory '/root': Permission denied", "touch: cannot touch '/usr/x': Read-only file system",
                     "HOME=/home/build", f"PATH={PATH}", f"PWD={SRC}"]
    assert (env.host_src / "app" / "built.txt").read_text() == "data\n"  # vend copies artifacts out from here
    env.remove()
    assert not (tmp_path / "env").exists()


def test_the_builds_variables_reach_only_the_build(tmp_path, source):
    """The buildspec's variables (LD_PRELOAD, LD_DEBUG...) are set inside, for the build user's
    processes only: never for the tools that enter the environment as root."""
    with BuildEnvironment(tmp_path / "env") as env:
        env.copy_in(source, "build")
        env.start()
        code, lines = _run(env, "ulimit -p", environ={"PATH": PATH, "LD_DEBUG": "files"})
    programs = sorted({line.split("initialize program: ", 1)[1] for line in lines if "initialize program: " in line})
    assert (code, programs, lines[-1]) == (0, ["sh"], "4096")


def test_vend_reads_and_writes_the_builds_state_files_without_following_its_links(tmp_path, source):
    """While the build runs, vend exchanges its shell state through files the build can replace:
    a link (to this machine's files), a FIFO or a huge file is never followed, read or written through."""
    victim = tmp_path / "victim"
    victim.write_text("machine file\n")
    with BuildEnvironment(tmp_path / "env") as env:
        env.copy_in(source, "build")
        env.start()
        env.put("cwd", b"/codebuild/output/src/app")
        code, lines = _run(env, f"cat /codebuild/state/cwd; echo; echo mine > /codebuild/state/exported; "
                                f"ln -sf {victim} /codebuild/state/cwd; ln -sf {victim} /codebuild/state/all; "
                                "mkfifo /codebuild/state/fifo")
        assert (code, lines) == (0, ["/codebuild/output/src/app"])
        assert env.take("exported") == b"mine\n"
        assert (env.take("all"), env.take("fifo"), env.take("missing"), env.take("exported", limit=2)) == (None, None, None, None)
        env.put("cwd", b"/codebuild/output/src")
        env.drop("all")
        env.drop("never-there")
        assert _run(env, "cat /codebuild/state/cwd; echo; ls /codebuild/state") == (
            0, ["/codebuild/output/src", "cwd", "exported", "fifo"])
    assert victim.read_text() == "machine file\n"


def test_tool_directories_are_added_read_only_at_their_own_path(tmp_path, source):
    tools = tmp_path / "tools"
    tools.mkdir()
    (tools / "aws").write_text("#!/bin/sh\necho stand-in aws \"$@\"\n")
    (tools / "aws").chmod(0o755)
    with BuildEnvironment(tmp_path / "env", tools=[tools]) as env:
        env.copy_in(source, "build")
        env.start()
        code, lines = _run(env, f"aws s3 ls; touch {tools}/x 2>&1; ls {tmp_path}", environ={"PATH": f"{tools}:{PATH}"})
    assert (code, lines) == (0, ["stand-in aws s3 ls", f"touch: cannot touch '{tools}/x': Read-only file system", "tools"])
    with pytest.raises(BuildEnvironmentError) as e:
        BuildEnvironment(tmp_path / "env2", tools=[Path("/etc")])
    assert str(e.value) == ("tool directory /etc cannot be added to the build image "
                            "(an existing absolute directory outside /usr, /etc, /proc, /dev, /codebuild)")
    assert not (tmp_path / "env2").exists()


def test_the_network_is_loopback_only(tmp_path, source):
    """The build has its own network namespace with loopback only: the controller's services on
    127.0.0.1 (approvals, the emulator) are out of reach."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    with server, BuildEnvironment(tmp_path / "env") as env:
        env.copy_in(source, "build")
        env.start()
        code, lines = _run(env, "ip -o link | cut -d' ' -f2; python3 -c \"import socket\n"
                                f"try: socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
                                "except OSError as e: print(type(e).__name__)\"")
    assert (code, lines) == (0, ["lo:", "ConnectionRefusedError"])


def test_every_process_of_the_build_dies_with_it(tmp_path, source):
    """Background processes, even in their own session, are killed when the environment stops."""
    marker = f"vend-build-bg-{os.getpid()}-{time.monotonic_ns()}"
    env = BuildEnvironment(tmp_path / "env")
    env.copy_in(source, "build")
    env.start()
    code, _ = _run(env, f"setsid nohup sh -c 'sleep 300' {marker} >/dev/null 2>&1 & (sleep 300 &) ; sleep 0.3")
    assert code == 0
    assert _with_marker(marker) and len(env.processes()) >= 3  # PID 1 and both sleeps
    env.stop()
    assert env.processes() == [] and _with_marker(marker) == []
    env.remove()


def test_the_build_dies_with_vend(tmp_path, source):
    """If vend itself is killed mid-build, the build environment and its processes die with it."""
    marker = f"vend-build-orphan-{os.getpid()}-{time.monotonic_ns()}"
    script = (f"import time\nfrom pathlib import Path\nfrom vendor.sandbox.build_env import BuildEnvironment, PATH\n"
              f"env = BuildEnvironment(Path({str(tmp_path / 'env')!r}))\nenv.copy_in(Path({str(source)!r}), 'build')\n"
              f"env.start()\nenv.run(['sh', '-c', \"setsid nohup sh -c 'sleep 300' {marker} >/dev/null 2>&1 & sleep 0.2\"], "
              "{'PATH': PATH}, cwd=env.src, user='build', deadline=time.monotonic() + 20, emit=print)\n"
              "print('running', flush=True)\ntime.sleep(300)\n")
    vend = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert vend.stdout.readline() == "running\n"
    assert _with_marker(marker)
    vend.kill()
    vend.wait()
    deadline = time.monotonic() + 5
    while _with_marker(marker):
        assert time.monotonic() < deadline, "the build outlived vend"
        time.sleep(0.05)


def test_run_as_a_user_the_image_has_or_a_new_one(tmp_path, source):
    with BuildEnvironment(tmp_path / "env", users=("builder", "www-data")) as env:
        env.copy_in(source, "builder")
        env.start()
        assert _run(env, "id -un; echo $HOME; touch mine && echo writable", "builder") == (0, ["builder", "/home/builder", "writable"])
        assert _run(env, "id -un; touch theirs 2>/dev/null || echo not writable", "www-data") == (0, ["www-data", "not writable"])


def test_without_root_there_is_no_build_and_it_says_why(tmp_path):
    """Without root (namespaces, mounts) the build fails with a clear message; it never falls
    back to running on the controller."""
    script = ("from pathlib import Path\nfrom vendor.sandbox.build_env import BuildEnvironment, BuildEnvironmentError\n"
              "try: BuildEnvironment(Path('/tmp/never'))\nexcept BuildEnvironmentError as e: print(e)\n")
    done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", script],
                          cwd=REPO, capture_output=True, text=True, timeout=30)
    assert done.stdout == ("build environment unavailable: must run as root (namespaces, mounts) "
                           "(builds never run on the controller itself)\n"), done.stderr


def test_a_fifo_or_device_in_the_source_is_refused(tmp_path, source):
    os.mkfifo(source / "app" / "pipe")
    env = BuildEnvironment(tmp_path / "env")
    with pytest.raises(BuildEnvironmentError) as e:
        env.copy_in(source, "build")
    assert str(e.value) == "the source's pipe is not a regular file (a device, FIFO or socket): remove it from the revision"
    env.remove()


def _with_marker(marker: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if marker.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            pass
    return found
