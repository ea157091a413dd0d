"""Issuance entrypoints: the HTTP routers, who may do what (access.py) and the `kaiku-issuance` command."""
