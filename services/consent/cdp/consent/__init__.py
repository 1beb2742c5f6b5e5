"""The consent service: data keys now; consent ledger, data-subject requests and audit as they land."""
