"""How the portal is reached: its pages (http/) and its command line (cli.py)."""
