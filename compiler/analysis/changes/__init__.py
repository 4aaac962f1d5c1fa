"""`rulesc diff`: what a new version of a pack decides differently (contract/DIFF.md)."""
