"""The legacy importer: the old site's content arrives whole, once, and bad files write nothing."""

import datetime
import html
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from wagtail.models import Page, Revision

from campaigns.models import CampaignPage
from home.importer import import_legacy
from home.models import HomePage
from news.legacy import LegacyFormatError, parse
from news.models import NewsArticlePage
from tests.conftest import require

SEED = Path(settings.PSG_SEED_FILE)
RULES = Path(settings.PSG_IMPORT_RULES_FILE)
SHARED_SEED = Path(settings.BASE_DIR).parent / "shared" / "seed-content" / "psg-homepage-2006.txt"

EXPECTED_NEWS = [
    # (title, date) newest first, in the old page's order.
    ("Economic growth continues", datetime.date(2006, 5, 31)),
    ("Keiko Fujimori elected to Congress", datetime.date(2006, 5, 31)),
    ("Camisea disaster", datetime.date(2006, 3, 31)),
    ("MRTA Rebel leader convicted", datetime.date(2006, 3, 31)),
    ("New Peru Euro network lobbies the European Parliament", datetime.date(2006, 3, 31)),
    ("The trend in increasing mining exports continues unabated", datetime.date(2006, 3, 31)),
    (
        "Amnesty International launch campaign to bring Fujimori to justice",
        datetime.date(2006, 1, 31),
    ),
    ("European Parliament backs the Fujimori extradition request", datetime.date(2006, 1, 31)),
    ("Economic growth gives little benefit for the average Peruvian", datetime.date(2006, 1, 31)),
    ("Fujimori's move to Chile: Was it all calculated?", datetime.date(2005, 11, 30)),
]


def seed_lines():
    return [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def imported(home_page):
    report = import_legacy(SEED, RULES)
    return report


def test_the_repository_copy_of_the_seed_matches_the_shared_capture():
    require(SHARED_SEED.exists(), "../shared beside the checkout", f"no {SHARED_SEED}")
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_parser_finds_ten_dated_items_and_four_sections():
    document = parse(SEED.read_text(encoding="utf-8"))
    assert [(item.title, item.date) for item in document.news] == EXPECTED_NEWS
    assert [section.title for section in document.sections] == [
        "PSG Aims",
        "Historical Overview",
        "Human Rights",
        "Why join the PSG?",
    ]
    why_join = document.sections[-1]
    assert why_join.bullets == [
        "Keep up to date with latest news and developments in Peru",
        "Learn about key issues of poverty, development and human rights in Peru",
        "Support the work of the Peru Support Group",
    ]
    assert why_join.action == "Become a member"


def test_every_line_of_the_capture_is_carried_by_the_site(imported):
    """Each non-empty line of the old page appears, word for word, in the imported content."""
    home = HomePage.objects.get()
    carried = []
    for block in home.mission:
        value = block.value
        carried += [value["heading"], str(value.get("text", "")), value.get("button_label", "")]
        carried += list(value.get("reasons", []))
    for article in NewsArticlePage.objects.live():
        carried += [article.title, article.summary, str(article.body)]
        carried.append(f"{article.date.day} {article.date:%B %Y}")
    text = html.unescape("\n".join(carried))
    lines = [line.removeprefix("•").strip() for line in seed_lines()]
    assert len(lines) == 42  # ten items (31 lines), three sections (6), "Why join" (5)
    assert [line for line in lines if line not in text] == []


def test_news_items_become_published_articles_with_their_dates(imported):
    articles = NewsArticlePage.objects.live().order_by("-date", "-pk")
    assert [(a.title, a.date) for a in articles] == EXPECTED_NEWS
    mining = articles.get(slug="the-trend-in-increasing-mining-exports-continues-unabated")
    assert mining.summary.startswith("Peru continues to be heavily mined.")
    assert "The value of Peru&#x27;s mining exports rose 17%" in str(mining.body)
    assert all(a.url_path.startswith("/home/news/") for a in articles)
    assert not any(a.has_unpublished_changes for a in articles)


def test_items_are_attached_to_their_campaigns(imported):
    fujimori = CampaignPage.objects.get(slug="fujimori-extradition")
    truth = CampaignPage.objects.get(slug="truth-commission")
    assert sorted(a.title for a in fujimori.news_articles.all()) == sorted(
        [
            "Keiko Fujimori elected to Congress",
            "Amnesty International launch campaign to bring Fujimori to justice",
            "European Parliament backs the Fujimori extradition request",
            "Fujimori's move to Chile: Was it all calculated?",
        ]
    )
    assert [a.title for a in truth.news_articles.all()] == [
        "New Peru Euro network lobbies the European Parliament"
    ]
    camisea = NewsArticlePage.objects.get(slug="camisea-disaster")
    assert list(camisea.campaigns.all()) == []


def test_mission_section_has_the_four_sections_in_order(imported):
    home = HomePage.objects.get()
    blocks = list(home.mission)
    assert [b.block_type for b in blocks] == ["text_section"] * 3 + ["call_to_action"]
    assert [b.value["heading"] for b in blocks] == [
        "PSG Aims",
        "Historical Overview",
        "Human Rights",
        "Why join the PSG?",
    ]
    assert "exists to promote social inclusion" in blocks[0].value["text"].source
    assert blocks[3].value["button_label"] == "Become a member"
    # The button leads to the join page, which the import creates when the site has none.
    assert blocks[3].value["button_page"].url_path == "/home/join/"
    assert blocks[3].value["button_page"].live
    assert len(blocks[3].value["reasons"]) == 3


def test_the_imported_site_has_a_menu_and_featured_campaigns(imported, client):
    html_text = client.get("/").content.decode()
    menu = html_text[html_text.index('aria-label="Main"') :]
    menu = menu[: menu.index("</nav>")]
    for label, url in [
        ("News", "/news/"),
        ("Campaigns", "/campaigns/"),
        ("Become a member", "/join/"),
    ]:
        assert f'href="{url}"' in menu and label in menu, f"{label} is in the main menu"
    home = HomePage.objects.get()
    featured = [f.campaign.slug for f in home.featured_campaigns.all()]
    assert featured == ["fujimori-extradition", "truth-commission"]
    for campaign in CampaignPage.objects.all():
        assert f'href="{campaign.url}"' in html_text


def test_an_editors_choice_of_featured_campaigns_is_kept(imported, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="pw")
    home = HomePage.objects.get()
    home.featured_campaigns.clear()
    home.save_revision(user=editor).publish()
    import_legacy(SEED, RULES)
    assert not HomePage.objects.get().featured_campaigns.exists()


def test_running_twice_changes_nothing(imported):
    pages = Page.objects.count()
    revisions = Revision.objects.count()
    second = import_legacy(SEED, RULES)
    assert second.created == [] and second.updated == []
    assert len(second.unchanged) == 11  # ten articles and the mission section
    assert Page.objects.count() == pages
    assert Revision.objects.count() == revisions


def test_a_changed_capture_updates_the_article(imported, tmp_path):
    changed = tmp_path / "capture.txt"
    changed.write_text(
        SEED.read_text(encoding="utf-8").replace("ruptured into the jungle", "burst in the jungle"),
        encoding="utf-8",
    )
    report = import_legacy(changed, RULES)
    assert report.updated == ["/home/news/camisea-disaster/"]
    assert "burst in the jungle" in NewsArticlePage.objects.get(slug="camisea-disaster").summary


def test_an_editors_changes_are_never_overwritten(imported, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="pw")
    article = NewsArticlePage.objects.get(slug="camisea-disaster")
    article.summary = "Rewritten by an editor."
    article.save_revision(user=editor).publish()

    report = import_legacy(SEED, RULES)
    assert report.kept_editor_changes == ["/home/news/camisea-disaster/"]
    assert NewsArticlePage.objects.get(slug="camisea-disaster").summary == "Rewritten by an editor."


MALFORMED = {
    "text before the first item": ("Hello\n• Item\n\n    1 May 2006\n\n    Text\n", 1),
    "a date that is not one": ("• Item\n\n    31 Maytember 2006\n\n    Text\n", 3),
    "an item with no text": ("• First\n\n    Text\n• Second\n\n    1 May 2006\n", 4),
    "unindented text": ("• Item\n\n    1 May 2006\n\nNot indented\n", 5),
    "a duplicated item": ("• Item\n    1 May 2006\n    A\n• Item\n    1 May 2006\n    B\n", 4),
    "an empty file": ("\n\n", 1),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_files_name_the_line_and_write_nothing(home_page, tmp_path, case):
    text, line = MALFORMED[case]
    path = tmp_path / "bad.txt"
    path.write_text(text, encoding="utf-8")
    pages = Page.objects.count()
    with pytest.raises(LegacyFormatError) as error:
        import_legacy(path, RULES)
    assert error.value.line == line
    assert f"line {line}" in str(error.value)
    assert Page.objects.count() == pages


def test_a_file_that_is_not_utf8_is_refused(home_page, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("• Item\n\n    1 May 2006\n\n".encode() + b"    Per\xfa\n")
    with pytest.raises(LegacyFormatError, match="line 5: not UTF-8"):
        import_legacy(path, RULES)


def test_the_command_reports_errors_clearly_and_imports_nothing(home_page, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("• Item\n\n    31 Maytember 2006\n\n    Text\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"Nothing was imported\. .*bad\.txt, line 3"):
        call_command("import_legacy", str(bad))
    assert not NewsArticlePage.objects.exists()


def test_broken_rules_are_refused_before_anything_is_written(home_page, tmp_path):
    rules = tmp_path / "rules.json"
    rules.write_text('{"campaigns": [{"slug": "x", "title": "X"}]}', encoding="utf-8")
    with pytest.raises(CommandError, match="campaign 1 lacks summary, phrases"):
        call_command("import_legacy", str(SEED), rules=str(rules))
    assert not NewsArticlePage.objects.exists()
    assert not CampaignPage.objects.exists()


def test_the_command_imports_the_seed_by_default(home_page, capsys):
    call_command("import_legacy")
    assert NewsArticlePage.objects.live().count() == 10
    # News, Campaigns, two hubs, the join page and ten articles created; the mission filled.
    assert "15 created, 1 updated, 0 unchanged" in capsys.readouterr().out
