"""The condition language: tree, parser, formatter and static checks."""
