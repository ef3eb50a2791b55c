"""Legislation parameters as TOML data files (read by mandate.law.params). See docs/law.md."""
