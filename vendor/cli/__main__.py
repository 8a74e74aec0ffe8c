from vendor.cli.main import cli

cli(prog_name="vend")
