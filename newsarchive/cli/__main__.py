from . import main

main(prog_name="newsarchive")  # messages and help name the command as it is installed
