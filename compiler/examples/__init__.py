"""A pack's examples, in one place: what an example expects against what an engine found
(`expectations.py`), running the examples through both engines and reporting on them
(`runner.py`, `report.py`, for `rulesc test`), the warning for a rule no example names
(`coverage.py`), and the worked examples the policy documents show (`worked.py`).

This layer sits above analysis (it plans a pack with a declaration taken out) and below the
backends, whose documents show the worked examples.
"""

FORMATS = ("text", "junit", "json")
"""The reports `rulesc test` writes."""
