"""Regular expressions for config values, each with the words used when a value does not match."""
from __future__ import annotations

NAME = r"^[a-z][a-z0-9-]*[a-z0-9]$"
REGION = r"^[a-z]{2}(-gov)?-[a-z]+-[0-9]$"
TAG_KEY = r"^(?!aws:)[\w .:/=+@-]+$"
AMI_ID = r"^ami-[0-9a-f]{8,17}$"
AMI_OWNER = r"^([0-9]{12}|amazon|self|aws-marketplace)$"
VPC_ID = r"^vpc-[0-9a-f]{8,17}$"
SUBNET_ID = r"^subnet-[0-9a-f]{8,17}$"
INSTANCE_TYPE = r"^[a-z][a-z0-9-]*\.[a-z0-9]+$"
DB_CLASS = r"^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$"
DEVICE = r"^/dev/[a-z0-9]+$"
KMS_KEY = r"^(arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[A-Za-z0-9/_-]+|alias/[A-Za-z0-9/_-]+|[0-9a-f-]{36})$"
PACKAGE = r"^[A-Za-z0-9][A-Za-z0-9.+_:=~-]*$"
ABS_PATH = r"^/(?!(.*/)?\.\.(/|$))[^\x00-\x1f]*$"
UNIX_USER = r"^[a-z_][a-z0-9_-]{0,31}$"
URL_PATH = r"^/(?!(.*/)?\.\.([/?]|$))[A-Za-z0-9._~!&()*+,;=:@%/?-]*$"  # no $ ' " ` \ or .. segment: it reaches a shell script
MATCHER = r"^[1-5][0-9]{2}((-[1-5][0-9]{2})|(,[1-5][0-9]{2})*)$"
HOST_PATTERN = r"^[A-Za-z0-9*?]([A-Za-z0-9*?.-]*[A-Za-z0-9*?])?$"
PATH_PATTERN = r"^/[A-Za-z0-9_\-.$/~\"'@:+&()!,;=*?]*$"
DOMAIN = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
CERT_ARN = r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$"
ALB_NAME = r"^[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?$"
HOSTED_ZONE = r"^[A-Z0-9]{1,32}$"
ENGINE_VERSION = r"^[0-9]+(\.[0-9]+){0,2}$"
DB_NAME = r"^[A-Za-z][A-Za-z0-9_]{0,15}$"
GIT_REF = r"^[A-Za-z0-9._/-]+$"
CONNECTION_ARN = r"^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:[0-9]{12}:connection/[0-9a-f-]+$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$"

# pattern -> (what a valid value is, an example)
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    NAME: ("lowercase letters, digits and hyphens, starting with a letter", "acme"),
    REGION: ("an AWS region name", "eu-west-1"),
    TAG_KEY: ("an allowed tag key (aws: is reserved)", "CostCenter"),
    AMI_ID: ("an AMI id", "ami-0abc1234def567890"),
    AMI_OWNER: ("a 12-digit account id, amazon, self or aws-marketplace", "099720109477"),
    VPC_ID: ("a VPC id", "vpc-0abc1234"),
    SUBNET_ID: ("a subnet id", "subnet-0abc1234"),
    INSTANCE_TYPE: ("an EC2 instance type", "t3.small"),
    DB_CLASS: ("an RDS instance class", "db.t4g.micro"),
    DEVICE: ("a device name", "/dev/sda1"),
    KMS_KEY: ("a KMS key id, alias or ARN", "alias/vend"),
    PACKAGE: ("an OS package name", "nginx"),
    ABS_PATH: ("an absolute path without .. or control characters", "/etc/app/app.conf"),
    UNIX_USER: ("a Unix user name", "ubuntu"),
    URL_PATH: ("a URL path starting with / of letters, digits and - . _ ~ ! & ( ) * + , ; = : @ % / ? (no $, quotes or .. segments)", "/health"),
    MATCHER: ("HTTP codes: one, a range or a comma list", "200-299"),
    HOST_PATTERN: ("a host name, * and ? wildcards allowed", "shop.example.com"),
    PATH_PATTERN: ("a path pattern starting with /", "/shop/*"),
    DOMAIN: ("a lowercase domain name", "shop.example.com"),
    CERT_ARN: ("an ACM certificate ARN", "arn:aws:acm:eu-west-1:123456789012:certificate/0f0e..."),
    HOSTED_ZONE: ("a Route 53 hosted zone id", "Z0123456789ABCDEFGHIJ"),
    ALB_NAME: ("a load balancer name: letters, digits, hyphens, at most 32", "vend-shared-1"),
    ENGINE_VERSION: ("a version number", "16"),
    DB_NAME: ("a name of letters, digits and _, starting with a letter, at most 16", "app"),
    GIT_REF: ("a branch name", "main"),
    CONNECTION_ARN: ("a CodeStar connection ARN", "arn:aws:codestar-connections:eu-west-1:123456789012:connection/0f0e..."),
    EMAIL: ("an email address", "ops@example.com"),
}
