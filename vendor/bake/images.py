"""Pure planning for baked images: provenance tags, reuse by bake key, and retention.

Nothing here calls AWS; the readers in vendor.aws.images supply the `Ami` records.
"""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace

from vendor.aws.images import Ami
from vendor.config.names import ownership_tags

# tags vend puts on every AMI it bakes (and on the AMI's snapshots); config tags cannot override them
PROVENANCE_KEYS = ("ManagedBy", "Customer", "Environment", "SourceCommit", "ConfigHash", "BakeKey",
                   "BaseAmiId", "BaseAmiName", "PackerVersion", "BuildTime", "Builder")
# "... at COMMIT (bake key KEY)", then, since commit details are recorded, "; TIME by AUTHOR: SUBJECT"
DESCRIPTION_COMMIT = re.compile(r" at (\S+) \(bake key [0-9a-f]{64}\)(?:$|; )")
DESCRIPTION_MAX = 255  # EC2's limit on an AMI description
AUTHOR_MAX = 48  # an author longer than this is shortened, so the subject keeps some room
ELLIPSIS = "..."
WORD_MAX = 16  # a cut looks this far back for the end of a word


@dataclass(frozen=True)
class CommitInfo:
    """What the AMI description says about the config commit a bake is for, besides its id."""

    time: str = ""  # ISO 8601 UTC, e.g. 2026-01-31T12:00:00Z
    author: str = ""  # Name <email>
    subject: str = ""  # the first line of the commit message


@dataclass(frozen=True)
class Provenance:
    customer: str
    environment: str
    source_commit: str
    config_hash: str
    bake_key: str
    base_ami_id: str
    base_ami_name: str
    packer_version: str
    build_time: str  # ISO 8601 UTC, e.g. 2026-01-31T12:00:00Z
    builder: str  # amazon-ebs, local
    commit_info: CommitInfo = CommitInfo()  # time, author, subject of source_commit, when known

    def tags(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        extra = extra or {}
        mine = {**ownership_tags(self.customer, self.environment),
                "SourceCommit": self.source_commit, "ConfigHash": self.config_hash, "BakeKey": self.bake_key,
                "BaseAmiId": self.base_ami_id, "BaseAmiName": self.base_ami_name,
                "PackerVersion": self.packer_version, "BuildTime": self.build_time, "Builder": self.builder}
        return {**{k: v for k, v in extra.items() if k not in mine}, **{k: v[:256] for k, v in mine.items()}}

    def description(self) -> str:
        return description(self.customer, self.environment, self.source_commit, self.bake_key, self.commit_info)

    def description_details(self) -> str:
        """The part of the description after the bake key (empty without commit details)."""
        return description_parts(self.customer, self.environment, self.source_commit, self.bake_key,
                                 self.commit_info)[1]


def description(customer: str, environment: str, commit: str, bake_key: str,
                info: CommitInfo = CommitInfo()) -> str:
    """The AMI description vend bakes with: set when the AMI is created, before any tag, so an
    interrupted bake's AMI can still be found by its key. With `info`, the commit's time, author
    and subject follow, shortened to fit EC2's 255 characters (the commit and key never are)."""
    return "".join(description_parts(customer, environment, commit, bake_key, info))


def description_parts(customer: str, environment: str, commit: str, bake_key: str,
                      info: CommitInfo = CommitInfo()) -> tuple[str, str]:
    """(the fixed head up to the bake key, the commit details after it)."""
    head = f"vend image for {customer}/{environment} at {commit} (bake key {bake_key})"
    return head, _details(info, DESCRIPTION_MAX - len(head))


def _one_line(text: str) -> str:
    """Whitespace collapsed; `{{`/`}}` split, so Packer's template engine (ami_description) leaves them alone."""
    return " ".join(text.split()).replace("{{", "{ {").replace("}}", "} }")


def _fit(text: str, width: int) -> str:
    """`text` in at most `width` characters: cut after a whole word where one ends close by, then `...`."""
    if len(text) <= width:
        return text
    if width < len(ELLIPSIS):
        return text[:width]
    cut = text[:width - len(ELLIPSIS) + 1]
    space = cut.rfind(" ", max(0, len(cut) - WORD_MAX))
    return (cut[:space] if space > 0 else cut[:-1]).rstrip() + ELLIPSIS


def _details(info: CommitInfo, room: int) -> str:
    """"; TIME by AUTHOR: SUBJECT" (the parts that are known) in `room` characters: the subject is
    shortened first, the author is never longer than AUTHOR_MAX."""
    author, subject = _one_line(info.author), _one_line(info.subject)
    parts = (_one_line(info.time), f"by {_fit(author, AUTHOR_MAX)}" if author else "")
    known = " ".join(part for part in parts if part)
    if not subject:
        return _fit(f"; {known}", room) if known else ""
    lead = f"; {known}: " if known else "; "
    if room - len(lead) <= len(ELLIPSIS):
        return _fit(f"; {known}", room) if known else ""
    return lead + _fit(subject, room - len(lead))


def recovered_tags(ami: Ami, provenance: Provenance, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Tags for an AMI an interrupted bake left untagged: its own commit and creation time."""
    match = DESCRIPTION_COMMIT.search(ami.description)
    commit = match[1] if match else provenance.source_commit
    return replace(provenance, source_commit=commit, build_time=ami.created).tags(extra)


# -- reuse -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Bake:
    reason: str


@dataclass(frozen=True)
class Reuse:
    ami: Ami
    reason: str
    wait: bool = False  # still pending: wait until it is available
    tag: bool = False  # found by description only: tag it with its provenance


Decision = Bake | Reuse


def plan_bake(found: list[Ami], *, force: bool, missing_content: Collection[str] = ()) -> Decision:
    """What to do given the AMIs that carry this bake key (`found`, any state).

    `missing_content`: AMIs whose content is gone (a local image whose layer was deleted).
    """
    if force:
        return Bake("--force: baking even though the input may be unchanged")
    usable = [a for a in found if a.id not in missing_content]
    for state, wait in (("available", False), ("pending", True)):
        matches = sorted((a for a in usable if a.state == state), key=lambda a: (a.built, a.id), reverse=True)
        if matches:
            ami = matches[0]
            untagged = "BakeKey" not in ami.tags
            how = "left by an interrupted bake" if untagged else f"baked {ami.built}"
            return Reuse(ami, f"same bake key as {ami.id} ({how})", wait=wait, tag=untagged)
    if found:
        states = ", ".join(f"{a.id} {a.state}" + (" without its content" if a.id in missing_content else "")
                           for a in found)
        return Bake(f"no usable AMI with this bake key ({states})")
    return Bake("no AMI with this bake key yet")


# -- retention -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RetentionPlan:
    keep: list[tuple[Ami, str]] = field(default_factory=list)  # (AMI, why it stays)
    retire: list[Ami] = field(default_factory=list)  # newest first


def plan_retention(images: list[Ami], keep: int, in_use: Mapping[str, str]) -> RetentionPlan:
    """Keep the `keep` newest available AMIs, every AMI in use, every pending one; retire the rest."""
    plan = RetentionPlan()
    newest = 0
    for ami in sorted(images, key=lambda a: (a.built, a.id), reverse=True):
        if ami.state == "pending":
            plan.keep.append((ami, "pending (being created)"))
        elif ami.state == "available" and newest < keep:
            newest += 1
            plan.keep.append((ami, f"newest {newest} of {keep}"))
        elif ami.id in in_use:
            plan.keep.append((ami, f"in use: {in_use[ami.id]}"))
        else:
            plan.retire.append(ami)
    return plan


def listing(plan: RetentionPlan) -> list[str]:
    """One line per AMI, newest first: id, build time, commit, state, and keep (why) or retire."""
    rows = [(a, f"keep ({why})") for a, why in plan.keep] + [(a, "retire") for a in plan.retire]
    rows.sort(key=lambda r: (r[0].built, r[0].id), reverse=True)
    return [f"{a.id}  {a.built}  {a.tags.get('SourceCommit', '-'):<12}  {a.state:<9}  {verdict}"
            for a, verdict in rows]
