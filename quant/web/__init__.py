"""The web kit every app's pages use: the full-page-or-fragment helper (``htmx``), the navigation
registry (``nav``), the health-check registry (``health``) and the home-page tile registry
(``tiles``; the alerts app registers its "open alerts" tile there when it has alerts).

It lives in the shared core so that apps register their menu entries and health cards, and render
their htmx fragments, without importing ``console``: the console is the top floor and only reads
these registries (its context processor builds the menu, its health page runs the checks).
"""
