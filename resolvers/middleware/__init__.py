"""ASGI middleware, one concern per module (the model is Starlette's `trustedhost.py`).

The app factory stacks them outermost first: request log, body limit, authentication.
"""
