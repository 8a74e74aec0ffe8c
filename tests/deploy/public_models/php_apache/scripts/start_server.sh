# no #! line
service apache2 start
