"""The services' HTTP request and answer bodies (docs/contract.md "HTTP endpoints").

The services declare their routes with these models and the portal parses their answers and its
own forms with them, so both sides accept the same ids and fields.
"""
