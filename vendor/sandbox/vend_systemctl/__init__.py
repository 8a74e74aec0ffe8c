"""vend sandbox: the stand-in for `systemctl` and `service` on local hosts, which have no systemd.

Installed on every local host under /usr/lib/vend-systemctl (standard library only, run by the
host's python3), with /usr/bin/systemctl and /usr/sbin/service as its entry points (`WRAPPER`). It starts, stops, restarts, reloads and reports the
services an image installs, as an instance's systemd would, from:

  1. a unit file the admin wrote: /etc/systemd/system/NAME.service (and /run/systemd/system);
  2. the package's init script: /etc/init.d/NAME (apache2, nginx, postgresql, ... on Debian/Ubuntu);
  3. the package's unit file: /lib/systemd/system, /usr/lib/systemd/system.

From a unit file it runs ExecStartPre/ExecStart/ExecStartPost/ExecReload/ExecStop with User,
Group, WorkingDirectory, Environment, EnvironmentFile and RuntimeDirectory, for Type simple,
exec, notify, idle, forking and oneshot; output goes to /var/log/vend-services/NAME.log (no
journal). It says so, naming itself, for what it does not do: other unit types, other commands,
directives it ignores (no restart on failure, no sandboxing). Services enabled (`systemctl enable`,
or a package's default, recorded by the local bake) start when the host boots: `systemctl vend-boot`.
As systemd: a unit without [Install] section cannot be enabled (static); a forking unit's PIDFile
is read after its ExecStart, so a daemon that wrote it on its own (pm2's, which `pm2 startup`'s
unit names) does not make the unit active; stopping an inactive unit runs nothing.
"""
