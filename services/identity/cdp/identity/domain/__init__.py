"""Identity's domain: identifiers, profiles, merge records and the rules that link them (pure Python)."""
