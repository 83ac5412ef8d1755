from wagtail import hooks


@hooks.register("before_serve_page", order=1000)
def remember_served_page(page, request, serve_args, serve_kwargs):
    """Tell the page cache which page answered (it decides what the response depends on).

    Runs after every other hook, so a page that a view restriction answered instead (sign-in
    redirect, password form) is never marked.
    """
    request._pagecache_page = page
