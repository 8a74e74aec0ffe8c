"""The customer config: one YAML file per customer environment, as a typed model.

Fields whose default depends on the environment (production or not) are `None` here and are
filled in by `vendor.config.defaults.resolve`. Descriptions feed `vend schema` and the README's
config reference.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from vendor.config import patterns as P

Text = Annotated[str, Field(min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, regex_engine="python-re")


class BaseAmi(Strict):
    """Where the bake starts: an AMI id, or the newest AMI matching an owner and a name filter."""

    id: Annotated[str | None, Field(pattern=P.AMI_ID, description="Base AMI id, e.g. ami-0abc1234def567890.")] = None
    owner: Annotated[str | None, Field(pattern=P.AMI_OWNER, description="AMI owner: account id or alias (amazon, self).")] = None
    name: Annotated[str | None, Field(min_length=1, max_length=128, description="AMI name filter, `*` wildcards allowed.")] = None


class FileUpload(Strict):
    source: Text = Field(description="File or directory, relative to the config file.")
    destination: Annotated[str, Field(pattern=P.ABS_PATH, description="Absolute path in the image.")]


class BuildNetwork(Strict):
    """Where the build instance runs, for accounts without a default VPC (or to keep it private)."""

    vpc_id: Annotated[str | None, Field(pattern=P.VPC_ID, description="VPC of the build subnet.")] = None
    subnet_id: Annotated[str | None, Field(pattern=P.SUBNET_ID, description="Subnet the build instance launches in; Packer must reach it over SSH (a public subnet, or run vend inside the VPC).")] = None


class Image(Strict):
    """The image Packer bakes."""

    base_ami: BaseAmi = Field(description="Base AMI: `id`, or `owner` + `name`.")
    ssh_username: Annotated[str, Field(pattern=P.UNIX_USER, description="User Packer connects as.")] = "ubuntu"
    instance_type: Annotated[str, Field(pattern=P.INSTANCE_TYPE, description="Instance type of the build instance.")] = "t3.small"
    root_device: Annotated[str, Field(pattern=P.DEVICE, description="Root device name of the base AMI.")] = "/dev/sda1"
    volume_size_gb: Annotated[int, Field(ge=8, le=16384, description="Root volume size in GiB.")] = 16
    encrypted: bool = Field(True, description="Encrypt the root volume and the AMI's snapshot.")
    kms_key_id: Annotated[str | None, Field(pattern=P.KMS_KEY, description="KMS key for encryption; AWS-managed key when unset.")] = None
    packages: list[Annotated[str, Field(pattern=P.PACKAGE)]] = Field(default_factory=list, description="OS packages to install, on top of the stack's own.")
    scripts: list[Text] = Field(default_factory=list, description="Provisioning shell scripts, relative to the config file, run as root in order.")
    files: list[FileUpload] = Field(default_factory=list, description="Files copied into the image before the scripts run.")
    keep: Annotated[int, Field(ge=1, le=100, description="How many AMIs of this environment to keep.")] = 3
    build: BuildNetwork = Field(default_factory=BuildNetwork, description="Build instance network; default: the region's default VPC.")


class CreateVpc(Strict):
    cidr: Text = Field(description="IPv4 CIDR of the new VPC, /16 to /24.")
    az_count: Annotated[int, Field(ge=2, le=3, description="Availability zones to spread subnets over.")] = 2


class Network(Strict):
    """Either an existing VPC with its subnets, or a VPC to create."""

    vpc_id: Annotated[str | None, Field(pattern=P.VPC_ID, description="Existing VPC id.")] = None
    public_subnet_ids: list[Annotated[str, Field(pattern=P.SUBNET_ID)]] = Field(default_factory=list, description="Existing public subnets (load balancer), one per AZ.")
    private_subnet_ids: list[Annotated[str, Field(pattern=P.SUBNET_ID)]] = Field(default_factory=list, description="Existing private subnets (instances, database), one per AZ.")
    create: CreateVpc | None = Field(None, description="Create a VPC with public and private subnets.")


class Fleet(Strict):
    """The auto-scaling group."""

    instance_type: Annotated[str, Field(pattern=P.INSTANCE_TYPE, description="Instance type.")] = "t3.small"
    min: Annotated[int, Field(ge=0, le=1000, description="Minimum instances.")] = 1
    max: Annotated[int, Field(ge=1, le=1000, description="Maximum instances.")] = 2
    desired: Annotated[int | None, Field(ge=0, le=1000, description="Desired instances; `min` when unset.")] = None
    cpu_target: Annotated[int, Field(ge=10, le=90, description="Target average CPU % for target-tracking scaling.")] = 50


class HealthCheck(Strict):
    path: Annotated[str, Field(pattern=P.URL_PATH, max_length=1024, description="HTTP path the target group probes.")] = "/health"
    interval_seconds: Annotated[int, Field(ge=5, le=300)] = 15
    timeout_seconds: Annotated[int, Field(ge=2, le=120)] = 5
    healthy_threshold: Annotated[int, Field(ge=2, le=10)] = 3
    unhealthy_threshold: Annotated[int, Field(ge=2, le=10)] = 3
    matcher: Annotated[str, Field(pattern=P.MATCHER, description="HTTP codes counted healthy: 200, 200-299 or 200,302.")] = "200-399"


class Routing(Strict):
    """How requests reach the fleet: a listener rule on a shared ALB, or a dedicated ALB."""

    hosts: list[Annotated[str, Field(pattern=P.HOST_PATTERN, max_length=128)]] = Field(default_factory=list, description="Host-header values, `*` wildcards allowed.")
    paths: list[Annotated[str, Field(pattern=P.PATH_PATTERN, max_length=128)]] = Field(default_factory=list, description="Path patterns, e.g. /shop/*.")
    port: Annotated[int, Field(ge=1, le=65535, description="Port the app listens on, on each instance.")] = 80
    health_check: HealthCheck = Field(default_factory=HealthCheck)
    deregistration_delay_seconds: Annotated[int, Field(ge=0, le=3600, description="How long a host leaving the target group (e.g. for its deployment) keeps serving open requests; AWS's default is 300.")] = 30
    domain: Annotated[str | None, Field(pattern=P.DOMAIN, max_length=253, description="Custom domain; with a certificate, production gets a dedicated ALB.")] = None
    certificate_arn: Annotated[str | None, Field(pattern=P.CERT_ARN, description="ACM certificate for the custom domain.")] = None
    hosted_zone_id: Annotated[str | None, Field(pattern=P.HOSTED_ZONE, description="Route 53 hosted zone: vend creates alias records for hosts and domain to the load balancer.")] = None
    shared_load_balancers: list[Annotated[str, Field(pattern=P.ALB_NAME)]] = Field(default_factory=lambda: ["vend-shared-1"], description="Shared ALBs in order of use; later ones take rules when earlier ones are full.")


class Database(Strict):
    """The RDS database. Its master password is managed by AWS (Secrets Manager)."""

    engine: Literal["postgres", "mysql", "mariadb"] = "postgres"
    version: Annotated[str, Field(pattern=P.ENGINE_VERSION, description="Engine version: a major version (16, 8.0) lets RDS pick the newest orderable minor; a full one (16.9) pins it. A database AWS upgraded to a newer minor is kept.")] = "16"
    instance_class: Annotated[str, Field(pattern=P.DB_CLASS, description="e.g. db.t4g.micro.")] = "db.t4g.micro"
    storage_gb: Annotated[int, Field(ge=20, le=65536)] = 20
    name: Annotated[str, Field(pattern=P.DB_NAME, description="Initial database name.")] = "app"
    master_username: Annotated[str, Field(pattern=P.DB_NAME, description="Master user; its password is never in the config.")] = "vend_admin"
    backup_retention_days: Annotated[int | None, Field(ge=0, le=35, description="Default: 7 in production, 1 elsewhere.")] = None
    multi_az: bool | None = Field(None, description="Default: on in production.")
    deletion_protection: bool | None = Field(None, description="Default: on in production.")


class Source(Strict):
    repository: Text = Field(description="Source repository: a CodeCommit name, a `owner/repo` with a connection, or a local path/git URL.")
    branch: Annotated[str, Field(pattern=P.GIT_REF)] = "main"
    connection_arn: Annotated[str | None, Field(pattern=P.CONNECTION_ARN, description="CodeStar connection for GitHub/Bitbucket sources.")] = None


class Pipeline(Strict):
    source: Source
    build_image: Text = Field("aws/codebuild/standard:7.0", description="CodeBuild image that runs the customer's buildspec.yml.")
    approvers: list[Annotated[str, Field(pattern=P.EMAIL, max_length=254)]] = Field(default_factory=list, description="Emails that receive approval links.")
    approval_timeout_hours: Annotated[int, Field(ge=1, le=168, description="Hours before a pending approval expires (CodePipeline allows 7 days).")] = 24
    require_approval: bool | None = Field(None, description="Manual approval before deploy. Default: on in production.")


class Ssh(Strict):
    user: Annotated[str, Field(pattern=P.UNIX_USER)] = "ubuntu"
    key_file: Text | None = Field(None, description="Private key for deploys over SSH, relative to the config file.")


class Deploy(Strict):
    strategy: Literal["one-at-a-time", "half-at-a-time", "all-at-once"] = "one-at-a-time"
    auto_rollback: bool = True
    health_check_grace_seconds: Annotated[int, Field(ge=0, le=7200)] = 300
    ssh: Ssh = Field(default_factory=Ssh)


LogRetention = Literal[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                       2922, 3288, 3653]


class Logs(Strict):
    """The environment's CloudWatch Logs group /vend/<customer>/<environment> (app, deploy and system logs)."""

    retention_days: LogRetention | None = Field(None, description="Days CloudWatch Logs keeps them (one of CloudWatch's values, e.g. 30, 90, 365). Default: 90 in production, 30 elsewhere.")


class App(Strict):
    stack: Literal["static-site", "php-apache", "python"] = Field(description="Starter appspec.yml, hook scripts and buildspec.yml to render.")


class Config(Strict):
    """One customer environment."""

    customer: Annotated[str, Field(pattern=P.NAME, max_length=20, description="Customer name: lowercase letters, digits, hyphens.")]
    environment: Annotated[str, Field(pattern=P.NAME, max_length=12, description="Environment name; `production` turns on production defaults.")]
    region: Annotated[str, Field(pattern=P.REGION, description="AWS region, e.g. eu-west-1.")]
    tags: dict[Annotated[str, Field(pattern=P.TAG_KEY, max_length=128)], Annotated[str, Field(max_length=256)]] = Field(default_factory=dict, description="Extra tags on every resource.")
    app: App
    network: Network
    image: Image
    fleet: Fleet = Field(default_factory=Fleet)
    routing: Routing
    database: Database | None = Field(None, description="Omit for no database.")
    pipeline: Pipeline
    deploy: Deploy = Field(default_factory=Deploy)
    logs: Logs = Field(default_factory=Logs)

    @property
    def slug(self) -> str:
        return f"{self.customer}-{self.environment}"
