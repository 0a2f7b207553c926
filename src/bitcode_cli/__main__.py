from bitcode_cli.main import cli

cli(prog_name="bitcode")
