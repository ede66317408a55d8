"""Message feedback as LibreChat records it: thumbs up or down on a reply, one tag, an optional text.

A rating is stored on its own row (one per message and source, so changing it replaces it, as LibreChat's
message `feedback` field does) and counted per model in the generation rollups at the minute it was given.
A changed rating takes the old one back out of the counts (a negative addition), and `rating=None` withdraws
it. Unlike a generation this writes one database row: ratings are rare (a click on a reply), and the text
has to be kept somewhere an operator can read it.
"""

from __future__ import annotations

import time

from django.db import transaction

from chatmon.monitoring import conf, flusher
from chatmon.monitoring.aggregator import buffer
from chatmon.monitoring.batched import generation_metrics
from chatmon.monitoring.generation_fields import INDEX
from chatmon.monitoring.generations import model_label, provider_label
from chatmon.monitoring.models import MessageFeedback

Rating = MessageFeedback.Rating
# LibreChat's feedback tags (client feedbackTags), without the `com_ui_feedback_tag_` prefix of its i18n keys.
TAGS = {
    Rating.UP: ("helpful", "clear", "concise", "creative", "knowledgeable", "engaging", "other"),
    Rating.DOWN: ("memory", "style", "incorrect", "instructions", "refused", "lazy", "unsafe", "biased", "other"),
}
TAG_PREFIX = "com_ui_feedback_tag_"
MAX_TEXT = 1024
_COLUMN = {Rating.UP: "thumbs_up", Rating.DOWN: "thumbs_down"}


def normalise_tag(rating: str, tag: str | None) -> str:
    """The tag without LibreChat's prefix; ValueError when it is not one of the rating's tags."""
    tag = (tag or "").removeprefix(TAG_PREFIX)
    if tag and tag not in TAGS[Rating(rating)]:
        raise ValueError(f"tag must be one of {', '.join(TAGS[Rating(rating)])} for {rating}, not {tag!r}")
    return tag


def record_feedback(
    *,
    message_id: str,
    model: str,
    provider: str,
    rating: str | None,
    tag: str | None = "",
    text: str = "",
    user_id: str = "",
    source: str = "local",
) -> MessageFeedback | None:
    """Rate the reply `message_id` (None withdraws a rating); returns the stored row (None when withdrawn)."""
    if rating is not None and rating not in Rating.values:
        raise ValueError(f"rating must be one of {', '.join(Rating.values)} or None, not {rating!r}")
    if not message_id or len(message_id) > 200:
        raise ValueError("message_id must be 1 to 200 characters")
    tag = normalise_tag(rating, tag) if rating else ""
    text = (text or "")[:MAX_TEXT]
    labels = {"model": model_label(model), "provider": provider_label(provider)}
    with transaction.atomic():
        previous = MessageFeedback.objects.select_for_update().filter(source=source, message_id=message_id).first()
        old_rating = previous.rating if previous else None
        if rating is None:
            if previous:
                previous.delete()
            row = None
        else:
            row, _ = MessageFeedback.objects.update_or_create(
                source=source, message_id=message_id,
                defaults={**labels, "rating": rating, "tag": tag, "text": text, "user_id": str(user_id or "")},
            )  # fmt: skip
    if conf.generations_enabled():
        _count(old_rating, rating, previous, labels)
    return row


def _count(old: str | None, new: str | None, previous: MessageFeedback | None, labels: dict) -> None:
    """Move the count from the old rating (under the model it was counted for) to the new one."""
    if old == new and (previous is None or previous.model == labels["model"]):
        return
    now = time.time()
    if old:
        buffer.add_generation(now=now, model=previous.model, provider=previous.provider,
                              counters={INDEX[_COLUMN[old]]: -1})  # fmt: skip
    if new:
        buffer.add_generation(now=now, **labels, counters={INDEX[_COLUMN[new]]: 1})
        generation_metrics.rated(**labels, rating=new)
    flusher.ensure_started()
