"""Makes the current request known to audit entries written by model signals."""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction, markcoroutinefunction

from .context import audit_context


class AuditContextMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.is_async:
            return self.__acall__(request)
        with audit_context(request=request):
            return self.get_response(request)

    async def __acall__(self, request):
        with audit_context(request=request):
            return await self.get_response(request)
