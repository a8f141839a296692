"""The read-only JSON API under /api/v1/ (Django REST framework, keys from djangorestframework-api-key).

Not the shell API (``console/api.py``). A request sends ``Authorization: Api-Key <key>``; it acts as
the key's user (role and per-strategy grants apply) within the key's scopes. docs/api.md lists
the endpoints.
"""
