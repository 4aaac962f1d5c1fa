"""The work behind each `rulesc` command, one module each, called with plain values.

`compiler.cli` parses the command line into each module's options dataclass and calls its `run`;
nothing here reads `argparse` results or imports the command line.
"""
