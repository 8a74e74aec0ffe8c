"""The RDS engine versions and instance classes the embedded emulator offers, as AWS lists them.

moto 5.2.5 has no DescribeDBEngineVersions and answers DescribeOrderableDBInstanceOptions only for
Aurora PostgreSQL and Neptune, and creates a database at any version. `add_engine_catalog()` adds
both reads for the engines vend uses, from the table below; `refusals/rds.py` refuses to create
what the table does not offer, as AWS does.

The table is a sample of what AWS offers, not all of it: per major version the two newest minor
versions listed in AWS's release calendars (2025), the last one the default. Older minors are
deprecated and can no longer be created (postgres 16.1 to 16.7 among them).
Sources: https://docs.aws.amazon.com/AmazonRDS/latest/PostgreSQLReleaseNotes/postgresql-release-calendar.html,
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/MySQL.Concepts.VersionMgmt.html,
https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/MariaDB.Concepts.VersionMgmt.html
"""
from __future__ import annotations

VERSIONS: dict[str, tuple[str, ...]] = {
    "postgres": ("13.20", "13.21", "14.17", "14.18", "15.12", "15.13", "16.8", "16.9", "17.4", "17.5"),
    "mysql": ("8.0.41", "8.0.42", "8.4.4", "8.4.5"),
    "mariadb": ("10.6.21", "10.6.22", "10.11.11", "10.11.13", "11.4.5", "11.4.7"),
}
FAMILIES = {"postgres": "postgres{major}", "mysql": "mysql{major}", "mariadb": "mariadb{major}"}
CLASSES = ("db.t3.micro", "db.t3.small", "db.t3.medium", "db.t4g.micro", "db.t4g.small", "db.t4g.medium",
           "db.m6g.large", "db.m7g.large", "db.r6g.large", "db.r7g.large")
ZONES = "abc"


def _major(engine: str, version: str) -> str:
    return ".".join(version.split(".")[:1 if engine == "postgres" else 2])


def engine_versions(engine: str | None, version: str | None, default_only: bool) -> list[dict]:
    out = []
    for name, versions in VERSIONS.items():
        if engine and engine != name:
            continue
        for v in versions:
            if version and v != version and _major(name, v) != version:
                continue
            default = v == max((w for w in versions if _major(name, w) == _major(name, v)),
                               key=lambda w: tuple(map(int, w.split("."))))
            if default_only and not default:
                continue
            out.append({"Engine": name, "EngineVersion": v, "MajorEngineVersion": _major(name, v),
                        "DBParameterGroupFamily": FAMILIES[name].format(major=_major(name, v)),
                        "DBEngineDescription": name, "DBEngineVersionDescription": f"{name} {v}",
                        "Status": "available"})
    return out


def orderable(engine: str, version: str | None, instance_class: str | None, region: str) -> list[dict]:
    return [{"Engine": engine, "EngineVersion": v, "DBInstanceClass": c, "StorageType": "gp3",
             "MultiAZCapable": True, "AvailabilityZones": [{"Name": f"{region}{z}"} for z in ZONES]}
            for v in VERSIONS.get(engine, ()) if not version or v == version
            for c in CLASSES if not instance_class or c == instance_class]


def is_orderable(engine: str, version: str | None, instance_class: str | None = None) -> bool:
    versions = VERSIONS.get(engine)
    if versions is None:
        return True  # an engine outside the table: left to moto
    if version and version not in versions and not any(_major(engine, v) == version for v in versions):
        return False
    return instance_class is None or instance_class in CLASSES


def add_engine_catalog() -> None:
    """DescribeDBEngineVersions and DescribeOrderableDBInstanceOptions for the table's engines."""
    from moto.core.responses import ActionResult
    from moto.rds import responses

    cls = responses.RDSResponse
    if getattr(cls, "_vend_catalog", False):
        return
    moto_orderable = cls.describe_orderable_db_instance_options

    def describe_db_engine_versions(self):
        found = engine_versions(self.params.get("Engine"), self.params.get("EngineVersion"),
                                bool(self.params.get("DefaultOnly")))
        return ActionResult({"DBEngineVersions": found})

    def describe_orderable_db_instance_options(self):
        engine = self.params.get("Engine")
        if engine not in VERSIONS:
            return moto_orderable(self)
        return ActionResult({"OrderableDBInstanceOptions": orderable(
            engine, self.params.get("EngineVersion"), self.params.get("DBInstanceClass"), self.region)})

    cls.describe_db_engine_versions = describe_db_engine_versions
    cls.describe_orderable_db_instance_options = describe_orderable_db_instance_options
    cls._vend_catalog = True
