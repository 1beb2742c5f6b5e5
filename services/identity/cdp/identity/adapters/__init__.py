"""Identity's adapters: SQL tables and repository, the vault boundary, the profile pipeline."""
