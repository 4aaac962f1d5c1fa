"""`python -m compiler` is the `rulesc` command."""

from compiler.cli import main_entry

main_entry()
