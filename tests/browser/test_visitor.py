"""A visitor reads, filters, searches and joins, in a real browser.

Every public page these journeys reach is checked with axe-core (WCAG 2.2 AA) and for
script errors (check_public_page).
"""

import datetime
import re

from playwright.sync_api import expect

from .helpers import add_article, check_public_page, focused, tab_to

FUJIMORI = "Fujimori extradition"


def _fujimori():
    from campaigns.models import CampaignPage

    return CampaignPage.objects.get(slug="fujimori-extradition")


def _add_older_fujimori_articles(count):
    """Enough older articles on the campaign that its filtered news list has a second page."""
    campaign = _fujimori()
    return [
        add_article(
            f"Extradition hearing report {number}",
            date=datetime.date(2001, 1, number),
            summary=f"Report number {number} from the extradition hearings.",
            campaigns=[campaign],
        )
        for number in range(1, count + 1)
    ]


def _card_titles(page):
    return page.locator(".article-list .card__title a").all_inner_texts()


def test_reader_goes_from_home_to_a_campaign_its_news_and_page_two(page):
    from news.models import NewsArticlePage

    _add_older_fujimori_articles(10)
    campaign = _fujimori()
    on_campaign = NewsArticlePage.objects.live().filter(campaigns=campaign).count()
    assert on_campaign > 10, "the journey needs a second page of campaign news"

    # Home: the campaign is featured; follow it.
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    check_public_page(page)
    page.get_by_role("region", name="Our campaigns").get_by_role(
        "link", name=FUJIMORI, exact=True
    ).click()

    # The hub lists its latest news; open one of its articles.
    expect(page).to_have_url(re.compile(r"/campaigns/fujimori-extradition/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(FUJIMORI)
    check_public_page(page)
    hub_news = page.get_by_role("region", name="Latest news on this campaign")
    first_article = hub_news.locator(".card__title a").first
    article_title = first_article.inner_text()
    first_article.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(article_title)
    filed_under = page.get_by_role("complementary", name="Campaigns and topics")
    expect(filed_under.get_by_role("link", name=FUJIMORI, exact=True)).to_be_visible()
    check_public_page(page)

    # The news list, filtered by the campaign through its form.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="News").click()
    expect(page).to_have_url(re.compile(r"/news/$"))
    check_public_page(page)
    page.get_by_label("Campaign").select_option(label=FUJIMORI)
    page.get_by_role("button", name="Show articles").click()

    expect(page).to_have_url(re.compile(r"/news/\?.*campaign=fujimori-extradition"))
    expect(page.locator("#results-heading")).to_contain_text(
        f"{on_campaign} articles about {FUJIMORI}"
    )
    expect(page.get_by_label("Campaign")).to_have_value("fujimori-extradition")
    first_page_titles = _card_titles(page)
    assert len(first_page_titles) == 10
    assert article_title in first_page_titles
    # Every card on the filtered list is filed under the campaign.
    cards = page.locator(".article-list > li")
    for index in range(cards.count()):
        expect(cards.nth(index).get_by_role("link", name=FUJIMORI, exact=True)).to_be_visible()
    check_public_page(page)

    # Page 2 keeps the filter and shows the rest.
    pagination = page.get_by_role("navigation", name="Pagination")
    expect(pagination).to_contain_text("Page 1 of 2")
    pagination.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"campaign=fujimori-extradition"))
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(page.get_by_role("navigation", name="Pagination")).to_contain_text("Page 2 of 2")
    second_page_titles = _card_titles(page)
    assert len(second_page_titles) == on_campaign - 10
    assert not set(first_page_titles) & set(second_page_titles)
    check_public_page(page)

    # The hub's own link to all its news leads to the same filtered list.
    page.goto("/campaigns/fujimori-extradition/")
    page.get_by_role("link", name=re.compile(rf"All {on_campaign} articles")).click()
    expect(page.locator("#results-heading")).to_contain_text(
        f"{on_campaign} articles about {FUJIMORI}"
    )


def test_search_finds_an_article_with_or_without_accents(page):
    article = add_article(
        "Water protests in Cajamarca, Perú",
        date=datetime.date.today(),
        summary="Farmers in Cajamarca, in the north of Perú, protest against a gold mine.",
        text="Communities around the mine say that their rivers are being poisoned.",
    )

    page.goto("/")
    totals = {}
    for query in ["Peru", "Perú"]:
        search_box = page.get_by_role("search").first.get_by_label("Search the site")
        search_box.fill(query)
        search_box.press("Enter")
        expect(page).to_have_url(re.compile(r"/search/\?q="))
        summary = page.locator(".search-summary")
        expect(summary).to_contain_text(f"for “{query}”")
        totals[query] = int(re.match(r"\s*(\d+) result", summary.inner_text()).group(1))
        expect(page.get_by_role("link", name=article.title)).to_be_visible()
        check_public_page(page)
    # Accents do not matter in either direction: the same pages are found.
    assert totals["Peru"] == totals["Perú"]

    page.get_by_role("link", name=article.title).click()
    expect(page).to_have_url(re.compile(r"/news/water-protests-in-cajamarca-peru/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)
    check_public_page(page)


def test_search_suggestions_work_with_the_keyboard(page):
    article = add_article(
        "Cajamarca communities win their case",
        date=datetime.date.today(),
        summary="A court in Perú sides with the communities of Cajamarca.",
    )
    page.goto("/search/")
    check_public_page(page)
    box = page.get_by_role("combobox", name="Search for")
    box.press_sequentially("cajam", delay=30)
    listbox = page.get_by_role("listbox", name="Suggested pages")
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option", name=re.compile(article.title))).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    check_public_page(page)

    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", re.compile(r".+"))
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/news/cajamarca-communities-win-their-case/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)


def test_visitor_joins_after_correcting_mistakes(page):
    from membership.models import MembershipApplication

    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Become a member").click()
    expect(page).to_have_url(re.compile(r"/join/$"))
    check_public_page(page)

    # Sending the form empty: a summary of the problems, focused, each linked to its field.
    page.get_by_role("button", name="Send my application").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem with your application")
    expect(summary.get_by_role("link", name="Enter your full name.")).to_be_visible()
    expect(summary.get_by_role("link", name="Enter your email address.")).to_be_visible()
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    check_public_page(page)
    summary.get_by_role("link", name="Enter your full name.").click()
    expect(page.get_by_label("Full name")).to_be_focused()

    # A badly written email address: that one error, and what was typed is kept.
    page.get_by_label("Full name").fill("Ana Quispe")
    page.get_by_label("Email address").fill("ana.quispe.example.org")
    page.get_by_label("Individual").check()
    page.get_by_role("button", name="Send my application").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter an email address in the right format")
    expect(page.get_by_label("Full name")).to_have_value("Ana Quispe")
    expect(page.get_by_label("Email address")).to_have_value("ana.quispe.example.org")
    expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")
    check_public_page(page)
    assert not MembershipApplication.objects.exists()

    page.get_by_label("Email address").fill("ana.quispe@example.org")
    page.get_by_label("I agree that PSG may contact me").check()
    page.get_by_role("button", name="Send my application").click()

    expect(page).to_have_url(re.compile(r"/join/thank-you/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for joining")
    check_public_page(page)
    application = MembershipApplication.objects.get()
    assert (application.name, application.email) == ("Ana Quispe", "ana.quispe@example.org")
    assert application.membership_type == "individual"
    assert application.consent is True


def test_keyboard_user_skips_to_content_and_reaches_menu_and_search(page):
    page.goto("/")
    check_public_page(page)

    # The first Tab reaches the skip link, which is then visible; Enter moves focus to main.
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()
    assert box and box["width"] > 0 and 0 <= box["y"] < page.viewport_size["height"], (
        f"the focused skip link is not on screen: {box}"
    )
    assert focused(page)["focusVisible"], "the focused skip link shows no focus outline"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues inside the main content, past the header and menu.
    page.keyboard.press("Tab")
    assert focused(page)["inMain"], f"Tab after the skip link left main: {focused(page)}"

    # From the top again: every header control and menu link is reached, in reading order,
    # each with a visible focus indicator.
    page.goto("/")
    search_box = page.get_by_role("search").first.get_by_label("Search the site")
    menu = page.get_by_role("navigation", name="Main")
    last_menu_link = menu.get_by_role("link").last
    visited = tab_to(page, last_menu_link)
    visited.append(focused(page))
    texts = [item["text"] for item in visited if item]
    assert texts[0] == "Skip to main content"
    menu_texts = [item["text"] for item in visited if item and item["inMenu"]]
    assert menu_texts == [text.strip() for text in menu.get_by_role("link").all_inner_texts()]
    assert set(menu_texts) == {"News", "Campaigns", "Become a member"}
    assert any(item and item["id"] == "site-search-q" for item in visited)
    hidden = [item for item in visited if item and not item["focusVisible"]]
    assert not hidden, f"controls with no visible focus: {hidden}"

    # Search with the keyboard alone, then open a result.
    page.goto("/")
    tab_to(page, search_box)
    page.keyboard.type("Fujimori")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=Fujimori"))
    check_public_page(page)
    first_result = page.locator(".search-result__title a").first
    result_title = first_result.inner_text()
    tab_to(page, first_result)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(result_title)
    check_public_page(page)


def test_keyboard_user_fills_in_the_join_form(page):
    from membership.models import MembershipApplication

    page.goto("/")
    menu = page.get_by_role("navigation", name="Main")
    tab_to(page, menu.get_by_role("link", name="Become a member"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/join/$"))
    check_public_page(page)

    visited = tab_to(page, page.get_by_label("Full name"))
    page.keyboard.type("Rosa Mamani")
    visited += tab_to(page, page.get_by_label("Email address"), max_presses=3)
    page.keyboard.type("rosa.mamani@example.org")
    # The radio group is one Tab stop; the arrow keys choose within it.
    visited += tab_to(page, page.get_by_label("Individual"), max_presses=3)
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Concession (student, unwaged or retired)")).to_be_checked()
    visited += tab_to(page, page.get_by_label("Country you live in (optional)"), max_presses=4)
    page.keyboard.type("Peru")
    visited += tab_to(page, page.get_by_label("How did you hear about PSG?"), max_presses=3)
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("How did you hear about PSG?")).to_have_value("friend")
    consent = page.get_by_label("I agree that PSG may contact me")
    visited += tab_to(page, consent, max_presses=6)
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    visited += tab_to(page, page.get_by_role("button", name="Send my application"), max_presses=3)
    assert not [item for item in visited if item and item["name"] == "website"], (
        "the field meant for robots took keyboard focus"
    )
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/join/thank-you/$"))
    check_public_page(page)
    application = MembershipApplication.objects.get()
    assert application.name == "Rosa Mamani"
    assert application.membership_type == "concession"
    assert application.country == "Peru"
    assert application.heard_about == "friend"
    assert application.consent is True
