"""Synthetic but realistic content for benchmarks and query-budget tests.

`add_articles` inserts news articles in bulk, following treebeard's materialised-path scheme
(each child's path is its parent's path plus a four-character base-36 step), so that 100,000
articles load in minutes rather than hours. The rows are the same as `add_child` would
write; revisions, search indexing and signals are skipped (the caller indexes afterwards).
"""

import datetime
import io
import random
import uuid

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from wagtail.models import Locale, Page

SUBJECTS = [
    "Mining communities",
    "Indigenous leaders",
    "The Truth Commission",
    "Human rights defenders",
    "Families of the disappeared",
    "Amazon land defenders",
    "Peruvian courts",
    "The Ombudsman's office",
    "Campaigners in Lima",
    "Coffee cooperatives",
    "Quechua-speaking villages",
    "Environmental monitors",
]
ACTIONS = [
    "call for justice over",
    "welcome ruling on",
    "demand answers about",
    "report progress on",
    "challenge new law on",
    "mark anniversary of",
    "meet UK ministers about",
    "publish findings on",
]
OBJECTS = [
    "the Fujimori extradition",
    "forced sterilisations",
    "water contamination in Cajamarca",
    "the Barrios Altos massacre",
    "oil spills in Loreto",
    "reparations for victims",
    "the 2026 elections",
    "protests in Puno",
    "illegal logging",
    "the La Cantuta case",
]
SENTENCES = [
    "The Peru Support Group has followed the case closely since it began.",
    "Partners in Peru say the decision could set a precedent for other communities.",
    "Campaigners urged the British government to raise the issue with its Peruvian counterparts.",
    "The report draws on testimony gathered over several years in the highlands.",
    "Local organisations described the outcome as a step forward, but warned that much remains to be done.",
    "Families have waited more than two decades for the truth about what happened.",
    "The hearing in Lima was attended by observers from several European countries.",
    "Members of the group met the delegation during its visit to London.",
    "Environmental monitors recorded levels well above the legal limit.",
    "The ruling can still be appealed to the Constitutional Tribunal.",
    "Human rights lawyers stressed the importance of independent investigations.",
    "The Ombudsman's office registered more than two hundred social conflicts this year.",
]
QUOTES = [
    ("We will not stop until every family knows the truth.", "A relative of one of the victims"),
    ("Justice delayed is justice denied.", "A human rights lawyer in Lima"),
    (
        "Our water is our life; without it there is no future here.",
        "A community leader in Cajamarca",
    ),
]
TOPICS = [
    ("Justice", "justice"),
    ("Mining", "mining"),
    ("Environment", "environment"),
    ("Indigenous rights", "indigenous-rights"),
    ("Elections", "elections"),
    ("Truth and memory", "truth-and-memory"),
    ("Women's rights", "womens-rights"),
    ("UK and Peru", "uk-and-peru"),
]
STEP_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEP_LENGTH = 4


def step(number):
    """Treebeard's path step for the `number`th child (1-based): 0001, 0002, ... ZZZZ."""
    chars = []
    for _ in range(STEP_LENGTH):
        number, remainder = divmod(number, len(STEP_ALPHABET))
        chars.append(STEP_ALPHABET[remainder])
    if number:
        raise ValueError("Too many children for one parent.")
    return "".join(reversed(chars))


def step_number(path_step):
    value = 0
    for char in path_step:
        value = value * len(STEP_ALPHABET) + STEP_ALPHABET.index(char)
    return value


def paragraph(rng, sentences=4):
    return "<p>" + " ".join(rng.choice(SENTENCES) for _ in range(sentences)) + "</p>"


def article_body(rng, images=()):
    """A StreamField body: paragraphs, a heading, sometimes a quote and a picture."""
    blocks = [{"type": "paragraph", "value": paragraph(rng, 5), "id": str(uuid.uuid4())}]
    blocks.append(
        {
            "type": "heading",
            "value": {"text": rng.choice(OBJECTS).capitalize(), "level": "h2"},
            "id": str(uuid.uuid4()),
        }
    )
    blocks.append({"type": "paragraph", "value": paragraph(rng, 6), "id": str(uuid.uuid4())})
    if rng.random() < 0.5:
        quote, attribution = rng.choice(QUOTES)
        blocks.append(
            {
                "type": "quote",
                "value": {"quote": quote, "attribution": attribution},
                "id": str(uuid.uuid4()),
            }
        )
    if images and rng.random() < 0.2:
        blocks.append(
            {
                "type": "image",
                "value": {
                    "image": {
                        "image": rng.choice(images).pk,
                        "alt_text": "Campaigners gathered outside the courthouse",
                        "decorative": False,
                    },
                    "caption": "Campaigners outside the court in Lima.",
                },
                "id": str(uuid.uuid4()),
            }
        )
    blocks.append({"type": "paragraph", "value": paragraph(rng, 4), "id": str(uuid.uuid4())})
    return blocks


def make_jpeg(rng, width=1200, height=800):
    """A small JPEG drawn with Pillow: a gradient sky, hills and a sun. No downloads."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    top = (rng.randrange(40, 120), rng.randrange(80, 160), rng.randrange(150, 230))
    image = PILImage.new("RGB", (width, height), top)
    draw = ImageDraw.Draw(image)
    for y in range(0, height, 8):
        shade = tuple(min(255, c + y // 8) for c in top)
        draw.rectangle([0, y, width, y + 8], fill=shade)
    for _ in range(3):
        base = rng.randrange(height // 2, height)
        colour = (rng.randrange(60, 120), rng.randrange(90, 160), rng.randrange(40, 90))
        draw.polygon(
            [(0, height), (rng.randrange(width), base - rng.randrange(200, 400)), (width, height)],
            fill=colour,
        )
    x, y = rng.randrange(100, width - 100), rng.randrange(60, height // 3)
    draw.ellipse([x - 50, y - 50, x + 50, y + 50], fill=(250, 210, 90))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def make_images(count, seed=1):
    """`count` Wagtail images with generated JPEGs (stored under MEDIA_ROOT)."""
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    image_model = get_image_model()
    rng = random.Random(seed)
    images = []
    for number in range(1, count + 1):
        data = make_jpeg(rng)
        image = image_model(title=f"Landscape in the Andes {number}")
        image.file = ImageFile(io.BytesIO(data), name=f"bench-landscape-{number}.jpg")
        image.save()
        images.append(image)
    return images


def ensure_topics():
    from news.models import Topic

    topics = []
    for name, slug in TOPICS:
        topic, _ = Topic.objects.get_or_create(slug=slug, defaults={"name": name})
        topics.append(topic)
    return topics


def _next_child_number(parent):
    last = Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
    last = last.order_by("-path").values_list("path", flat=True).first()
    return step_number(last[-STEP_LENGTH:]) + 1 if last else 1


def add_articles(
    news_index,
    count,
    campaigns=(),
    topics=(),
    images=(),
    seed=0,
    batch_size=500,
    end_date=None,
    progress=None,
    image_share=0.33,
    uniform=False,
):
    """Insert `count` live news articles under `news_index`, in batches. Returns the count.

    About half of the articles belong to one of `campaigns` (a few to both), each has one or
    two of `topics`, `image_share` of them have one of `images` as their picture. Dates run
    back one day per three articles from `end_date` (default today).

    `uniform=True` gives every article a picture, one campaign and one topic (in turn), so
    that any page of any listing shows the same kind of content (query-count tests).
    """
    from news.models import NewsArticlePage

    rng = random.Random(seed)
    end_date = end_date or datetime.date.today()
    content_type = ContentType.objects.get_for_model(NewsArticlePage)
    locale_id = news_index.locale_id or Locale.get_default().pk
    number = _next_child_number(news_index)
    through_campaigns = NewsArticlePage.campaigns.through
    through_topics = NewsArticlePage.topics.through
    specific_fields = [
        field for field in NewsArticlePage._meta.local_concrete_fields if field.attname
    ]
    made = 0
    while made < count:
        size = min(batch_size, count - made)
        base_rows, specific_rows, campaign_links, topic_links = [], [], [], []
        for offset in range(size):
            serial = number + offset
            title = f"{rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {rng.choice(OBJECTS)}"
            slug = f"{slugify(title)[:180]}-{serial}"
            date = end_date - datetime.timedelta(days=(made + offset) // 3)
            published = timezone.make_aware(
                datetime.datetime.combine(date, datetime.time(9, 0)), datetime.UTC
            )
            base_rows.append(
                Page(
                    title=title,
                    draft_title=title,
                    slug=slug,
                    content_type=content_type,
                    path=news_index.path + step(serial),
                    depth=news_index.depth + 1,
                    numchild=0,
                    url_path=f"{news_index.url_path}{slug}/",
                    live=True,
                    has_unpublished_changes=False,
                    first_published_at=published,
                    last_published_at=published,
                    latest_revision_created_at=None,
                    locale_id=locale_id,
                )
            )
            if uniform:
                chosen_campaigns = [campaigns[serial % len(campaigns)]] if campaigns else []
                chosen_topics = [topics[serial % len(topics)]] if topics else []
                image = images[serial % len(images)] if images else None
            else:
                chosen_campaigns = [c for c in campaigns if rng.random() < 0.3] or (
                    [rng.choice(campaigns)] if campaigns and rng.random() < 0.5 else []
                )
                chosen_topics = rng.sample(list(topics), k=min(len(topics), rng.choice((1, 2))))
                image = rng.choice(images) if images and rng.random() < image_share else None
            specific_rows.append(
                {
                    "date": date,
                    "summary": " ".join(rng.choice(SENTENCES) for _ in range(2)),
                    "image": image,
                    "body": article_body(rng, images),
                    "campaigns": chosen_campaigns,
                    "topics": chosen_topics,
                }
            )
        with transaction.atomic():
            created = Page.objects.bulk_create(base_rows)
            if created and created[0].pk is None:
                paths = [row.path for row in base_rows]
                ids = dict(Page.objects.filter(path__in=paths).values_list("path", "pk"))
                for row in created:
                    row.pk = row.id = ids[row.path]
            articles = []
            for row, extra in zip(created, specific_rows, strict=True):
                article = NewsArticlePage(
                    page_ptr_id=row.pk,
                    date=extra["date"],
                    summary=extra["summary"],
                    image=extra["image"],
                    body=extra["body"],
                )
                articles.append(article)
                campaign_links += [
                    through_campaigns(newsarticlepage_id=row.pk, campaignpage_id=c.pk)
                    for c in extra["campaigns"]
                ]
                topic_links += [
                    through_topics(newsarticlepage_id=row.pk, topic_id=t.pk)
                    for t in extra["topics"]
                ]
            # Only the article's own table: the base rows are in already (multi-table
            # inheritance rules out bulk_create for the subclass itself).
            NewsArticlePage.objects._insert(articles, fields=specific_fields)
            through_campaigns.objects.bulk_create(campaign_links)
            through_topics.objects.bulk_create(topic_links)
            Page.objects.filter(pk=news_index.pk).update(numchild=F("numchild") + size)
        made += size
        number += size
        if progress:
            progress(made)
    news_index.refresh_from_db(fields=["numchild"])
    return made
