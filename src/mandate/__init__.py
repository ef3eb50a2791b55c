"""mandate: both sides of a hybrid-working dispute, on one foundation.

Folders show the architecture (see docs/architecture.md):
- law/, crypto/, policy/, stats/: pure engines with no Django import;
- union/ and workplace/: the two wings, Django apps that never import each other;
- platform/: settings, accounts and roles, audit log, documents, base templates;
- cli/: the `mandate` command; demo/: the deterministic demo scenario.
"""

__version__ = "0.1.0"
