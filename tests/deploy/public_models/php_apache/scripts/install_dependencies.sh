# no #! line: the agent runs it with /bin/sh
command -v apache2 >/dev/null && command -v php >/dev/null && echo "apache2 and php are installed"
