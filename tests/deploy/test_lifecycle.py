"""CodeDeploy's event order and hook environment."""
from __future__ import annotations

from vendor.deploy.lifecycle import hook_env, steps


def test_first_install_without_load_balancer():
    assert [s.event for s in steps(first_install=True, traffic_control=False)] == [
        "DownloadBundle", "BeforeInstall", "Install", "AfterInstall", "ApplicationStart", "ValidateService"]


def test_later_install_behind_a_load_balancer_takes_stop_and_block_hooks_from_the_last_revision():
    got = [(s.event, s.builtin, s.previous) for s in steps(first_install=False, traffic_control=True)]
    assert got == [
        ("BeforeBlockTraffic", False, True), ("BlockTraffic", True, False), ("AfterBlockTraffic", False, True),
        ("ApplicationStop", False, True), ("DownloadBundle", True, False), ("BeforeInstall", False, False),
        ("Install", True, False), ("AfterInstall", False, False), ("ApplicationStart", False, False),
        ("ValidateService", False, False), ("BeforeAllowTraffic", False, False), ("AllowTraffic", True, False),
        ("AfterAllowTraffic", False, False)]


def test_hook_environment():
    assert hook_env("ValidateService", deployment_id="d-1", application="app", group_name="g", group_id="gid") == {
        "LIFECYCLE_EVENT": "ValidateService", "DEPLOYMENT_ID": "d-1", "APPLICATION_NAME": "app",
        "DEPLOYMENT_GROUP_NAME": "g", "DEPLOYMENT_GROUP_ID": "gid"}


def test_an_s3_revision_gives_hooks_its_location_as_the_agent_does():
    """aws-codedeploy-agent 1.8.1 command_executor.rb get_s3_envs: BUNDLE_BUCKET, _KEY, _VERSION,
    _ETAG from the deployment's S3 location; a nil value is not set at all (Open3's env)."""
    from vendor.deploy.lifecycle import S3Location, bundle_env
    assert bundle_env(S3Location("artifacts", "revisions/ab.tar.gz", "v-1", "9a0364b9e99bb480dd25e1f0284c8555")) == {
        "BUNDLE_BUCKET": "artifacts", "BUNDLE_KEY": "revisions/ab.tar.gz", "BUNDLE_VERSION": "v-1",
        "BUNDLE_ETAG": "9a0364b9e99bb480dd25e1f0284c8555"}
    assert bundle_env(S3Location("artifacts", "revisions/ab.tar.gz")) == {
        "BUNDLE_BUCKET": "artifacts", "BUNDLE_KEY": "revisions/ab.tar.gz"}
    assert bundle_env(None) == {}  # a local revision ('Local Directory'): none


def test_hook_environment_merges_the_revisions_variables():
    from vendor.deploy.lifecycle import S3Location
    env = hook_env("AfterInstall", deployment_id="d-1", application="app", group_name="g", group_id="gid",
                   location=S3Location("b", "k", None, "e"))
    assert env == {"LIFECYCLE_EVENT": "AfterInstall", "DEPLOYMENT_ID": "d-1", "APPLICATION_NAME": "app",
                   "DEPLOYMENT_GROUP_NAME": "g", "DEPLOYMENT_GROUP_ID": "gid", "BUNDLE_BUCKET": "b", "BUNDLE_KEY": "k",
                   "BUNDLE_ETAG": "e"}


def test_a_location_from_what_s3_answered_and_back_from_a_release_record():
    from vendor.deploy.lifecycle import S3Location
    stored = S3Location.put_answer("b", "k", {"ETag": '"9a03"', "VersionId": "v-2"})
    assert stored == S3Location("b", "k", "v-2", "9a03")  # CodeDeploy's eTag has no quotes
    assert S3Location.put_answer("b", "k", {"ETag": '"9a03"'}) == S3Location("b", "k", None, "9a03")  # unversioned
    assert S3Location.from_record({"location": stored.record()}) == stored
    assert S3Location.from_record({"revision": "ab"}) is None  # a record from before locations were kept
    assert S3Location.from_record({"location": {"bucket": 3}}) is None  # damaged: no location rather than a crash
