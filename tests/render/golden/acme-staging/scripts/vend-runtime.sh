#!/bin/sh
# EC2 builds only: install vend's env file writer, run at boot before the web server and by the
# starter's BeforeInstall hook, and the CloudWatch agent. It writes /etc/vend/app.env with the instance role (Parameter
# Store, RDS, the RDS managed secret in Secrets Manager); see /usr/local/sbin/vend-env-file.
set -eu
cat > /etc/vend-runtime <<SETTINGS
customer=acme
environment=staging
group=www-data
database=vend-acme-staging
SETTINGS
install -d -m 0755 /usr/local/sbin
cat > /usr/local/sbin/vend-env-file <<'VEND_ENV_FILE_PY'
#!/usr/bin/env python3
"""Write /etc/vend/app.env on an EC2 instance of a vend environment (baked into the image).

Run at boot (vend-env-file.service, before the web server) and by the starter's BeforeInstall
hook, with the instance role's credentials from the instance metadata (IMDSv2): the config vars
from Parameter Store (`/vend/<customer>/<environment>/config/`, decrypted), the database from
RDS and the master user secret RDS keeps in Secrets Manager, the artifact bucket, the region,
customer and environment. The same lines vend's deploy engine writes (vendor/runtime/env_file.py).
Standard library only (Python 3.8+). /etc/vend-runtime holds what the bake knew:
customer=, environment=, group= (the app's group), database= (the RDS identifier, or empty).

Off EC2 (no instance metadata; the sandbox's hosts) it leaves the file as vend's agent wrote it.
For tests: VEND_AWS_ENDPOINT, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_REGION and
VEND_ACCOUNT stand in for the metadata service.
"""
import datetime
import hashlib
import hmac
import json
import os
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

IMDS = "http://169.254.169.254"
SETTINGS = os.environ.get("VEND_RUNTIME_SETTINGS", "/etc/vend-runtime")
PATH = os.environ.get("VEND_ENV_FILE", "/etc/vend/app.env")
SCHEMES = {"postgres": "postgresql", "mysql": "mysql", "mariadb": "mysql"}


class NotOnEc2(Exception):
    pass


def _imds(path, token, timeout=2):
    request = urllib.request.Request(IMDS + path, headers={"X-aws-ec2-metadata-token": token})
    with urllib.request.urlopen(request, timeout=timeout) as r:
        return r.read().decode()


def instance_identity():
    """(region, account, (key, secret, token)) of this instance's role."""
    if os.environ.get("VEND_AWS_ENDPOINT"):
        creds = (os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"], os.environ.get("AWS_SESSION_TOKEN"))
        return os.environ["AWS_REGION"], os.environ["VEND_ACCOUNT"], creds
    try:
        request = urllib.request.Request(IMDS + "/latest/api/token", method="PUT",
                                         headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"})
        with urllib.request.urlopen(request, timeout=2) as r:
            token = r.read().decode()
    except OSError:
        raise NotOnEc2()
    doc = json.loads(_imds("/latest/dynamic/instance-identity/document", token))
    role = _imds("/latest/meta-data/iam/security-credentials/", token).split()[0]
    c = json.loads(_imds("/latest/meta-data/iam/security-credentials/" + role, token))
    return doc["region"], doc["accountId"], (c["AccessKeyId"], c["SecretAccessKey"], c.get("Token"))


def _sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def call(service, region, creds, body, headers):
    """One SigV4-signed POST to a regional endpoint; the response body."""
    host = "%s.%s.amazonaws.com" % (service, region)
    url = os.environ.get("VEND_AWS_ENDPOINT") or "https://" + host
    if os.environ.get("VEND_AWS_ENDPOINT"):
        host = urllib.parse.urlparse(url).netloc
    now = datetime.datetime.now(datetime.timezone.utc)
    stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = dict(headers, **{"host": host, "x-amz-date": stamp})
    if creds[2]:
        headers["x-amz-security-token"] = creds[2]
    names = sorted(k.lower() for k in headers)
    lower = {k.lower(): v for k, v in headers.items()}
    canonical = "\n".join(["POST", "/", "", "".join("%s:%s\n" % (k, lower[k].strip()) for k in names),
                           ";".join(names), hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (day, region, service)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _sign(_sign(_sign(_sign(("AWS4" + creds[1]).encode(), day), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        creds[0], scope, ";".join(names), signature)
    headers.pop("host")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as r:
        return r.read()


def json_call(service, target, region, creds, payload):
    body = json.dumps(payload).encode()
    return json.loads(call(service, region, creds, body, {"Content-Type": "application/x-amz-json-1.1",
                                                          "X-Amz-Target": target}))


def config_vars(region, creds, prefix):
    """{key: value} and the secret keys, from Parameter Store."""
    values, secrets, token = {}, set(), None
    while True:
        payload = {"Path": prefix, "Recursive": False, "WithDecryption": True, "MaxResults": 10}
        if token:
            payload["NextToken"] = token
        page = json_call("ssm", "AmazonSSM.GetParametersByPath", region, creds, payload)
        for p in page.get("Parameters", []):
            key = p["Name"][len(prefix):]
            values[key] = p["Value"]
            if p["Type"] == "SecureString":
                secrets.add(key)
        token = page.get("NextToken")
        if not token:
            return values, secrets


def database(region, creds, identifier):
    body = urllib.parse.urlencode({"Action": "DescribeDBInstances", "Version": "2014-10-31",
                                   "DBInstanceIdentifier": identifier}).encode()
    xml = ET.fromstring(call("rds", region, creds, body, {"Content-Type": "application/x-www-form-urlencoded"}))
    db = next(e for e in xml.iter() if e.tag.endswith("DBInstance"))

    def find(path):
        node = db
        for part in path.split("/"):
            node = next((c for c in node if c.tag.split("}")[-1] == part), None)
            if node is None:
                return ""
        return node.text or ""
    secret = json_call("secretsmanager", "secretsmanager.GetSecretValue", region, creds,
                       {"SecretId": find("MasterUserSecret/SecretArn")})
    password = json.loads(secret["SecretString"])["password"]
    engine, host, port = find("Engine"), find("Endpoint/Address"), find("Endpoint/Port")
    user, name = find("MasterUsername"), find("DBName")
    q = lambda s: urllib.parse.quote(s, safe="")
    url = "%s://%s:%s@%s:%s/%s" % (SCHEMES.get(engine, engine), q(user), q(password), host, port, q(name))
    return {"DATABASE_URL": url, "DB_HOST": host, "DB_PORT": port, "DB_NAME": name, "DB_USER": user,
            "DB_PASSWORD": password}


def render(values):
    lines = ["# Written by vend before every deployment; changes here are overwritten."]
    for key, value in values.items():
        if "\n" in value or "\r" in value or "\0" in value:
            raise ValueError("the value of %s has a line break: not written" % key)
        lines.append("%s='%s'" % (key, value.replace("'", "'\\''")))
    return "\n".join(lines) + "\n"


def settings():
    out = {}
    with open(SETTINGS) as f:
        for line in f:
            key, sep, value = line.strip().partition("=")
            if sep:
                out[key] = value
    return out


def write(text, group):
    import grp
    folder = os.path.dirname(PATH)
    gid = grp.getgrnam(group).gr_gid
    os.makedirs(folder, exist_ok=True)
    os.chown(folder, 0, gid)
    os.chmod(folder, 0o750)
    temp = os.path.join(folder, ".app.env.partial")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chown(temp, 0, gid)
    os.chmod(temp, 0o640)
    os.replace(temp, PATH)


def main():
    s = settings()
    try:
        region, account, creds = instance_identity()
    except NotOnEc2:
        print("vend-env-file: no instance metadata here; %s left as it is" % PATH)
        return 0
    prefix = "/vend/%s/%s/config/" % (s["customer"], s["environment"])
    values, secrets = config_vars(region, creds, prefix)
    out = dict(sorted(values.items()))
    out["VEND_CONFIG_VARS"] = " ".join(k for k in sorted(values) if k not in secrets)
    if s.get("database"):
        out.update(database(region, creds, s["database"]))
    out.update({"VEND_BUCKET": "vend-%s-%s-%s-artifacts" % (s["customer"], s["environment"], account),
                "AWS_REGION": region, "AWS_DEFAULT_REGION": region, "VEND_CUSTOMER": s["customer"],
                "VEND_ENVIRONMENT": s["environment"]})
    write(render(out), s.get("group") or "root")
    print("vend-env-file: wrote %s (%d variables)" % (PATH, len(out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
VEND_ENV_FILE_PY
chmod 0755 /usr/local/sbin/vend-env-file
cat > /etc/systemd/system/vend-env-file.service <<'UNIT'
[Unit]
Description=vend: write /etc/vend/app.env from Parameter Store and Secrets Manager
Wants=network-online.target
After=network-online.target
Before=apache2.service nginx.service codedeploy-agent.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/vend-env-file

[Install]
WantedBy=multi-user.target
UNIT
if command -v systemctl >/dev/null 2>&1; then
    systemctl enable vend-env-file.service
fi
# The CloudWatch agent ships the app's, the deployments' and the system's logs to the log group
# /vend/acme/staging (streams <instance id>/<source>; `vend logs` reads them).
region="${AWS_REGION:?AWS_REGION is required}"
if command -v dpkg >/dev/null 2>&1; then
    arch="$(dpkg --print-architecture)"
    wget -q -O /tmp/amazon-cloudwatch-agent.deb \
        "https://amazoncloudwatch-agent-${region}.s3.${region}.amazonaws.com/ubuntu/${arch}/latest/amazon-cloudwatch-agent.deb"
    dpkg -i -E /tmp/amazon-cloudwatch-agent.deb
    rm -f /tmp/amazon-cloudwatch-agent.deb
else
    (dnf install -y amazon-cloudwatch-agent || yum install -y amazon-cloudwatch-agent)
fi
install -d -m 0755 /opt/aws/amazon-cloudwatch-agent/etc
cat > /opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<'AGENT_CONFIG'
{
  "agent": {
    "run_as_user": "root"
  },
  "logs": {
    "logs_collected": {
      "files": {
        "collect_list": [
          {
            "file_path": "/var/log/apache2/access.log",
            "log_group_name": "/vend/acme/staging",
            "log_stream_name": "{instance_id}/access",
            "timezone": "UTC"
          },
          {
            "file_path": "/var/log/apache2/error.log",
            "log_group_name": "/vend/acme/staging",
            "log_stream_name": "{instance_id}/error",
            "timezone": "UTC"
          },
          {
            "file_path": "/opt/codedeploy-agent/deployment-root/*/*/logs/scripts.log",
            "log_group_name": "/vend/acme/staging",
            "log_stream_name": "{instance_id}/deploy",
            "timezone": "UTC"
          },
          {
            "file_path": "/var/log/aws/codedeploy-agent/codedeploy-agent.log",
            "log_group_name": "/vend/acme/staging",
            "log_stream_name": "{instance_id}/codedeploy-agent",
            "timezone": "UTC"
          },
          {
            "file_path": "/var/log/syslog",
            "log_group_name": "/vend/acme/staging",
            "log_stream_name": "{instance_id}/syslog",
            "timezone": "UTC"
          }
        ]
      }
    }
  }
}
AGENT_CONFIG
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 \
    -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json
if command -v systemctl >/dev/null 2>&1; then
    systemctl enable amazon-cloudwatch-agent.service
fi
echo "vend: env file writer and CloudWatch agent installed for acme/staging"
