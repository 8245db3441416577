"""Refuse API requests over the size limit before anything reads their body."""

from __future__ import annotations

from django.http import JsonResponse

from sanshen.checks.services import human_size, max_bytes

API_PREFIX = "/api/"


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse({"detail": "Content-Length 请求头无效"}, status=400)
            limit = max_bytes()
            # Multipart framing adds a little to a file of exactly the limit.
            if length > limit + 64 * 1024:
                return JsonResponse(
                    {"detail": f"请求过大：{human_size(length)}，超过上限 {human_size(limit)}"},
                    status=413,
                    json_dumps_params={"ensure_ascii": False},
                )
        return self.get_response(request)
