"""Plan, report, photograph, adjust and copy-edit a newspaper article."""
