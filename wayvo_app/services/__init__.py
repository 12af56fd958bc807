"""Use cases: the only door for api/, pages/, components/ and the CLI."""
