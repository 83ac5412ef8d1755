"""Request-level protections shared by every environment (settings in psg/settings/base.py).

- RequestSizeLimitMiddleware: a request body larger than PSG_MAX_REQUEST_BODY is refused
  with 413 before anything reads it.
- ContentSecurityPolicyMiddleware: django-csp's middleware with a second policy for the
  Wagtail admin (PSG_ADMIN_CONTENT_SECURITY_POLICY), which still needs inline scripts and
  styles; the public site keeps the strict CONTENT_SECURITY_POLICY.
- client_ip: the client's address behind PSG_TRUSTED_PROXY_COUNT reverse proxies, for the
  sign-in lockout (django-axes) and the other limits in psg/protections.py.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpResponse


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = getattr(settings, "PSG_MAX_REQUEST_BODY", None)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit and length > limit:
            megabytes = limit / (1024 * 1024)
            return HttpResponse(
                "<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'>"
                "<title>Upload too large</title></head><body><h1>Upload too large</h1>"
                f"<p>The file or form you sent is larger than {megabytes:.0f}&nbsp;MB, "
                "the most this site accepts. Please send a smaller file.</p></body></html>",
                status=413,
                headers={"Connection": "close"},
            )
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """Apply PSG_ADMIN_CONTENT_SECURITY_POLICY under the admin URL prefix.

    Page previews are rendered by Wagtail through a simulated request for the page's own
    URL, so they get the public policy (they show what visitors will see), except that the
    editor's preview panel must be able to frame them: frame-ancestors 'self'.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if getattr(request, "is_preview", False) or getattr(request, "is_dummy", False):
            parts.replace = {**(parts.replace or {}), "frame-ancestors": ["'self'"]}
            return parts
        admin_policy = getattr(settings, "PSG_ADMIN_CONTENT_SECURITY_POLICY", None)
        prefix = getattr(settings, "PSG_ADMIN_URL_PREFIX", "/admin/")
        if (
            not report_only
            and parts.config is None
            and admin_policy
            and request.path_info.startswith(prefix)
        ):
            return PolicyParts(
                config=dict(admin_policy["DIRECTIVES"]),
                update=parts.update,
                replace=parts.replace,
                nonce=parts.nonce,
            )
        return parts


def client_ip(request):
    """The client's address: REMOTE_ADDR, or the entry PSG_TRUSTED_PROXY_COUNT proxies appended."""
    proxies = getattr(settings, "PSG_TRUSTED_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
