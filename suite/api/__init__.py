"""The REST API: every module's service for other systems, behind per-account tokens (FastAPI + uvicorn).

`suite api --host 127.0.0.1 --port 8000 --workers N` serves it; `app.create_app` builds it; the routers in
`routes/` call the same `suite.<module>.service` functions as the pages and the CLI and return the same
`as_dict()` fields. Tokens (`tokens.py`) carry an account's role; refusals and changes are in the audit trail.
"""
