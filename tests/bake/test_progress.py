"""The progress line and the console it is drawn on."""
from vendor.bake.progress import Progress, clock
from vendor.bake.runner import Console


def test_steps_are_counted_from_packer_step_lines():
    progress = Progress("bake shop-test")
    assert progress.line(0) == "[bake shop-test 0:00] step 0: starting Packer"
    assert progress.feed("==> null.image: Connected to SSH!") is True
    assert progress.feed("    null.image: vend: no packages to install") is False
    assert progress.feed("==> null.image: Provisioning with shell script: ./scripts/base.sh") is True
    assert progress.line(75) == "[bake shop-test 1:15] step 2: Provisioning with shell script: ./scripts/base.sh"


def test_a_long_step_is_cut_to_the_line_width():
    progress = Progress("bake shop-test")
    progress.feed("==> amazon-ebs.image: " + "x" * 200)
    line = progress.line(3601)
    assert len(line) == 100
    assert line.startswith("[bake shop-test 60:01] step 1: xxx") and line.endswith("...")


def test_clock():
    assert [clock(0), clock(59.9), clock(61), clock(3725)] == ["0:00", "0:59", "1:01", "62:05"]


def test_on_a_terminal_the_progress_line_is_redrawn_under_the_output():
    written = []
    console = Console(written.append, tty=True)
    console.output("first")
    console.status("[bake 0:01] step 1: a")
    console.status("[bake 0:02] step 1: a")
    console.output("second")
    console.status("[bake 0:03] step 2: b")
    console.finish()
    assert "".join(written) == ("first\n\r\x1b[K[bake 0:01] step 1: a\r\x1b[K[bake 0:02] step 1: a"
                                "\r\x1b[Ksecond\n\r\x1b[K[bake 0:03] step 2: b\r\x1b[K")


def test_elsewhere_progress_lines_are_plain_lines():
    written = []
    console = Console(written.append, tty=False)
    console.output("first")
    console.status("[bake 0:30] step 1: a")
    console.finish()
    assert written == ["first\n", "[bake 0:30] step 1: a\n"]
