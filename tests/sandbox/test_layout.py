"""Pure naming, addressing and generated file contents of local hosts."""
import pytest

from vendor.sandbox import layout

NAMING = layout.Naming("vend", layout.check_subnet("10.213.7.0/24"))


def test_names_and_addresses_follow_the_prefix_and_index():
    assert NAMING.bridge == "vend-br"
    assert NAMING.gateway == "10.213.7.1"
    assert NAMING.netns("host1") == "vend-host1"
    assert NAMING.veth(3) == "vend-v3"
    assert [NAMING.address(i) for i in (1, 2, 253)] == ["10.213.7.2", "10.213.7.3", "10.213.7.254"]


@pytest.mark.parametrize("index", [0, 254])
def test_address_index_must_stay_inside_the_subnet(index):
    with pytest.raises(ValueError, match="out of range"):
        NAMING.address(index)


def test_ownership_does_not_leak_into_a_longer_prefix():
    assert NAMING.owns_netns("vend-host1")
    assert not NAMING.owns_netns("vend2-host1")
    assert NAMING.owns_link("vend-br") and NAMING.owns_link("vend-v12")
    for foreign in ("vend2-br", "vend-v1p", "eth0"):
        assert not NAMING.owns_link(foreign)


@pytest.mark.parametrize("prefix", ["", "Vend", "vend-x", "toolongpx", "1abc"])
def test_bad_prefixes_are_rejected(prefix):
    with pytest.raises(ValueError, match="invalid prefix"):
        layout.check_prefix(prefix)


@pytest.mark.parametrize("subnet", ["8.8.8.0/24", "10.213.0.0/16", "10.213.7.5/24"])
def test_only_a_private_slash_24_is_accepted(subnet):
    with pytest.raises(ValueError):
        layout.check_subnet(subnet)


@pytest.mark.parametrize("name, ok", [
    ("host1", True), ("a", True), ("web-2", True),
    ("-x", False), ("x-", False), ("Host", False), ("a b", False),
])
def test_host_names(name, ok):
    if ok:
        assert layout.check_host_name(name) == name
    else:
        with pytest.raises(ValueError):
            layout.check_host_name(name)


def test_sshd_config_allows_root_with_key_only_on_the_host_address():
    lines = layout.sshd_config("10.213.7.2").splitlines()
    for expected in [
        "ListenAddress 10.213.7.2", "Port 22", "PermitRootLogin prohibit-password",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        f"AuthorizedKeysFile {layout.AUTHORIZED_KEYS}", "Subsystem sftp internal-sftp",
    ]:
        assert expected in lines


def test_launch_script_stacks_layers_and_ends_in_sshd():
    script = layout.launch_script(name="host1", lower=["/img", "/"], upper="/r/u", work="/r/w",
                                  merged="/r/root")
    lines = script.splitlines()
    assert lines[0] == "set -eu"
    options = "lowerdir=/img:/,upperdir=/r/u,workdir=/r/w"
    assert lines[1] == f"mount -t overlay host1 -o {options} /r/root"
    assert lines[-1] == f"exec chroot /r/root /usr/sbin/sshd -D -e -f {layout.SSHD_CONFIG}"


@pytest.mark.parametrize("lower", [["/a,b"], ["/a:b"], ["relative"], []])
def test_launch_script_rejects_paths_overlayfs_would_misread(lower):
    with pytest.raises(ValueError):
        layout.launch_script(name="h", lower=lower, upper="/u", work="/w", merged="/m")


def test_a_user_other_than_root_gets_its_own_account_keys_and_sudo():
    passwd = "root:x:0:0:root:/root:/bin/bash\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\nann:x:1000:1000::/home/ann:/bin/sh\n"
    group = "root:x:0:\nann:x:1000:\n"
    new_passwd, new_group, shadow, uid = layout.with_user(passwd, group, "root:*:1::::::\n", "ubuntu")
    assert uid == 1001
    assert new_passwd.endswith("ubuntu:x:1001:1001:ubuntu:/home/ubuntu:/bin/sh\n")
    assert new_group.endswith("ubuntu:x:1001:\n") and shadow.endswith("ubuntu:*:19000:0:99999:7:::\n")
    assert layout.sudoers("ubuntu") == "ubuntu ALL=(ALL) NOPASSWD:ALL\n"
    lines = layout.sshd_config("10.213.7.2", "ubuntu").splitlines()
    assert "AllowUsers root ubuntu" in lines
    assert f"AuthorizedKeysFile {layout.AUTHORIZED_KEYS} .ssh/authorized_keys" in lines
    with pytest.raises(ValueError):
        layout.check_user("Ubuntu; rm")


def test_a_user_the_image_already_has_keeps_its_ids():
    # a baked image's passwd has the user (the build host made it): the hosts must not renumber it,
    # or files the bake gave it would belong to nobody
    passwd = "root:x:0:0:root:/root:/bin/bash\nubuntu:x:1000:1000:ubuntu:/home/ubuntu:/bin/sh\nann:x:1001:1001::/home/ann:/bin/sh\n"
    group = "root:x:0:\nubuntu:x:1000:\nann:x:1001:\n"
    assert layout.with_user(passwd, group, "root:*:1::::::\n", "ubuntu") == (passwd, group, "root:*:1::::::\n", 1000)


def test_the_hosts_resolver_is_not_there_and_gives_up_at_once():
    assert layout.resolv_conf().splitlines()[1:] == ["nameserver 127.0.0.1", "options timeout:1 attempts:1"]


def test_what_a_cloud_image_has_not_at_the_top_level_is_hidden():
    assert layout.hidden_top_level(["usr", "work", "etc", "old_root", "container_info.json", "lost+found"]) == [
        "container_info.json", "old_root", "work"]


def test_every_user_name_a_config_may_give_is_a_user_a_host_can_have():
    assert layout.check_user("a" * 32) == "a" * 32  # config/patterns.UNIX_USER allows 32 characters
