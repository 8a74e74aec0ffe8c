"""Packer as a subprocess, for real (Debian's packer 1.6.6, null source, shell-local): streamed
output, a secret variable masked in the console and the log, timeouts, failures."""
import shutil
import time

import pytest

from vendor.bake.masking import Masker
from vendor.bake.runner import Console, Packer, PackerError, PackerTimeout, Run

pytestmark = pytest.mark.skipif(shutil.which("packer") is None, reason="packer is not installed")

SECRET = "tok-3f9a1c77e2b4"
TEMPLATE = """
variable "api_token" {
  type = string
}

variable "greeting" {
  type = string
}

variable "command" {
  type    = string
  default = "true"
}

source "null" "image" {
  communicator = "none"
}

build {
  sources = ["source.null.image"]

  provisioner "shell-local" {
    inline = ["echo ${var.greeting}", "echo token is ${var.api_token}", "echo ${var.api_token} > ${path.root}/received", "${var.command}"]
  }

  post-processor "manifest" {
    output = "${path.root}/manifest.json"
  }
}
"""


@pytest.fixture
def build_dir(tmp_path):
    (tmp_path / "t.pkr.hcl").write_text(TEMPLATE)
    (tmp_path / "t.pkrvars.hcl").write_text('greeting = "hello from the var file"\n')
    return tmp_path


def run(build_dir, command="true"):
    return Run(build_dir, "t.pkr.hcl", "t.pkrvars.hcl", [("command", command)], {"api_token": SECRET})


def build(build_dir, command="true", timeout=120.0):
    written = []
    Packer().build(run(build_dir, command), Masker([SECRET]), console=Console(written.append),
                   log_path=build_dir / "packer.log", timeout=timeout, label="bake test")
    return "".join(written)


def test_version():
    assert Packer().version() == "1.6.6"


def test_a_missing_packer_is_named():
    with pytest.raises(PackerError) as e:
        Packer("/nonexistent/packer").version()
    assert str(e.value) == "/nonexistent/packer not found: install Packer (Debian: apt-get install packer)"


def test_output_is_streamed_and_logged_with_the_secret_masked(build_dir):
    output = build(build_dir)
    assert (build_dir / "received").read_text() == SECRET + "\n"  # Packer really had the secret
    log = (build_dir / "packer.log").read_text()
    assert "    null.image: hello from the var file\n" in output
    assert "    null.image: token is ***\n" in output
    assert output.startswith("$ packer build -color=false -var-file=t.pkrvars.hcl -var=command=true t.pkr.hcl\n")
    assert "    null.image: token is ***\n" in log
    assert "[INFO] Packer version: 1.6.6" in log  # the debug log goes to the file only
    assert "[INFO] Packer version" not in output
    assert SECRET not in output and SECRET not in log


def test_a_failed_build_ends_with_the_last_lines_masked(build_dir):
    with pytest.raises(PackerError) as e:
        build(build_dir, command=f"echo failing with {SECRET}; exit 3")
    message = str(e.value)
    assert message.startswith("packer build failed with exit code 1 after 0:0")
    assert "    null.image: failing with ***" in message
    assert SECRET not in message
    assert SECRET not in (build_dir / "packer.log").read_text()


def test_a_build_past_its_timeout_is_cancelled(build_dir):
    started = time.monotonic()
    with pytest.raises(PackerTimeout) as e:
        build(build_dir, command="sleep 30", timeout=2)
    assert time.monotonic() - started < 15
    assert str(e.value) == (f"packer build timed out after 0:02 and was cancelled (log: {build_dir / 'packer.log'}); "
                            "raise --timeout if the build needs longer")
    assert "# packer exited with" in (build_dir / "packer.log").read_text()


def test_validate_names_the_template_and_masks(build_dir):
    (build_dir / "t.pkrvars.hcl").write_text(f"greeting = {SECRET} +\n")  # a syntax error quoting the line
    with pytest.raises(PackerError) as e:
        Packer().validate(run(build_dir), Masker([SECRET]))
    assert str(e.value).startswith(f"packer validate failed for {build_dir / 't.pkr.hcl'}:\n")
    assert SECRET not in str(e.value)


def test_secret_variables_reach_packer_through_its_environment_only(build_dir):
    the_run = run(build_dir)
    assert SECRET not in " ".join(the_run.argv("packer", "build"))
    env = Packer(environ={"PATH": "/usr/bin", "PACKER_LOG_PATH": "/tmp/unmasked.log", "PKR_VAR_stale": "x"})._env(
        the_run.secrets, debug_log=True)
    assert env == {"PATH": "/usr/bin", "PKR_VAR_api_token": SECRET, "CHECKPOINT_DISABLE": "1", "PACKER_LOG": "1"}
