#!/usr/bin/env python3
"""vend's host agent: the part of a deployment that runs ON the host (CodeDeploy agent's role).

Standalone on purpose (standard library only, Python 3.8+): it is uploaded to each host and run
over SSH as `python3 host_agent.py COMMAND JSON`. Commands:

  unpack   {"bundle", "archive"}                     extract a revision safely (tarfile data filter)
  install  {"archive", "appspec", "group_root"}      copy `files` honouring file_exists_behavior,
                                                     remove what the group's last deployment
                                                     installed, apply `permissions` to what this
                                                     one installed (files copied, directories made)
  hook     {"script", "timeout", "runas", "env", "log", "env_file"?, "sudo"?}  run one hook script
                                                     as the agent does (from /, `su RUNAS -c`,
                                                     `sudo`, /bin/sh without `#!`) in its own
                                                     process group, with the env file's variables;
                                                     output to the log and to stdout; on timeout
                                                     the whole group is killed (exit 124); output
                                                     left open by a background process is waited
                                                     for until the timeout, as the agent does
                                                     (a warning names the process; exit 125)
  prune    {"group_root", "keep", "current"}         keep the newest `keep` deployment directories
  run      (plan as JSON on stdin)                   a stretch of the lifecycle in one run: its
                                                     events' hooks and builtin steps in order,
                                                     output streamed, one result line per step
"""
import errno
import fnmatch
import grp
import io
import json
import os
import pwd
import select
import shutil
import signal
import subprocess
import sys
import tarfile
import time

INSTALLED = "installed-files.json"
TIMEOUT_EXIT = 124
OUTPUT_OPEN_EXIT = 125  # exited, but its output stayed open until the timeout
NOT_STARTED_EXIT = 126
RUNNING = "running-hook.json"  # in the group's directory: the hook running now, for the next deployment
STOP_GRACE = 5  # seconds between SIGTERM and SIGKILL for what an interrupted deployment left running


class AgentError(Exception):
    pass


class UnsafeMember(Exception):
    pass


def unpack(bundle, archive):
    deployment_dir = os.path.dirname(archive)  # <group root>/<deployment>/deployment-archive
    stopped = settle(os.path.dirname(deployment_dir), os.path.basename(deployment_dir))
    if os.path.exists(archive):
        shutil.rmtree(archive)
    os.makedirs(archive)
    with tarfile.open(bundle, "r:gz") as tar:
        try:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(archive, filter=_keep_modes)
            else:  # Python before 3.8.17/3.9.17/3.10.12/3.11.4 (e.g. Debian 12's 3.11.2): check by hand
                tar.extractall(archive, members=_safe_members(tar, archive))
        except (UnsafeMember, getattr(tarfile, "FilterError", UnsafeMember), OSError) as e:
            shutil.rmtree(archive, ignore_errors=True)
            raise AgentError("unsafe bundle refused: %s" % e)
    return {"unpacked": archive, "stopped": stopped}


def _safe_members(tar, archive):
    """What the "data" filter lets through: regular files, directories and links that stay inside
    `archive`, without set-id bits; anything else refuses the whole bundle."""
    root = os.path.realpath(archive)

    def inside(path):
        real = os.path.realpath(os.path.join(root, path))
        return real == root or real.startswith(root + os.sep)

    members = tar.getmembers()
    for m in members:
        target = os.path.join(os.path.dirname(m.name), m.linkname) if m.issym() else m.linkname
        if m.name.startswith("/") or not inside(m.name):
            raise UnsafeMember("%s is outside the archive" % m.name)
        if not (m.isfile() or m.isdir() or m.issym() or m.islnk()):
            raise UnsafeMember("%s is not a file, directory or link" % m.name)
        if (m.issym() or m.islnk()) and (m.linkname.startswith("/") or not inside(target)):
            raise UnsafeMember("%s links outside the archive" % m.name)
        m.mode &= 0o777  # no set-id or sticky bits
    return members


def _keep_modes(member, path):
    """tarfile's "data" filter, but a file or directory keeps its permission bits (that filter
    also clears group and other write), as `tar -xp` and unzip do for the agent."""
    checked = tarfile.data_filter(member, path)
    if checked is not None and checked.mode is not None and (member.isfile() or member.isdir()):
        checked = checked.replace(mode=member.mode & 0o777, deep=False)
    return checked


def _sources(archive, mapping):
    """(path in the revision, path on the host) of every file a `files` mapping installs."""
    source = os.path.normpath(os.path.join(archive, mapping["source"]))
    if os.path.isfile(source):
        yield source, os.path.join(mapping["destination"], os.path.basename(source))
        return
    for dirpath, dirnames, filenames in os.walk(source):
        dirnames.sort()
        rel = os.path.relpath(dirpath, source)
        for name in sorted(filenames):
            yield os.path.join(dirpath, name), os.path.normpath(os.path.join(mapping["destination"], rel, name))


def install(archive, appspec, group_root):
    record = os.path.join(group_root, INSTALLED)
    previous = json.load(open(record)) if os.path.exists(record) else []
    for path in reversed(previous):  # what the last deployment made is removed, as the agent's cleanup does
        if os.path.islink(path) or os.path.isfile(path):
            os.remove(path)
        elif os.path.isdir(path):
            try:
                os.rmdir(path)
            except OSError:
                pass  # not empty: something else lives there now
    behavior = appspec.get("file_exists_behavior") or "DISALLOW"
    planned = [pair for mapping in appspec.get("files", []) for pair in _sources(archive, mapping)]
    clashes = [dst for _, dst in planned if os.path.lexists(dst)]
    if clashes and behavior == "DISALLOW":
        raise AgentError("file already exists at %s and was not installed by the last deployment "
                         "(set file_exists_behavior: OVERWRITE or RETAIN in appspec.yml)" % clashes[0])
    made = []  # directories and files this deployment made, in order (the next one removes them)
    files, directories = [], []
    for src, dst in planned:
        if os.path.lexists(dst) and behavior == "RETAIN":
            continue
        created = _makedirs(os.path.dirname(dst))
        directories += created
        made += created
        if os.path.lexists(dst):
            os.remove(dst)
        shutil.copy2(src, dst, follow_symlinks=False)
        files.append(dst)
        made.append(dst)
    for permission in appspec.get("permissions", []):
        _apply_permission(permission, files, directories)
    os.makedirs(group_root, exist_ok=True)
    with open(record + ".tmp", "w") as f:
        json.dump(made, f)
    os.replace(record + ".tmp", record)
    return {"installed": len(files), "retained": len(planned) - len(files)}


def _makedirs(path):
    """Make `path` and its missing parents; the directories made, parents first."""
    missing = []
    while not os.path.lexists(path):
        missing.append(path)
        path = os.path.dirname(path)
    for directory in reversed(missing):
        os.mkdir(directory)
    return list(reversed(missing))


def _below(path, obj):
    """Is `path` strictly inside directory `obj`? Compared by path components, so /var/www/html
    does not contain /var/www/html-admin (the agent appends a separator before comparing)."""
    obj = os.path.normpath(obj)
    return os.path.normpath(path).startswith(obj if obj.endswith("/") else obj + "/")


def _matches(permission, path):
    name = os.path.basename(path)
    if not fnmatch.fnmatch(name, permission.get("pattern") or "**"):
        return False
    return not any(fnmatch.fnmatch(name, e) for e in permission.get("except", []))


def _apply_permission(permission, files, directories):
    """As the CodeDeploy agent: a permission reaches only what this deployment installed: the
    files it copied and the directories it made, below `object` (or `object` itself when the
    deployment copied that very file). What was on the host before is never changed."""
    types = permission.get("type") or ["file", "directory"]
    obj = os.path.normpath(permission["object"])
    targets = []
    if "file" in types:
        targets += [p for p in files if p == obj or (_below(p, obj) and _matches(permission, p))]
    if "directory" in types:
        targets += [p for p in directories if _below(p, obj) and _matches(permission, p)]
    uid = pwd.getpwnam(permission["owner"]).pw_uid if permission.get("owner") else -1
    gid = grp.getgrnam(permission["group"]).gr_gid if permission.get("group") else -1
    for path in sorted(set(targets)):
        if uid != -1 or gid != -1:
            os.chown(path, uid, gid, follow_symlinks=False)
        if permission.get("mode") and not os.path.islink(path):
            os.chmod(path, int(permission["mode"], 8))


def env_file_variables(path):
    """KEY='value' lines of vend's env file (shell single quoting), as a dict."""
    out = {}
    if not path or not os.path.exists(path):
        return out
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            key, sep, value = line.partition("=")
            if sep and key and not key.startswith("#") and len(value) >= 2 and value[0] == value[-1] == "'":
                out[key] = value[1:-1].replace("'\\''", "'")
    return out


def script_command(script, runas=None, sudo=False):
    """The command the CodeDeploy agent runs for a hook script (linux_util.rb
    prepare_script_command): `su RUNAS -c SCRIPT` (the user's login shell runs it), with sudo in
    front when the appspec says `sudo: true`."""
    if runas:
        return (["sudo"] if sudo else []) + ["su", runas, "-c", script]
    return ["sudo", script] if sudo else [script]


def _spawn(argv, env):
    """Start the hook in its own process group, from `/` as the agent does. A script without `#!`
    is run by /bin/sh, as Ruby's spawn does after execve fails with ENOEXEC."""
    options = dict(cwd="/", env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                   stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        return subprocess.Popen(argv, **options)
    except OSError as e:
        if e.errno != errno.ENOEXEC:
            raise
        return subprocess.Popen(["/bin/sh"] + argv, **options)


def output_holders(pipe_fd):
    """(pid, command line) of every other process that has the pipe of `pipe_fd` open."""
    target = "pipe:[%d]" % os.fstat(pipe_fd).st_ino
    found = []
    for pid in sorted((int(p) for p in os.listdir("/proc") if p.isdigit())):
        if pid == os.getpid():
            continue
        try:
            fds = os.listdir("/proc/%d/fd" % pid)
            if not any(os.readlink("/proc/%d/fd/%s" % (pid, fd)) == target for fd in fds):
                continue
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                command = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue  # gone, or not ours to read
        found.append((pid, command))
    return found


def settled_holders(pipe_fd, tries=20):
    """output_holders, once two looks 0.1 s apart agree (a child forked by `&` may not have
    exec'd its program yet, and would be named after the script's shell)."""
    seen = output_holders(pipe_fd)
    for _ in range(tries):
        time.sleep(0.1)
        now = output_holders(pipe_fd)
        if now == seen:
            break
        seen = now
    return seen


def _running_path(group_root):
    return os.path.join(group_root, RUNNING)


def settle(group_root, deployment):
    """Stop the hook another deployment of the group left running (its vend was killed or lost
    its connection): the process group gets SIGTERM, then SIGKILL after a grace. Returns what was
    stopped, as a sentence, or ""."""
    try:
        with open(_running_path(group_root)) as f:
            running = json.load(f)
        pgid, owner = int(running["pgid"]), running["deployment"]
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    if owner == deployment or not _group_alive(pgid):
        return ""
    _stop_group(pgid)
    _remove_running(group_root, running)
    return ("stopped what deployment %s left running: %s (%s, process group %d), before this deployment "
            "starts" % (owner, running.get("location") or running.get("script"), running.get("event"), pgid))


def _stop_group(pgid):
    """SIGTERM to the process group (as the agent does on a timeout), SIGKILL after a grace."""
    for sig, grace in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, 1)):
        try:
            os.killpg(pgid, sig)
        except OSError:
            return
        deadline = time.monotonic() + grace
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not _group_alive(pgid):
            return


def _group_alive(pgid):
    """Does a process of group `pgid` still run? (A zombie waiting to be reaped does not count.)"""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                fields = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            return True
    return False


def _remove_running(group_root, mine):
    """Remove the group's running-hook record if it is still `mine`."""
    try:
        with open(_running_path(group_root)) as f:
            if json.load(f) != mine:
                return
        os.remove(_running_path(group_root))
    except (OSError, ValueError):
        pass


def _write_running(group_root, record):
    path = _running_path(group_root)
    with open(path + ".tmp", "w") as f:
        json.dump(record, f)
    os.replace(path + ".tmp", path)


def _emit(data):
    """Write to vend over SSH; a vend that went away must not stop the hook or its log."""
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except OSError:
        pass


def hook(script, timeout, runas, env, log, env_file=None, sudo=False):
    env = dict(os.environ, **env_file_variables(env_file), **env)
    os.makedirs(os.path.dirname(log), exist_ok=True)
    deployment_dir = os.path.dirname(os.path.dirname(log))  # <group root>/<deployment>/logs/scripts.log
    group_root, deployment = os.path.dirname(deployment_dir), os.path.basename(deployment_dir)
    stopped = settle(group_root, deployment)
    started = time.monotonic()
    with open(log, "ab") as out:
        def say(text):
            out.write(text.encode())
            out.flush()
            _emit(text.encode())

        if stopped:
            say(stopped + "\n")

        out.write(("[%s] %s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                     env.get("LIFECYCLE_EVENT", ""), script)).encode())
        if not os.access(script, os.X_OK):
            say("Script at specified location: %s is not executable. Trying to make it executable.\n" % script)
            os.chmod(script, os.stat(script).st_mode | 0o111)
        try:
            proc = _spawn(script_command(script, runas, sudo), env)
        except OSError as e:
            say("script %s could not be started: %s\n" % (script, e.strerror or e))
            return NOT_STARTED_EXIT
        running = {"agent": os.getpid(), "pgid": proc.pid, "deployment": deployment, "script": script,
                   "location": script.rpartition("/deployment-archive/")[2] or script,
                   "event": env.get("LIFECYCLE_EVENT", "")}
        _write_running(group_root, running)
        try:
            return _follow(proc, script, timeout, started, out, say)
        finally:
            _remove_running(group_root, running)


def _follow(proc, script, timeout, started, out, say):
    """Copy the hook's output until it ends, as the agent waits for it (see hook)."""
    os.set_blocking(proc.stdout.fileno(), False)
    warned = closed = False
    while True:
        exited = proc.poll() is not None  # looked at before reading: what it left is read below
        chunk = None if closed else proc.stdout.read()
        if chunk:
            out.write(chunk)
            out.flush()
            _emit(chunk)
        closed = closed or chunk == b""  # end of output: every writer closed it
        if closed and proc.poll() is not None:
            return proc.returncode
        if exited and chunk is None and not warned and not closed:  # exited, output still open
            holders = settled_holders(proc.stdout.fileno())
            if holders:  # the script ended, its output did not: the agent keeps waiting
                warned = True
                say("warning: %s exited with %d but its output is still open, held by %s. The CodeDeploy "
                    "agent waits for a hook's output to close: on AWS this hook hangs until its timeout "
                    "(%ss) and fails with 'failed to close STDOUT' (aws-codedeploy-agent#118); vend does "
                    "the same. Start background processes with their output redirected "
                    "(> /dev/null 2>&1 < /dev/null), or as a service.\n"
                    % (script, proc.returncode, ", ".join("pid %d (%s)" % h for h in holders), timeout))
        if time.monotonic() - started > timeout:
            if proc.poll() is None:
                _stop_group(proc.pid)  # the agent sends the group SIGTERM; vend then makes sure
                proc.wait()
                rest = proc.stdout.read()  # what the script said on its way out
                if rest:
                    out.write(rest)
                    _emit(rest)
                say("script %s timed out after %ss: process group %d killed\n" % (script, timeout, proc.pid))
                return TIMEOUT_EXIT
            # as the agent: the script's output is left open, its holders keep running
            say("script %s failed to close STDOUT within %ss\n" % (script, timeout))
            return OUTPUT_OPEN_EXIT
        _idle(proc, closed, 0.05)


def prune(group_root, keep, current):
    entries = [d for d in os.listdir(group_root) if os.path.isdir(os.path.join(group_root, d))]
    entries.sort(key=lambda d: os.path.getmtime(os.path.join(group_root, d)), reverse=True)
    removed = [d for d in entries[keep:] if d != current]
    for d in removed:
        shutil.rmtree(os.path.join(group_root, d))
    return {"removed": removed}


def _idle(proc, output_ended, seconds):
    """Wait at most `seconds` for the hook's next output or its end (rather than sleeping them
    out: a stretch runs several hooks, and each would lose up to that long after its exit)."""
    if output_ended:
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass
    else:
        select.select([proc.stdout], [], [], seconds)


# -- one run per stretch of the lifecycle ------------------------------------------------------

class _LineTracker(io.RawIOBase):
    """Standard output that remembers whether the last byte written ended a line, so a result
    line of `run` never lands in the middle of a hook's unfinished last line."""

    def __init__(self, fd):
        super().__init__()
        self.fd, self.at_line_start = fd, True

    def writable(self):
        return True

    def write(self, data):
        data = bytes(data)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]
        if data:
            self.at_line_start = data.endswith(b"\n")
        return len(data)


def write_env_file(path, group, text):
    """The environment's env file: root-owned, mode 0640 for the app's group, in a directory only
    that group may enter (0750), replaced atomically."""
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        gid = grp.getgrnam(group).gr_gid
        os.chown(folder, 0, gid)
        os.chmod(folder, 0o750)
        partial = os.path.join(folder, ".app.env.partial")
        if os.path.lexists(partial):
            os.remove(partial)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chown(partial, 0, gid)
        os.chmod(partial, 0o640)
        os.replace(partial, path)
    except (OSError, KeyError) as e:
        raise AgentError("cannot install %s: %s" % (path, e))
    return {"env_file": path}


def adopt(staged, directory):
    """Move a revision pre-staged in `staged` (bundle.tar.gz, deployment-archive) into the
    deployment's directory; the staging place is removed."""
    stopped = settle(os.path.dirname(directory), os.path.basename(directory))  # as unpack does
    os.makedirs(directory, exist_ok=True)
    for name in ("bundle.tar.gz", "deployment-archive"):
        target = os.path.join(directory, name)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        try:
            os.replace(os.path.join(staged, name), target)
        except OSError as e:
            raise AgentError("pre-staged revision at %s is incomplete: %s" % (staged, e))
    shutil.rmtree(staged, ignore_errors=True)
    return {"adopted": directory, "stopped": stopped}


def pointer(path, archive):
    """Record `archive` as the group's last successful install (replaced atomically)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        f.write(archive + "\n")
    os.replace(path + ".tmp", path)
    return {"pointer": archive}


BUILTINS = {"unpack": unpack, "install": install, "prune": prune, "adopt": adopt, "pointer": pointer,
            "env_file": write_env_file}


def run(plan):
    """Run a stretch of the lifecycle: `plan` = {"nonce", "events": [{"event", "actions": [...]}]}
    with each action {"hook": {hook's arguments}} or {BUILTIN: {its arguments}}. Hook output
    streams to stdout as it comes; between it, one result line per step, each starting with
    "@@vend:NONCE " and a JSON object: {"event"} when an event starts, {"hook", "timeout"} when a
    script starts, {"hook", "exit", "seconds"} when it ended, {"error"} when a builtin step
    failed. The first failed step ends the run (exit 1). {"discard": DIR} instead of events calls
    off a run started ahead of its turn and removes that pre-staged directory."""
    tracker = _LineTracker(sys.stdout.fileno())
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(tracker), write_through=True)
    prefix = "@@vend:%s " % plan["nonce"]

    def say(**result):
        sys.stdout.flush()
        sys.stdout.write(("" if tracker.at_line_start else "\n") + prefix + json.dumps(result) + "\n")
        sys.stdout.flush()

    if plan.get("discard"):  # a run started ahead of its turn, called off: drop its pre-staged copy
        shutil.rmtree(plan["discard"], ignore_errors=True)
    for step in plan["events"]:
        say(event=step["event"])
        for action in step["actions"]:
            (name, args), = action.items()
            if name == "hook":
                say(hook=args["script"], timeout=args["timeout"])
                started = time.monotonic()
                code = hook(**args)
                say(hook=args["script"], exit=code, seconds=round(time.monotonic() - started, 6))
                if code != 0:
                    return 1
                continue
            try:
                done = BUILTINS[name](**args)
            except AgentError as e:
                say(error=str(e))
                return 1
            if done.get("stopped"):  # a hook an interrupted deployment left running: said as output
                sys.stdout.write(done["stopped"] + "\n")
    say(done=True)
    return 0


def main(argv):
    command = argv[1]
    if command == "run":  # the plan comes on stdin: it may carry the env file's secrets
        return run(json.load(sys.stdin))
    args = json.loads(argv[2])
    try:
        if command == "hook":
            return hook(**args)
        result = {"unpack": unpack, "install": install, "prune": prune}[command](**args)
    except AgentError as e:
        sys.stderr.write("vend agent: %s\n" % e)
        return 1
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
