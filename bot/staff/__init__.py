"""Tools for the office's staff: the `bot` command, `bot ask`, `bot chat`, reports."""
