from hbgen.cli import app

app(prog_name="hbgen")
