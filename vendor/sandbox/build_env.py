"""A throw-away build environment, CodeBuild's stand-in: one per build, never the controller.

    with BuildEnvironment(work, users=("build",)) as env:
        env.copy_in(source, "build")            # the revision, owned by the build user
        env.start()
        code = env.run(["sh", "-c", "make"], environ, cwd=env.src, user="build",
                       deadline=deadline, emit=print)
    # every process the build started is gone here; env.host_src holds what it left
    env.remove()

The environment is new mount, PID, network, UTS and IPC namespaces whose PID 1 is chrooted
into a root assembled from an allow-list of the machine's read-only system directories
(build_root.py: /usr, /etc and the /bin, /lib... links), with its own /tmp, /home, /proc, a
minimal /dev, and the source at /codebuild/output/src. Nothing else of the machine is there: not vend's state
directory, keys or approvals store, not /root, /home, /work or /tmp. The network namespace has
loopback only. Commands run as an unprivileged user (no capabilities, no_new_privs, so no
setuid binary helps) through `nsenter`; their environment is exactly what the caller gives (set inside by `env -i`:
the tools that enter as root get none of it).
Stopping kills PID 1, and with it every process of the namespace (the kernel's rule).
"""
from __future__ import annotations

import os
import select
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from vendor.sandbox import rootfs
from vendor.sandbox.build_root import (SRC, STATE, BuildEnvironmentError, UserRefused, prepare_root,
                                       setup_script, tool_mount_points)

__all__ = ["PATH", "SRC", "STATE", "BuildEnvironment", "BuildEnvironmentError", "UserRefused", "missing_requirements"]

PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
TOOLS = ("unshare", "nsenter", "setpriv", "prlimit", "chroot", "mount", "ip")
MAX_PROCESSES = 4096  # RLIMIT_NPROC of the build user: a fork bomb stops there, not at the machine's limit
START_TIMEOUT = 10.0
STOP_TIMEOUT = 5.0


def missing_requirements() -> list[str]:
    problems = [] if os.geteuid() == 0 else ["must run as root (namespaces, mounts)"]
    return problems + [f"{tool} not found (util-linux, iproute2)" for tool in TOOLS if shutil.which(tool) is None]


class BuildEnvironment:
    def __init__(self, work: Path, *, users: Iterable[str] = ("build",), passwd: Path = Path("/etc/passwd"),
                 group: Path = Path("/etc/group"), tools: Iterable[Path] = ()):
        """`tools`: directories of this machine to add to the image, read-only at their own path
        (tests' stand-ins for aws, docker...; vend itself adds none)."""
        problems = missing_requirements()
        if problems:
            raise BuildEnvironmentError("build environment unavailable: " + "; ".join(problems) +
                                        " (builds never run on the controller itself)")
        self.work = Path(work).resolve()
        self.root = self.work / "root"
        self.host_src = self.root / SRC.lstrip("/")
        self.src = SRC
        self._process: subprocess.Popen | None = None
        self._init_pid = 0
        self._pidns = ""
        # name -> (uid, gid, home)
        self.users = prepare_root(self.work, self.root, list(dict.fromkeys(users)), passwd.read_text(), group.read_text())
        self.tools = tuple(Path(t).resolve() for t in tools)
        try:
            tool_mount_points(self.root, self.tools)
        except BuildEnvironmentError:
            self.remove()
            raise

    # -- the caller's interface ----------------------------------------------------------

    def copy_in(self, source: Path, owner: str) -> None:
        """Copy the revision (without .git, symlinks kept as links) to SRC, owned by `owner`."""
        uid, gid, _ = self.users[owner]
        shutil.copytree(source, self.host_src, symlinks=True, ignore=shutil.ignore_patterns(".git"), dirs_exist_ok=True,
                        copy_function=_copy_regular)
        for directory, dirs, files in os.walk(self.host_src):  # never through a link
            for name in (".", *dirs, *files):
                os.lchown(os.path.join(directory, name), uid, gid)

    def home(self, user: str) -> str:
        return self.users[user][2]

    def start(self) -> None:
        """Boot PID 1 in new namespaces; returns once it is chrooted in the mounted root (~0.1-0.3 s)."""
        self._process = subprocess.Popen(
            [shutil.which("setpriv"), "--pdeathsig", "KILL",  # if vend dies, so does the environment
             shutil.which("unshare"), "--mount", "--pid", "--net", "--uts", "--ipc", "--fork", "--kill-child",
             "--propagation", "private", "sh", "-c", setup_script(self.work, self.root, self.tools)],
            env={"PATH": PATH}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            cwd=self.root, start_new_session=True)
        ready = self._process.stdout.readline().strip()
        if not ready.isdigit():
            process = self._process
            self.stop()
            error = _errors(process)
            raise BuildEnvironmentError(f"build environment did not start: {error or 'no reason given'}")
        self._init_pid = _child_of(self._process.pid)
        self._pidns = os.readlink(f"/proc/{self._init_pid}/ns/pid")
        self._wait_chrooted()

    def _wait_chrooted(self) -> None:
        """Commands enter PID 1's root and working directory: wait until it has exec'd `sleep`
        inside the chroot, so that no command can ever start in the machine's root."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                where = {os.readlink(f"/proc/{self._init_pid}/{link}") for link in ("root", "cwd")}
                done = where == {str(self.root)} and Path(f"/proc/{self._init_pid}/cmdline").read_bytes() == b"sleep\0infinity\0"
            except OSError:
                done = False
            if done:
                return
            if time.monotonic() > deadline or self._process.poll() is not None:
                process = self._process
                self.stop()
                raise BuildEnvironmentError(f"build environment did not start: {_errors(process) or 'PID 1 never chrooted'}")
            time.sleep(0.002)

    def run(self, argv: list[str], environ: dict[str, str], *, cwd: str, user: str, deadline: float,
            emit: Callable[[str], None]) -> int | None:
        """Run argv inside as `user` with exactly `environ`, streaming its output lines to emit;
        None when `deadline` (time.monotonic) passed (its process group is killed)."""
        uid, gid, _ = self.users[user]
        # nsenter, prlimit and setpriv run as root on this machine: they get a clean environment
        # (a buildspec's LD_PRELOAD must never reach them); `env -i` inside, as the build user,
        # sets exactly `environ`.
        command = [shutil.which("nsenter"), f"--target={self._init_pid}", "--mount", "--uts", "--ipc", "--net",
                   "--pid", "--root", "--wd",  # the root and cwd of PID 1: the environment's /
                   "prlimit", f"--nproc={MAX_PROCESSES}", "--",
                   "setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--no-new-privs",
                   "--inh-caps=-all", "--bounding-set=-all", "--",
                   "/bin/sh", "-c", 'cd -- "$0" && exec "$@"', cwd,
                   "/usr/bin/env", "-i", "--", *(f"{k}={v}" for k, v in environ.items()), *argv]
        proc = subprocess.Popen(command, env={"PATH": PATH}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            return _stream(proc, deadline, emit)
        finally:
            proc.stdout.close()

    def processes(self) -> list[int]:
        """Host pids of every process still in the environment's PID namespace."""
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if self._pidns and os.readlink(f"/proc/{pid}/ns/pid") == self._pidns:
                    found.append(int(pid))
            except OSError:
                pass
        return found

    def stop(self) -> None:
        """Kill PID 1 (the kernel then kills every process of the namespace) and wait until none
        is left. The files (host_src) stay until remove()."""
        if self._process is None:
            return
        if self._init_pid:
            _kill(self._init_pid)
        try:  # unshare reaps PID 1 and exits (killing unshare first would leave PID 1 to the machine's init)
            self._process.wait(timeout=STOP_TIMEOUT if self._init_pid else 0)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=STOP_TIMEOUT)
        deadline = time.monotonic() + STOP_TIMEOUT
        while left := self.processes():
            if time.monotonic() > deadline:
                raise BuildEnvironmentError(f"build processes {left} survived the end of the build")
            for pid in left:
                _kill(pid)
            time.sleep(0.02)
        self._process, self._init_pid = None, 0

    def put(self, name: str, data: bytes) -> None:
        """Write one file of the build's state directory (STATE) while the build may run: never
        through a link or onto a file the build put there (it is replaced; the build may write it)."""
        directory = self._state_dir()
        try:
            try:
                os.unlink(name, dir_fd=directory)
            except FileNotFoundError:
                pass
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666, dir_fd=directory)
            with os.fdopen(fd, "wb") as f:
                os.fchmod(f.fileno(), 0o666)
                f.write(data)
        except FileExistsError:
            raise BuildEnvironmentError(f"the build replaced {STATE}/{name} while vend wrote it") from None
        finally:
            os.close(directory)

    def drop(self, name: str) -> None:
        """Remove one file of the build's state directory (whatever it is; never what a link names)."""
        directory = self._state_dir()
        try:
            os.unlink(name, dir_fd=directory)
        except FileNotFoundError:
            pass
        finally:
            os.close(directory)

    def take(self, name: str, limit: int = 8 << 20) -> bytes | None:
        """Read one file of the build's state directory while the build may run; None unless it
        is a regular file (not a link, FIFO or device) of at most `limit` bytes."""
        directory = self._state_dir()
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=directory)
        except OSError:
            return None
        finally:
            os.close(directory)
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
                return None
            return f.read(limit + 1)[:limit]

    def _state_dir(self) -> int:
        # /codebuild is root's: the build cannot replace the state directory itself, only its files
        return os.open(self.root / STATE.lstrip("/"), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)

    def remove(self) -> None:
        """Delete the environment's files (its root, with what the build left in the source)."""
        rootfs.remove_tree(self.work)

    def __enter__(self) -> BuildEnvironment:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _stream(proc: subprocess.Popen, deadline: float, emit: Callable[[str], None]) -> int | None:
    """Emit proc's output lines until it exits (woken by its pidfd or its output, not by polling);
    None after killing its process group at `deadline`. A background process that keeps the
    pipe open does not hold this up."""
    out = proc.stdout.fileno()
    os.set_blocking(out, False)
    pidfd = os.pidfd_open(proc.pid)
    pending, reading = b"", True
    try:
        while True:
            wait = deadline - time.monotonic()
            if wait <= 0:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return None
            ready, _, _ = select.select([out, pidfd] if reading else [pidfd], [], [], min(wait, 1.0))
            exited = pidfd in ready
            while reading and (out in ready or exited):
                try:
                    chunk = os.read(out, 1 << 16)
                except BlockingIOError:
                    break
                reading = bool(chunk)
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    emit(line.decode(errors="replace"))
                if not exited:
                    break
            if exited:
                break
    finally:
        os.close(pidfd)
    if pending:
        emit(pending.decode(errors="replace"))
    return proc.wait()


def _errors(process: subprocess.Popen) -> str:
    """What the set-up script said on stderr (it has exited)."""
    try:
        return " ".join(process.stderr.read().decode(errors="replace").split())[:500]
    except (OSError, ValueError):
        return ""


def _copy_regular(source: str, target: str) -> None:
    """Copy one file of the revision; a device, FIFO or socket is refused (reading it could block
    or read this machine's devices)."""
    if not stat.S_ISREG(os.lstat(source).st_mode):
        raise BuildEnvironmentError(f"the source's {Path(source).name} is not a regular file (a device, FIFO or socket): "
                                    "remove it from the revision")
    shutil.copy2(source, target, follow_symlinks=False)


def _child_of(pid: int) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        if children:
            return int(children[0])
        time.sleep(0.005)
    raise BuildEnvironmentError("build environment did not start: its PID 1 is not there")


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
