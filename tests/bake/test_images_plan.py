"""Pure planning: provenance tags, reuse by bake key, retention."""
from vendor.aws.images import Ami
from vendor.bake.images import (
    Bake, CommitInfo, Provenance, RetentionPlan, Reuse, description, listing, plan_bake, plan_retention,
    recovered_tags,
)

KEY = "ab" * 32
PROVENANCE = Provenance(customer="shop", environment="test", source_commit="abc1234", config_hash="c" * 64,
                        bake_key=KEY, base_ami_id="ami-0123456789abcdef0", base_ami_name="ubuntu-noble",
                        packer_version="1.6.6", build_time="2026-01-31T12:00:00Z", builder="amazon-ebs")


def ami(n, state="available", tags=None, built=None, desc=""):
    built = built or f"2026-01-{n:02d}T00:00:00Z"
    return Ami(id=f"ami-{n:017x}", name=f"vend-shop-test-{n}", state=state, created=built, description=desc,
               tags={"BuildTime": built, "SourceCommit": f"c{n}", **(tags or {})})


def test_provenance_tags_and_config_tags_that_cannot_override_them():
    tags = PROVENANCE.tags({"CostCenter": "42", "Customer": "someone-else"})
    assert tags == {
        "CostCenter": "42", "ManagedBy": "vend", "Customer": "shop", "Environment": "test",
        "SourceCommit": "abc1234", "ConfigHash": "c" * 64, "BakeKey": KEY,
        "BaseAmiId": "ami-0123456789abcdef0", "BaseAmiName": "ubuntu-noble", "PackerVersion": "1.6.6",
        "BuildTime": "2026-01-31T12:00:00Z", "Builder": "amazon-ebs",
    }


def test_description_carries_the_bake_key():
    assert description("shop", "test", "abc1234", KEY) == f"vend image for shop/test at abc1234 (bake key {KEY})"


SHA = "f62913386bf88dbef8186816fff015bee83d9ce0"
ANN = CommitInfo("2026-02-01T09:30:00Z", "Ann Example <ann@shop.example>", "Raise the fleet to 3")


def test_description_carries_the_commit_time_author_and_subject_after_the_key():
    assert description("shop", "production", SHA, KEY, ANN) == (
        f"vend image for shop/production at {SHA} (bake key {KEY}); "
        "2026-02-01T09:30:00Z by Ann Example <ann@shop.example>: Raise the fleet to 3")
    assert description("shop", "test", "abc1234", KEY, CommitInfo(subject="Only\n a   subject")) == (
        f"vend image for shop/test at abc1234 (bake key {KEY}); Only a subject")
    assert description("shop", "test", "abc1234", KEY, CommitInfo()) == description("shop", "test", "abc1234", KEY)
    assert description("shop", "test", "abc1234", KEY, CommitInfo(subject="Use {{ .BuildRegion }}")).endswith(
        "; Use { { .BuildRegion } }")  # Packer expands {{ }} in ami_description


def test_a_long_message_is_cut_to_ec2s_255_characters_and_the_key_stays_whole():
    long = CommitInfo("2026-02-01T09:30:00Z", "Ann Example <ann@shop.example>", "Rework " + "the fleet " * 30)
    text = description("shop", "production", SHA, KEY, long)
    assert len(text) <= 255 and text.endswith(" the fleet the...")  # cut after a whole word
    assert text.startswith(f"vend image for shop/production at {SHA} (bake key {KEY}); 2026-02-01T09:30:00Z by Ann")
    widest = description("c" * 20, "e" * 12, SHA, KEY, CommitInfo("2026-02-01T09:30:00Z", "A" * 100 + " <a@b.c>", "x" * 100))
    assert len(widest) == 255 and f"by {'A' * 45}...: x" in widest and widest.endswith("x...")  # no word end


def test_the_commit_is_parsed_back_from_old_and_new_descriptions():
    for info in (CommitInfo(), ANN):
        left = Ami(id="ami-0000000000000000a", name="vend-shop-test-x", state="available", created="2026-01-30T08:00:00Z",
                   description=description("shop", "test", "old1234", KEY, info))
        assert recovered_tags(left, PROVENANCE)["SourceCommit"] == "old1234"


def test_an_untagged_ami_of_an_interrupted_bake_gets_its_own_commit_and_creation_time():
    left = Ami(id="ami-0000000000000000a", name="vend-shop-test-old1234-2026", state="available",
               created="2026-01-30T08:00:00.000Z", description=description("shop", "test", "old1234", KEY))
    tags = recovered_tags(left, PROVENANCE)
    assert tags["SourceCommit"] == "old1234"
    assert tags["BuildTime"] == "2026-01-30T08:00:00.000Z"
    assert tags["BakeKey"] == KEY


def test_nothing_found_means_bake():
    assert plan_bake([], force=False) == Bake("no AMI with this bake key yet")


def test_force_bakes_even_with_a_match():
    assert plan_bake([ami(1, tags={"BakeKey": KEY})], force=True) == Bake(
        "--force: baking even though the input may be unchanged")


def test_the_newest_available_match_is_reused():
    older, newer = ami(1, tags={"BakeKey": KEY}), ami(2, tags={"BakeKey": KEY})
    decision = plan_bake([older, newer], force=False)
    assert decision == Reuse(newer, f"same bake key as {newer.id} (baked 2026-01-02T00:00:00Z)")


def test_a_pending_match_is_waited_for_and_an_untagged_one_is_tagged():
    pending = ami(3, state="pending")
    decision = plan_bake([pending], force=False)
    assert decision == Reuse(pending, f"same bake key as {pending.id} (left by an interrupted bake)",
                             wait=True, tag=True)


def test_failed_matches_and_matches_without_content_are_not_reused():
    failed, hollow = ami(1, state="failed"), ami(2, tags={"BakeKey": KEY})
    decision = plan_bake([failed, hollow], force=False, missing_content={hollow.id})
    assert decision == Bake(f"no usable AMI with this bake key ({failed.id} failed, "
                            f"{hollow.id} available without its content)")


def test_retention_keeps_the_newest_and_those_in_use():
    images = [ami(n) for n in range(1, 7)] + [ami(7, state="pending"), ami(8, state="failed")]
    plan = plan_retention(images, 2, {ami(2).id: "launch template vend-shop-test version 1 (default)"})
    assert [(a.id, why) for a, why in plan.keep] == [
        (ami(7).id, "pending (being created)"),
        (ami(6).id, "newest 1 of 2"),
        (ami(5).id, "newest 2 of 2"),
        (ami(2).id, "in use: launch template vend-shop-test version 1 (default)"),
    ]
    assert [a.id for a in plan.retire] == [ami(8).id, ami(4).id, ami(3).id, ami(1).id]


def test_listing_shows_every_ami_newest_first():
    plan = RetentionPlan(keep=[(ami(2), "newest 1 of 1")], retire=[ami(1)])
    assert listing(plan) == [
        f"{ami(2).id}  2026-01-02T00:00:00Z  c2            available  keep (newest 1 of 1)",
        f"{ami(1).id}  2026-01-01T00:00:00Z  c1            available  retire",
    ]
