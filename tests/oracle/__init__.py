"""The tests' independent oracle: a plain-Python reading of a generated inbox by the rules of
docs/raw-interface.md and docs/published-contract.md, written apart from the loader and the dbt
models so that the generator's truth and the warehouse can both be checked against it."""
