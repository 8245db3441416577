"""The HTTP API (`/api/v1/`, django-ninja) and the per-unit API tokens that authenticate it."""
