from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check for sign-ins over HTTP. `authenticate()` called by code
    without a request (shell, commands, other backends' tests) has no client to lock out, and
    axes would raise instead of letting the next backend answer."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
