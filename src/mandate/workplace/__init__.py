"""Workplace wing (employer HR, estates, managers, staff). Never imports mandate.union."""
