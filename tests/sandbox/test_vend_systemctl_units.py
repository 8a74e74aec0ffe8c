"""The systemctl stand-in reads unit files as systemd does (the parts it supports)."""
import pytest

from vendor.sandbox.vend_systemctl.units import Refused, command, parse_unit

# modelled on the gunicorn unit of the Flask + gunicorn + nginx revisions issue 21 deployed
UNIT = """\
[Unit]
Description=gunicorn daemon
After=network.target

[Service]
User=ubuntu
Group=www-data
WorkingDirectory=/home/ubuntu/app
Environment="FLASK_ENV=production" "WORKERS=3"
ExecStart=/home/ubuntu/app/venv/bin/gunicorn \\
          --workers ${WORKERS} --bind unix:/run/app.sock $EXTRA wsgi:app
ExecStartPre=
ExecStartPre=-/bin/mkdir -p /run/app

[Install]
WantedBy=multi-user.target
"""


def test_sections_continuations_and_a_reset_list():
    service = parse_unit(UNIT)["Service"]
    assert service["ExecStart"] == ["/home/ubuntu/app/venv/bin/gunicorn --workers ${WORKERS} --bind "
                                    "unix:/run/app.sock $EXTRA wsgi:app"]
    assert service["ExecStartPre"] == ["-/bin/mkdir -p /run/app"]
    assert service["Environment"] == ['"FLASK_ENV=production" "WORKERS=3"']
    assert parse_unit(UNIT)["Install"] == {"WantedBy": ["multi-user.target"]}


def test_exec_lines_expand_variables_and_prefixes_as_systemd_does():
    env = {"WORKERS": "3", "EXTRA": "--timeout 30"}
    argv, ignore = command(parse_unit(UNIT)["Service"]["ExecStart"][0], env, {})
    assert (argv, ignore) == (["/home/ubuntu/app/venv/bin/gunicorn", "--workers", "3", "--bind", "unix:/run/app.sock",
                               "--timeout", "30", "wsgi:app"], False)
    assert command("-/bin/mkdir -p /run/%i", {}, {"i": "web", "%": "%"}) == (["/bin/mkdir", "-p", "/run/web"], True)
    with pytest.raises(Refused, match="the specifier %h"):
        command("/bin/echo %h", {}, {"i": ""})
