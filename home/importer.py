"""Import a capture of the old PSG home page into the page tree.

Dated items become published news articles under /news/, attached to campaigns by the rules
in a JSON file; undated sections fill the home page's mission section. The import is
idempotent (a second run changes nothing) and all-or-nothing (a bad file writes nothing).
Pages an editor has changed since they were imported are left alone.
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.html import escape
from django.utils.text import slugify

from campaigns.models import CampaignIndexPage, CampaignPage
from home.models import HomeFeaturedCampaign, HomePage
from membership.models import JoinPage
from news.legacy import LegacyFormatError, parse
from news.models import NewsArticlePage, NewsIndexPage, Topic

SUMMARY_MAX = 500


class ImportRulesError(ValueError):
    """The campaign rules file is missing or malformed."""


@dataclass(frozen=True)
class CampaignRule:
    slug: str
    title: str
    summary: str
    phrases: tuple[str, ...]

    def matches(self, text):
        return any(
            re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE)
            for phrase in self.phrases
        )


@dataclass(frozen=True)
class TopicRule:
    slug: str
    name: str
    description: str
    phrases: tuple[str, ...]

    matches = CampaignRule.matches


def default_topic_rules_file():
    """The topics PSG files its news under, beside the capture: content/legacy/topic-rules.json."""
    return Path(settings.BASE_DIR) / "content" / "legacy" / "topic-rules.json"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_editor_changes: list[str] = field(default_factory=list)

    @property
    def changed(self):
        return bool(self.created or self.updated)

    def summary(self):
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.kept_editor_changes)} kept as edited"
        )


def _rule_entries(path, kind, required):
    """The checked entries under `kind`+"s" of a rules file: each an object with the
    `required` keys, a list of phrases and a real slug; ImportRulesError names what is wrong."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportRulesError(f"{path}: {kind} rules file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportRulesError(f"{path}: not valid JSON ({error})") from None
    entries = data.get(f"{kind}s") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ImportRulesError(f"{path}: expected an object with a list under '{kind}s'")
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise ImportRulesError(f"{path}: {kind} {number} is not an object")
        missing = [key for key in required if not entry.get(key)]
        if missing:
            raise ImportRulesError(f"{path}: {kind} {number} lacks {', '.join(missing)}")
        phrases = entry["phrases"]
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p for p in phrases):
            raise ImportRulesError(f"{path}: {kind} {number}: 'phrases' must be a list of text")
        if slugify(entry["slug"]) != entry["slug"]:
            raise ImportRulesError(f"{path}: {kind} {number}: '{entry['slug']}' is not a slug")
    return entries


def load_rules(path):
    entries = _rule_entries(path, "campaign", ("slug", "title", "summary", "phrases"))
    return [
        CampaignRule(entry["slug"], entry["title"], entry["summary"], tuple(entry["phrases"]))
        for entry in entries
    ]


def load_topic_rules(path):
    entries = _rule_entries(path, "topic", ("slug", "name", "phrases"))
    return [
        TopicRule(
            entry["slug"], entry["name"], entry.get("description", ""), tuple(entry["phrases"])
        )
        for entry in entries
    ]


def default_synonyms_file():
    """The starter search synonyms (Spanish and English): content/search-synonyms.json."""
    return Path(settings.BASE_DIR) / "content" / "search-synonyms.json"


def load_synonyms(path):
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ImportRulesError(f"{path}: search synonyms file not found") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ImportRulesError(f"{path}: not valid JSON ({error})") from None
    groups = data.get("synonyms") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        raise ImportRulesError(f"{path}: expected an object with a list under 'synonyms'")
    for number, group in enumerate(groups, start=1):
        terms = group.get("terms") if isinstance(group, dict) else None
        if not (isinstance(terms, list) and len(terms) >= 2 and group.get("name")) or not all(
            isinstance(term, str) and term.strip() for term in terms
        ):
            raise ImportRulesError(f"{path}: synonyms {number} need a name and two or more terms")
    return groups


def _ensure_synonyms(groups):
    """The starter search synonyms: a group editors already have (same subject) is left as
    they made it, so their changes are never overwritten. Through the app registry: search
    sits above home."""
    from django.apps import apps

    model = apps.get_model("search", "SearchSynonym")
    for group in groups:
        if not model.objects.filter(name__iexact=group["name"]).exists():
            model.objects.create(name=group["name"], terms="\n".join(group["terms"]))


def read_capture(path):
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise LegacyFormatError(1, "file not found", path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise LegacyFormatError(line, "not UTF-8 text", path) from None
    return parse(text, path)


def import_legacy(path, rules_path, topic_rules_path=None):
    """Import the capture at `path`; returns an ImportReport. Raises before writing anything
    if the capture or the rules are malformed."""
    document = read_capture(path)
    rules = load_rules(rules_path)
    topic_rules = load_topic_rules(topic_rules_path or default_topic_rules_file())
    synonyms = load_synonyms(default_synonyms_file())
    report = ImportReport()
    with transaction.atomic():
        home = HomePage.objects.order_by("path").first()
        if home is None:
            raise ImportRulesError("there is no home page to import into (run migrate first)")
        news_index = _ensure_child(home, NewsIndexPage, "news", "News", report)
        campaign_index = _ensure_child(home, CampaignIndexPage, "campaigns", "Campaigns", report)
        campaigns = {rule.slug: _ensure_campaign(campaign_index, rule, report) for rule in rules}
        join_page = _ensure_join_page(home, document.sections, report)
        topics = _ensure_topics(topic_rules)
        _ensure_synonyms(synonyms)
        # Oldest first, so that items sharing a date keep the old page's order (newest first,
        # ties broken by the later-created page first).
        for item in reversed(document.news):
            _import_article(news_index, item, rules, campaigns, report, topic_rules, topics)
        _import_mission(home, document.sections, join_page, list(campaigns.values()), report)
    return report


def _edited_by_editor(page):
    """True when someone other than the importer saved the page's latest revision."""
    revision = page.latest_revision
    return revision is not None and revision.user_id is not None


def _publish(page):
    page.save_revision().publish()


def _ensure_child(parent, model, slug, title, report):
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        # A new section of the site belongs in the main menu.
        page = parent.add_child(instance=model(title=title, slug=slug, show_in_menus=True))
        _publish(page)
        report.created.append(page.url_path)
        parent.refresh_from_db()
    return page


def _ensure_campaign(campaign_index, rule, report):
    page = CampaignPage.objects.child_of(campaign_index).filter(slug=rule.slug).first()
    if page is None:
        page = campaign_index.add_child(
            instance=CampaignPage(title=rule.title, slug=rule.slug, summary=rule.summary)
        )
        _publish(page)
        report.created.append(page.url_path)
        campaign_index.refresh_from_db()
    return page


def _ensure_topics(topic_rules):
    """The topics of the rules, by slug: an existing topic (same slug, or same name) is used as
    editors left it; a missing one is created."""
    topics = {}
    for rule in topic_rules:
        topic = (
            Topic.objects.filter(slug=rule.slug).first()
            or Topic.objects.filter(name__iexact=rule.name).first()
        )
        if topic is None:
            topic = Topic.objects.create(
                slug=rule.slug, name=rule.name, description=rule.description
            )
        topics[rule.slug] = topic
    return topics


def _ensure_join_page(home, sections, report):
    """The page the "Become a member" button leads to, created if the site has none."""
    label = next((section.action for section in sections if section.action), "")
    page = JoinPage.objects.child_of(home).first()
    if page is None and label:
        page = home.add_child(instance=JoinPage(title=label, slug="join", show_in_menus=True))
        _publish(page)
        report.created.append(page.url_path)
        home.refresh_from_db()
    return page


def _paragraphs_html(paragraphs):
    return "".join(f"<p>{escape(text)}</p>" for text in paragraphs)


def _article_fields(item):
    first, rest = item.paragraphs[0], item.paragraphs[1:]
    if len(first) > SUMMARY_MAX:
        summary = first[: SUMMARY_MAX - 1].rsplit(" ", 1)[0] + "…"
        body_paragraphs = item.paragraphs
    else:
        summary, body_paragraphs = first, rest
    body = [("paragraph", _paragraphs_html([text])) for text in body_paragraphs]
    return {"title": item.title, "date": item.date, "summary": summary}, body


def _import_article(news_index, item, rules, campaigns, report, topic_rules=(), topics=None):
    fields, body = _article_fields(item)
    text = " ".join([item.title, *item.paragraphs])
    matched = sorted(
        (campaigns[rule.slug] for rule in rules if rule.matches(text)), key=lambda c: c.pk
    )
    campaign_ids = {campaign.pk for campaign in matched}
    filed = sorted(
        {topics[rule.slug] for rule in topic_rules if rule.matches(text)}, key=lambda t: t.pk
    )
    topic_ids = {topic.pk for topic in filed}
    slug = slugify(item.title)[:255] or "article"
    page = NewsArticlePage.objects.child_of(news_index).filter(slug=slug).first()

    if page is None:
        page = NewsArticlePage(slug=slug, **fields)
        page.body = body
        page.campaigns = matched
        page.topics = filed
        news_index.add_child(instance=page)
        _publish(page)
        report.created.append(page.url_path)
        news_index.refresh_from_db()
        return

    if _edited_by_editor(page):
        report.kept_editor_changes.append(page.url_path)
        return
    current_ids = {campaign.pk for campaign in page.campaigns.all()}
    body_field = NewsArticlePage._meta.get_field("body")
    same = (
        all(getattr(page, name) == value for name, value in fields.items())
        and _stream_data(body_field, page.body.raw_data) == _stream_data(body_field, body)
        and current_ids == campaign_ids
        and {topic.pk for topic in page.topics.all()} == topic_ids
        and page.live
        and not page.has_unpublished_changes
    )
    if same:
        report.unchanged.append(page.url_path)
        return
    for name, value in fields.items():
        setattr(page, name, value)
    page.body = body
    page.campaigns = matched
    page.topics = filed
    _publish(page)
    report.updated.append(page.url_path)


def _mission_blocks(sections, join_page):
    blocks = []
    for section in sections:
        if section.bullets:
            blocks.append(
                (
                    "call_to_action",
                    {
                        "heading": section.title,
                        "reasons": list(section.bullets),
                        "button_label": section.action or "Become a member",
                        "button_page": join_page,
                    },
                )
            )
        else:
            blocks.append(
                (
                    "text_section",
                    {
                        "heading": section.title,
                        "text": _paragraphs_html(section.paragraphs),
                        "read_more": None,
                        "image": None,
                    },
                )
            )
    return blocks


def _without_ids(data):
    """Stream data with the block ids left out, so that content can be compared."""
    if isinstance(data, dict):
        return {key: _without_ids(value) for key, value in data.items() if key != "id"}
    if isinstance(data, list):
        return [_without_ids(item) for item in data]
    return data


def _stream_data(field, value):
    """The stored form of a StreamField value, or of a list of (block type, value) pairs."""
    return _without_ids(field.get_prep_value(field.to_python(value)))


def _import_mission(home, sections, join_page, campaigns, report):
    """The home page's mission section from the old page's sections; on a home page with no
    featured campaigns yet, the imported campaigns are featured (at most three, as the
    editor's panel allows)."""
    if not sections:
        return
    home = home.specific
    if _edited_by_editor(home):
        report.kept_editor_changes.append(home.url_path)
        return
    blocks = _mission_blocks(sections, join_page)
    field = HomePage._meta.get_field("mission")
    same = _stream_data(field, home.mission.raw_data) == _stream_data(field, blocks)
    feature = campaigns[:3] if not home.featured_campaigns.exists() else []
    if same and not feature and not home.has_unpublished_changes:
        report.unchanged.append(home.url_path + "#mission")
        return
    home.mission = blocks
    for campaign in feature:
        home.featured_campaigns.add(HomeFeaturedCampaign(campaign=campaign))
    _publish(home)
    report.updated.append(home.url_path + "#mission")
