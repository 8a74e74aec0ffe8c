# The in-place lifecycle vend runs on each host (CodeDeploy's order, no load balancer), as a pyinfra
# deploy, for tests/bench/rollout.py; the same steps as ../ansible/deploy.yml. Run with `--serial`
# (every operation of one host, then the next host), the first failed host stopping the run.
#
# Variables: a JSON file named by VEND_BENCH_VARS: bundle (tar.gz on the controller), appspec (the
# new revision's, parsed), files ([{src, dest}]), application, group_name, group_id, deployment_id,
# health_url_path, health_port.
import io
import json
import os
import posixpath
import urllib.request

import yaml
from pyinfra import host
from pyinfra.facts.server import Command
from pyinfra.operations import files, python, server

v = json.loads(open(os.environ["VEND_BENCH_VARS"]).read())
group_root = f"/opt/pyinfra-deploy/{v['group_id']}"
deploy_dir = f"{group_root}/{v['deployment_id']}"
archive = f"{deploy_dir}/deployment-archive"
pointer = f"{group_root}/last_successful_install"
hook_env = {"DEPLOYMENT_ID": v["deployment_id"], "APPLICATION_NAME": v["application"],
            "DEPLOYMENT_GROUP_NAME": v["group_name"], "DEPLOYMENT_GROUP_ID": v["group_id"]}


def hooks(event, scripts, from_archive):
    """One event's scripts, in order, with CodeDeploy's environment; non-zero or timeout fails."""
    for script in scripts or []:
        path = posixpath.join(from_archive, script["location"])
        runas = script.get("runas") or "root"
        server.shell(name=f"{event} {script['location']}", commands=[path], _chdir=posixpath.dirname(path),
                     _env={**hook_env, "LIFECYCLE_EVENT": event}, _timeout=script.get("timeout", 3600),
                     **({} if runas == "root" else {"_su_user": runas}))


def health_check(url):
    with urllib.request.urlopen(url, timeout=10) as answer:
        if answer.status >= 400:
            raise RuntimeError(f"{url} answered {answer.status}")


files.directory(name="Deployment directory", path=archive, present=True)

last_install = (host.get_fact(Command, f"cat {pointer} 2>/dev/null || true") or "").strip()
last_appspec = {}
if last_install:
    last_appspec = yaml.safe_load(host.get_fact(Command, f"cat {last_install}/appspec.yml 2>/dev/null || true") or "") or {}
hooks("ApplicationStop", (last_appspec.get("hooks") or {}).get("ApplicationStop"), last_install)

files.put(name="DownloadBundle (upload)", src=v["bundle"], dest=f"{deploy_dir}/bundle.tar.gz", mode="644")
server.shell(name="DownloadBundle (unpack)", commands=[f"tar -xzf {deploy_dir}/bundle.tar.gz -C {archive}"])
hooks("BeforeInstall", v["appspec"]["hooks"].get("BeforeInstall"), archive)
for item in v["files"]:
    source = f"{archive}/{item['src']}"
    copy = f"mkdir -p {item['dest']} && cp -a {source}{'.' if source.endswith('/') else ''} {item['dest']}"
    server.shell(name=f"Install {item['src']}", commands=[copy])
for event in ("AfterInstall", "ApplicationStart", "ValidateService"):
    hooks(event, v["appspec"]["hooks"].get(event), archive)
python.call(name="Health check of the app, from the controller", function=health_check,
            url=f"http://{host.name}:{v['health_port']}{v['health_url_path']}")
files.put(name="Record the last successful install", src=io.StringIO(archive + "\n"), dest=pointer)
server.shell(name="Keep the newest 5 deployment directories",
             commands=[f"cd {group_root} && ls -1dt d-*/ | tail -n +6 | xargs -r rm -rf"])
