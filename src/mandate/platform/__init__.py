"""The foundation both wings stand on: settings, accounts and roles, the audit log, documents, base templates."""
