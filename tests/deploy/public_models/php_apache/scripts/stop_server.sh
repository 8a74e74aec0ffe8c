# no #! line
service apache2 stop || true
