from wagtail import hooks


@hooks.register("before_serve_page", order=1000)
def remember_served_page(page, request, serve_args, serve_kwargs):
    """Tell the page cache which page answered (it decides what the response depends on).

    Runs after every other before_serve_page hook. View restrictions are checked later (an
    on_serve_page hook), so a restricted page is marked too; its answer (a 302 to sign-in, or
    the password form) is never stored: it is not a 200, it says no-store, private, and the
    form uses a CSRF token (middleware.response_is_storable).
    """
    request._pagecache_page = page
