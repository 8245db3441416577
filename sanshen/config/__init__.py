"""Django project of the Sanshen platform (settings, URLs, WSGI/ASGI entry points)."""
