"""The pure half of running commands: quoting, the group wrapper, output splitting."""
import shlex

import pytest

from vendor.ssh.command import (
    LineSplitter,
    MarkerFilter,
    env_assignments,
    kill_group_command,
    remote_command,
)

WRAPPER = 'printf "vend-pgid:%s\\n" "$$" >&2; exec "$@"'
WRAPPER_WORDS = ["setsid", "-w", "/bin/sh", "-c", WRAPPER, "vend-run"]


def test_remote_command_quotes_every_argument_as_one_word():
    argv = ["printf", "%s\n", "$(touch /tmp/pwned); rm -rf x", "a'b\"c", "*", "", "`id`"]
    assert shlex.split(remote_command(argv)) == WRAPPER_WORDS + argv


def test_remote_command_puts_environment_through_env():
    words = shlex.split(remote_command(["app"], {"A": "1; reboot", "B_2": ""}))
    assert words == WRAPPER_WORDS + ["env", "--", "A=1; reboot", "B_2=", "app"]


@pytest.mark.parametrize("argv, error", [
    ("ls -l", TypeError),
    ([], ValueError),
    (["ls", 3], TypeError),
    (["echo", "a\0b"], ValueError),
])
def test_remote_command_rejects_anything_but_a_list_of_strings(argv, error):
    with pytest.raises(error):
        remote_command(argv)


@pytest.mark.parametrize("name", ["1A", "A-B", "A=B", "$(x)", ""])
def test_env_names_must_be_identifiers(name):
    with pytest.raises(ValueError, match="invalid environment variable name"):
        env_assignments({name: "v"})


def test_kill_group_command_targets_the_negative_pgid_and_refuses_init():
    assert kill_group_command(4321) == "kill -KILL -- -4321"
    # a login user other than root: the group may run under sudo
    assert kill_group_command(4321, sudo=True) == "sudo -n kill -KILL -- -4321 2>/dev/null || kill -KILL -- -4321"
    with pytest.raises(ValueError):
        kill_group_command(1)


def test_line_splitter_joins_chunks_and_keeps_the_unterminated_tail():
    splitter = LineSplitter()
    assert splitter.feed(b"one\ntw") == ["one"]
    assert splitter.feed(b"o\n\nthr") == ["two", ""]
    assert splitter.flush() == ["thr"]
    assert splitter.flush() == []


def test_line_splitter_decodes_utf8_split_across_chunks():
    data = "héllo\n".encode()
    splitter = LineSplitter()
    assert splitter.feed(data[:2]) == []
    assert splitter.feed(data[2:]) == ["héllo"]


def test_marker_filter_strips_the_marker_line_even_when_split():
    marker = MarkerFilter()
    assert marker.feed(b"vend-pg") == b""
    assert marker.feed(b"id:77\nwarning: x\n") == b"warning: x\n"
    assert marker.pgid == 77
    assert marker.feed(b"more\n") == b"more\n"


def test_marker_filter_passes_foreign_output_through():
    marker = MarkerFilter()
    assert marker.feed(b"sh: setsid: not found\n") == b"sh: setsid: not found\n"
    assert marker.pgid is None


def test_marker_filter_finds_the_marker_after_shell_start_up_noise():
    marker = MarkerFilter()
    assert marker.feed(b"bash: warning: setlocale\ndebug1: x\nvend-pgid:") == b"bash: warning: setlocale\ndebug1: x\n"
    assert marker.feed(b"12\nfrom the command\n") == b"from the command\n"
    assert (marker.pgid, marker.done) == (12, True)


def test_marker_filter_never_takes_the_tail_of_a_longer_line_for_the_marker():
    marker = MarkerFilter()
    noise = b"x" * 50  # too long to be the start of the marker: passed through, the line goes on
    assert marker.feed(noise) == noise
    assert marker.feed(b"vend-pgid:5\nvend-pgid:6\nok") == b"vend-pgid:5\nok"
    assert marker.pgid == 6


def test_marker_filter_stops_looking_after_its_search_limit():
    marker = MarkerFilter()
    noise = b"noise\n" * (MarkerFilter.SEARCH_LIMIT // 6 + 1)
    assert marker.feed(noise + b"vend-pgid:7\n") == noise + b"vend-pgid:7\n"
    assert (marker.pgid, marker.done) == (None, True)


def test_marker_filter_releases_a_partial_prefix_at_the_end():
    marker = MarkerFilter()
    assert marker.feed(b"vend") == b""
    assert marker.flush() == b"vend"
    assert marker.pgid is None
