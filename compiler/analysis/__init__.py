"""Analysis of a resolved pack: the checks that end in a plan (`checks.analyze`), the evaluation
order (`order`), table checks (`tables`), coverage, the conflict analyzer (`conflicts`) and the
change report (`changes`).

Importing the package loads none of them (networkx and the parser come with `checks`), so that a
command that only reads a cached verdict (`rulesc eval`'s gate) starts without them.
"""
