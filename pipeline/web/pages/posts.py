"""The page of one post (`/posts/<id>`): its labels, metrics over time and reposts (or its root), and the form
where an analyst corrects its labels, stored as feedback by `pipeline.feedback`, exactly as `yuqing feedback
add` does. JSON twins: `/api/posts/<id>` and `/api/posts/<id>/correction`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from pipeline.config import Settings
from pipeline.detect.forecast import forecast_cascade
from pipeline.detect.forecast_words import forecast_lines
from pipeline.exceptions import InvalidRecord
from pipeline.feedback import Correction, record_correction
from pipeline.i18n import Language
from pipeline.models import Post
from pipeline.safe_text import LinkPolicy
from pipeline.store.base import Store
from pipeline.web import guards, post_listing
from pipeline.web.auth import Session
from pipeline.web.post_listing import CorrectionOut, PostOut, Row, label_options, post_out, post_path, row_of
from pipeline.web.render import page, request_language
from pipeline.web.words import Words, translator

router = APIRouter()
api = APIRouter(tags=["posts"])

REPOSTS_SHOWN = 50

WORDS: Words = {
    **post_listing.WORDS,
    "post.title": {"zh": "帖子", "en": "Post"},
    "post.followers": {"zh": "{count} 粉丝", "en": "{count} followers"},
    "post.labels": {"zh": "标签", "en": "Labels"},
    "post.corrected_by": {"zh": "{who} 于 {time} 人工更正", "en": "Corrected by {who} at {time}"},
    "post.corrected_at": {"zh": "于 {time} 人工更正", "en": "Corrected at {time}"},
    "post.snapshots": {"zh": "传播数据变化", "en": "Metrics over time"},
    "post.no_snapshots": {"zh": "还没有观测记录。", "en": "No observation yet."},
    "post.reposts": {"zh": "转发（共 {count} 条）", "en": "Reposts ({count})"},
    "post.reposts_shown": {
        "zh": "按粉丝数列出前 {shown} 条。",
        "en": "The {shown} with the most followers are listed.",
    },
    "post.root": {"zh": "转发自", "en": "Repost of"},
    "post.forecast": {"zh": "传播预测", "en": "Spread forecast"},
    "post.root_missing": {"zh": "原帖 {id} 不在库中。", "en": "The original post {id} is not in the store."},
    "post.correct": {"zh": "更正标签", "en": "Correct the labels"},
    "post.correct_hint": {
        "zh": "更正会保存为人工反馈，下次重新训练模型时使用。选择“否”投诉时，严重程度和类别记为“无”。",
        "en": "A correction is stored as analyst feedback and used by the next retraining. "
        "A post that is not a complaint gets severity and category none.",
    },
    "post.save": {"zh": "保存更正", "en": "Save correction"},
    "post.saved": {"zh": "更正已保存。", "en": "Correction saved."},
    "post.bad_correction": {"zh": "未保存：{problem}", "en": "Not saved: {problem}"},
    "post.not_given": {"zh": "—（不更正）", "en": "— (leave as is)"},
}


@dataclass(frozen=True)
class PostView:
    row: Row
    snapshots: list[dict[str, Any]]
    reposts: list[Post]  # the most followed first, at most REPOSTS_SHOWN
    repost_count: int
    root: Post | None
    root_id: str | None
    forecast: list[str]  # the cascade forecast in words (an original post with reposts), else empty


def view_post(store: Store, post_id: str, language: Language = "zh", timezone: str = "Asia/Shanghai") -> PostView:
    post = store.get_post(post_id)
    if post is None:
        raise HTTPException(status_code=404, detail=post_id)
    row = row_of(post, Correction.from_record(store.get_record("feedback", post.id)))
    snapshots = [
        {"observed_at": s.observed_at, "reposts": s.reposts, "comments": s.comments, "likes": s.likes}
        for s in store.snapshots(post.id)
    ]
    if post.repost_of is not None:
        return PostView(row, snapshots, [], 0, store.get_post(post.repost_of), post.repost_of, [])
    reposts = store.reposts_of(post.id)
    most_followed = sorted(reposts, key=lambda p: p.author.follower_count if p.author else 0, reverse=True)
    forecast = forecast_cascade(post.id, post, reposts, datetime.now(UTC)) if reposts else None
    words = forecast_lines(forecast, language, timezone)[1:] if forecast else []  # the page names the post
    return PostView(row, snapshots, most_followed[:REPOSTS_SHOWN], len(reposts), None, None, words)


def form_labels(sentiment: str, complaint: str, severity: str, category: str) -> dict[str, object]:
    """The labels a correction form gave (an empty field: not given). A post that is not a complaint has no
    severity and no category, whatever the (disabled) fields still hold."""
    labels: dict[str, object] = {}
    if sentiment:
        labels["sentiment"] = sentiment
    if complaint:
        labels["complaint"] = int(complaint) if complaint in ("0", "1") else complaint
    if complaint == "0":
        return {**labels, "severity": 0, "category": "none"}
    if severity:
        labels["severity"] = int(severity) if severity.isdigit() else severity
    if category:
        labels["category"] = category
    return labels


# -- the page -----------------------------------------------------------------------------------------------

# `/posts/<id>/correction` (POST) also matches `/posts/{post_id:path}` by its path, but not by its method:
# Starlette then goes on to the route below that matches both, so the order of these two does not matter.


@router.get("/posts/{post_id:path}", include_in_schema=False)
def post_page(request: Request, store: Annotated[Store, Depends(guards.store)], post_id: str) -> Response:
    return _post_page(request, store, post_id)


def _post_page(
    request: Request, store: Store, post_id: str, status_code: int = 200, problem: str | None = None
) -> Response:
    settings: Settings = request.app.state.settings
    view = view_post(store, post_id, request_language(request, settings), settings.timezone)
    return page(
        request,
        "post.html",
        WORDS,
        status_code=status_code,
        active="complaints",
        view=view,
        row=view.row,
        post=view.row.post,
        chart=_chart_data(view.snapshots, request),
        saved=request.query_params.get("saved") == "1",
        problem=problem,
        post_path=post_path,
        **label_options(),
    )


def _chart_data(snapshots: list[dict[str, Any]], request: Request) -> dict[str, Any]:
    settings: Settings = request.app.state.settings
    zone = ZoneInfo(settings.timezone)
    t = translator(request_language(request, settings), WORDS)
    return {
        "times": [s["observed_at"].astimezone(zone).strftime("%m-%d %H:%M") for s in snapshots],
        "series": [
            {"name": t(f"column.{name}"), "data": [s[name] for s in snapshots]}
            for name in ("reposts", "comments", "likes")
        ],
    }


@router.post("/posts/{post_id:path}/correction", include_in_schema=False)
def correct_post(
    request: Request,
    store: Annotated[Store, Depends(guards.store)],
    session: Annotated[Session, Depends(guards.checked_session)],
    post_id: str,
    sentiment: Annotated[str, Form()] = "",
    complaint: Annotated[str, Form()] = "",
    severity: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
) -> Response:
    if store.get_post(post_id) is None:
        raise HTTPException(status_code=404, detail=post_id)
    labels = form_labels(sentiment, complaint, severity, category)
    try:
        record_correction(store, post_id, labels, by=session.user, now=datetime.now(UTC))
    except InvalidRecord as exc:
        return _post_page(request, store, post_id, status_code=400, problem=str(exc))
    return RedirectResponse(post_path(post_id) + "?saved=1", status_code=303)


# -- the API ------------------------------------------------------------------------------------------------


class SnapshotOut(BaseModel):
    observed_at: datetime
    reposts: int
    comments: int
    likes: int


class PostDetailOut(BaseModel):
    post: PostOut
    snapshots: list[SnapshotOut]
    repost_count: int
    reposts: list[str] = Field(description=f"ids of the {REPOSTS_SHOWN} most followed reposts")
    root: str | None


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sentiment: Literal["negative", "neutral", "positive"] | None = None
    complaint: bool | None = None
    severity: int | None = Field(default=None, ge=0, le=3)
    category: str | None = None


@api.get("/posts/{post_id:path}", response_model=PostDetailOut)
def post_api(
    store: Annotated[Store, Depends(guards.store)],
    settings: Annotated[Settings, Depends(guards.settings)],
    post_id: str,
) -> PostDetailOut:
    """One post, its labels and correction, its metric snapshots and its reposts (or its root)."""
    view = view_post(store, post_id)
    return PostDetailOut(
        post=post_out(view.row, LinkPolicy.from_settings(settings)),
        snapshots=[SnapshotOut(**snapshot) for snapshot in view.snapshots],
        repost_count=view.repost_count,
        reposts=[repost.id for repost in view.reposts],
        root=view.root_id,
    )


@api.post("/posts/{post_id:path}/correction", response_model=CorrectionOut)
def correction_api(
    store: Annotated[Store, Depends(guards.store)],
    session: Annotated[Session, Depends(guards.checked_session)],
    post_id: str,
    correction: CorrectionIn,
) -> CorrectionOut:
    """Record the analyst's labels of a post (send the `X-CSRF-Token` header); replaces an earlier correction."""
    if store.get_post(post_id) is None:
        raise HTTPException(status_code=404, detail=post_id)
    now = datetime.now(UTC).replace(microsecond=0)  # as the record keeps it
    try:
        record = record_correction(store, post_id, correction.model_dump(), by=session.user, now=now)
    except InvalidRecord as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None
    return CorrectionOut(labels=record["labels"], by=record.get("by"), at=now)
