"""The infrastructure pipeline's buildspecs: CodeBuild running vend's own release stages. Pure.

Both install vend from the zip `vend release --engine aws --setup` put in the pipeline's bucket
(a source tree: `pip install -e` keeps its packer/ and appspec_templates/ beside the package),
then run the same stage code the local runner runs:

- plan:  `vend release-stage plan` bakes (Packer, installed from HashiCorp's release zip, checked
         against its SHA256SUMS) and plans; the plan is the output artifact; PLAN_ID, PLAN_SUMMARY,
         AMI and COMMIT are exported for the approval; the plan's text goes to plans/<id>.txt.
- apply: `vend release-stage apply` applies exactly the plan artifact (the secondary input `plan`).
"""
from __future__ import annotations

import shlex

import yaml

PACKER_VERSION = "1.11.2"
PLAN_DIR = ".vend-plan"  # inside the source directory (CodeBuild collects artifacts from there)
EXPORTED = ["PLAN_ID", "PLAN_SUMMARY", "AMI", "COMMIT"]


def _install(bucket: str, package_key: str) -> list[str]:
    return [f"aws s3 cp {shlex.quote(f's3://{bucket}/{package_key}')} /tmp/vend.zip --only-show-errors",
            "rm -rf /opt/vend && mkdir -p /opt/vend && unzip -q /tmp/vend.zip -d /opt/vend",
            "pip install --quiet -e /opt/vend",
            "vend --help > /dev/null"]


def _packer() -> list[str]:
    v = PACKER_VERSION
    where = f"https://releases.hashicorp.com/packer/{v}"
    return [f"curl -fsSL -o /tmp/packer_{v}_linux_amd64.zip {where}/packer_{v}_linux_amd64.zip",
            f"curl -fsSL -o /tmp/packer_SHA256SUMS {where}/packer_{v}_SHA256SUMS",
            "cd /tmp && sha256sum --check --ignore-missing packer_SHA256SUMS && cd -",
            f"unzip -o -q /tmp/packer_{v}_linux_amd64.zip -d /usr/local/bin && packer version"]


def _text(spec: dict) -> str:
    return yaml.safe_dump(spec, sort_keys=False, width=200, default_flow_style=False)


def plan_buildspec(config_path: str, bucket: str, package_key: str) -> str:
    config = shlex.quote(config_path)
    spec = {
        "version": 0.2,
        "env": {"shell": "bash", "exported-variables": list(EXPORTED)},
        "phases": {
            "install": {"commands": [*_install(bucket, package_key), *_packer()]},
            "build": {"commands": [
                f"vend release-stage plan {config} --out {PLAN_DIR}",
                f". {PLAN_DIR}/variables.sh",
                f"aws s3 cp {PLAN_DIR}/plan.txt \"s3://{bucket}/plans/$PLAN_ID.txt\" --only-show-errors"]},
        },
        "artifacts": {"base-directory": PLAN_DIR, "files": ["**/*"]},
    }
    return _text(spec)


def apply_buildspec(config_path: str, bucket: str, package_key: str) -> str:
    config = shlex.quote(config_path)
    spec = {
        "version": 0.2,
        "env": {"shell": "bash"},
        "phases": {
            "install": {"commands": _install(bucket, package_key)},
            "build": {"commands": [f"vend release-stage apply {config} --plan \"$CODEBUILD_SRC_DIR_plan/plan.json\""]},
        },
    }
    return _text(spec)
