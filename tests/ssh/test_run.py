"""run(): real sshd on local hosts; exit codes, quoting, env, stdin, streaming, timeouts."""
import os
import time
import uuid

import pytest

from tests.remote import alive_argv
from vendor.ssh import CommandTimeout, run

pytestmark = pytest.mark.root  # real namespaces and sshd


def test_each_host_answers_with_its_own_name_as_root(group):
    outcomes = group.run_each(["sh", "-c", "hostname; id -u"], timeout=10)
    assert [o.ok for o in outcomes] == [True, True, True]
    assert [o.result.stdout.split() for o in outcomes] == [[h.name, "0"] for h in group.hosts]


def test_parallel_run_each_keeps_host_order(group):
    outcomes = group.run_each(["hostname"], timeout=10, parallel=True)
    assert [o.result.stdout.strip() for o in outcomes] == [h.name for h in group.hosts]


def test_exit_code_and_stderr_come_back_without_the_group_marker(conn):
    result = run(conn, ["sh", "-c", "echo out; echo err >&2; exit 3"], timeout=10)
    assert (result.exit_code, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert not result.ok
    assert 0 < result.duration < 10


def test_shell_metacharacters_in_arguments_stay_literal(conn):
    marker = f"/tmp/pwned-{uuid.uuid4().hex}"
    args = [f"$(touch {marker}); rm -rf x", f"`touch {marker}`", "a'b\"c", "*", "; ls", "", "x\ny"]
    result = run(conn, ["printf", "[%s]\\n", *args], timeout=10)
    assert result.stdout == "".join(f"[{a}]\n" for a in args)
    assert run(conn, ["test", "-e", marker], timeout=10).exit_code == 1
    assert not os.path.exists(marker)


def test_environment_values_are_not_interpreted(conn):
    value = "two words; $(id) `id` $HOME"
    result = run(conn, ["sh", "-c", 'printf %s "$GREETING"'], timeout=10, env={"GREETING": value})
    assert result.stdout == value


def test_input_is_fed_to_stdin(conn):
    data = "line one\nline two\n" * 5000  # larger than one SSH window chunk
    result = run(conn, ["wc", "-l"], timeout=10, input=data)
    assert result.stdout.strip() == "10000"


def test_output_lines_are_streamed_while_the_command_runs(conn):
    seen = []
    script = "echo first; echo warn >&2; sleep 0.6; printf 'last'"
    result = run(conn, ["sh", "-c", script], timeout=10,
                 on_output=lambda stream, line: seen.append((stream, line, time.monotonic())))
    lines = [(stream, line) for stream, line, _ in seen]
    assert lines == [("stdout", "first"), ("stderr", "warn"), ("stdout", "last")]
    assert seen[2][2] - seen[0][2] > 0.4  # the first line arrived long before the end
    assert result.stdout == "first\nlast"


def test_timeout_kills_the_whole_process_group(conn):
    """A remote command over its timeout is killed with its whole process group."""
    pid_file = f"/tmp/child-{uuid.uuid4().hex}"
    script = f"sleep 300 & echo $! > {pid_file}; echo started; wait"
    started = time.monotonic()
    with pytest.raises(CommandTimeout) as caught:
        run(conn, ["sh", "-c", script], timeout=1)
    assert time.monotonic() - started < 15  # bounded: the 1 s timeout fired, not the 300 s sleep
    assert caught.value.stdout == "started\n"
    assert "killed process group" in str(caught.value)
    child = run(conn, ["cat", pid_file], timeout=10).stdout.strip()
    assert child.isdigit()
    deadline = time.monotonic() + 3
    while run(conn, alive_argv(child), timeout=10).ok:
        assert time.monotonic() < deadline, f"child sleep {child} survived the timeout"
        time.sleep(0.05)


def test_a_background_child_holding_stdout_does_not_hang_run(conn):
    result = run(conn, ["sh", "-c", "sleep 20 & echo done"], timeout=30)
    assert result.ok and result.stdout == "done\n"
    assert result.duration < 10  # returned long before the 20 s child ended


def test_a_failing_output_callback_aborts_and_kills_the_command(conn):
    pid_file = f"/tmp/aborted-{uuid.uuid4().hex}"

    def explode(stream, line):
        raise RuntimeError("consumer broke")

    with pytest.raises(RuntimeError, match="consumer broke"):
        run(conn, ["sh", "-c", f"echo $$ > {pid_file}; echo hi; sleep 300"], timeout=10,
            on_output=explode)
    pid = run(conn, ["cat", pid_file], timeout=10).stdout.strip()
    deadline = time.monotonic() + 10  # generous: a busy 2-core machine; a missed kill never ends (sleep 300)
    while run(conn, alive_argv(pid), timeout=10).ok:
        assert time.monotonic() < deadline, f"aborted command {pid} is still running"
        time.sleep(0.05)


def test_input_for_a_command_that_does_not_read_it_is_dropped(conn):
    result = run(conn, ["true"], timeout=10, input=b"x" * 2_000_000)
    assert result.exit_code == 0


def test_run_never_selects_on_a_channel(conn, monkeypatch):
    """select() on a paramiko channel makes it create a pipe that Channel.close() races the
    transport thread on (EPIPE/EBADF kill the whole connection: paramiko #1157, #1700, #2271)."""
    import paramiko

    def no_fileno(channel):
        raise AssertionError("run() asked a channel for a file descriptor")

    monkeypatch.setattr(paramiko.Channel, "fileno", no_fileno)
    with pytest.raises(CommandTimeout, match="killed process group"):
        run(conn, ["sh", "-c", "echo started; sleep 300"], timeout=0.5)
    result = run(conn, ["sh", "-c", "cat; echo done >&2"], timeout=10, input="in\n")
    assert (result.stdout, result.stderr) == ("in\n", "done\n")
    assert conn.alive


def test_a_command_started_ahead_waits_for_input_given_later(conn):
    """Input as a Future: the command runs at once (its output streams), its stdin comes when the
    future has a result."""
    from concurrent.futures import Future, ThreadPoolExecutor
    later, seen = Future(), []
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(run, conn, ["sh", "-c", "echo up; cat"], timeout=20, input=later,
                              on_output=lambda stream, line: seen.append(line))
        deadline = time.monotonic() + 10
        while "up" not in seen and time.monotonic() < deadline:
            time.sleep(0.02)
        assert seen == ["up"] and not running.done()  # started, and waiting on its input
        later.set_result("given later\n")
        result = running.result(timeout=20)
    assert result.stdout == "up\ngiven later\n"


def test_a_moving_deadline_stops_the_command_before_its_timeout(conn):
    started = time.monotonic()
    with pytest.raises(CommandTimeout) as e:
        run(conn, ["sleep", "30"], timeout=60, deadline=lambda: started + 1)
    assert time.monotonic() - started < 10
    assert "timed out after 1s; killed process group" in str(e.value)


def test_each_run_is_counted_for_its_host(conn):
    from vendor.ssh import counters
    before = counters.snapshot()
    run(conn, ["true"], timeout=10)
    run(conn, ["true"], timeout=10)
    assert counters.since(before) == {conn.host.name: counters.Counts(execs=2)}
