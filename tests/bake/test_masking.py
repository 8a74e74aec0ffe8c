"""Masker: secrets become *** wherever they appear, whole before in part."""
from vendor.bake.masking import Masker


def test_every_occurrence_of_a_secret_is_masked():
    mask = Masker(["hunter2-token"])
    assert mask("token=hunter2-token; again hunter2-token.") == "token=***; again ***."


def test_a_secret_containing_another_is_masked_whole():
    mask = Masker(["abc", "abcdef-long"])
    assert mask("x abcdef-long y abc") == "x *** y ***"


def test_lines_of_a_multi_line_secret_are_masked_one_by_one():
    key = "-----BEGIN KEY-----\nAAAAB3NzaC1yc2EAAAADAQAB\nshort\n-----END KEY-----"
    mask = Masker([key])
    assert mask("    null.image: AAAAB3NzaC1yc2EAAAADAQAB") == "    null.image: ***"
    assert mask("short stays") == "short stays"
    assert mask(f"all of it: {key}") == "all of it: ***"


def test_empty_secrets_mask_nothing():
    mask = Masker(["", ""])
    assert not mask
    assert mask("nothing to hide") == "nothing to hide"


def test_for_run_adds_aws_credentials_from_the_environment():
    mask = Masker.for_run({"api_token": "tok-123456"},
                          {"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI", "AWS_SESSION_TOKEN": "FwoGZXIvYXdz",
                           "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"})
    assert mask("tok-123456 wJalrXUtnFEMI FwoGZXIvYXdz AKIAEXAMPLE") == "*** *** *** AKIAEXAMPLE"
