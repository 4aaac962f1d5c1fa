"""Claim input: readers that turn a stream of text into records, each with its position."""
