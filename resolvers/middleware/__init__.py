"""ASGI middleware, one concern per module (the model is Starlette's `trustedhost.py`).

The app factory stacks them outermost first: security headers, request log, (with `--dev`) the
loopback check, body limit, authentication.
"""
