"""The incidents pages: the list (open, acknowledged, resolved), one incident (its timeline, evidence posts,
deliveries and its chart, computed by `pipeline.web.incident_chart`) and the buttons that acknowledge, resolve
and silence it. The buttons call `pipeline.alert.actions`, the functions `yuqing alerts` calls, so that what a
person does here is a compare-and-set write that a detection cycle never undoes. JSON twins under /api/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from pipeline.alert import actions
from pipeline.config import Settings
from pipeline.detect.incidents import MACHINE, Incident
from pipeline.exceptions import ConfigError
from pipeline.i18n import Language, reason_of
from pipeline.models import format_time, parse_time
from pipeline.store.base import Store
from pipeline.web import guards, incident_chart
from pipeline.web.auth import Session
from pipeline.web.render import page, request_language
from pipeline.web.words import Words, translator

router = APIRouter(include_in_schema=False)
api = APIRouter(tags=["incidents"])

StoreDep = Annotated[Store, Depends(guards.store)]
SettingsDep = Annotated[Settings, Depends(guards.settings)]
ActingSession = Annotated[Session, Depends(guards.checked_session)]
Status = Literal["open", "acknowledged", "resolved"]
STATUSES: tuple[Status, ...] = ("open", "acknowledged", "resolved")
SILENCE_HOURS = (1, 4, 24)  # the choices the page offers; the API takes any duration up to MAX_SILENCE_HOURS
MAX_SILENCE_HOURS = 24 * 30
DONE = ("ack", "resolve", "silence", "unsilence")
AT_HELP = "draw the curve and the forecast as they stood at this moment (ISO 8601; no offset: the console's zone)"

WORDS: Words = {
    **incident_chart.WORDS,
    "incidents.title": {"zh": "事件", "en": "Incidents"},
    "incidents.all": {"zh": "全部", "en": "All"},
    "incidents.none": {"zh": "没有符合条件的事件。", "en": "No incidents match."},
    "incidents.priority": {"zh": "优先级", "en": "Priority"},
    "incidents.kind": {"zh": "类型", "en": "Kind"},
    "incidents.status": {"zh": "状态", "en": "Status"},
    "incidents.opened": {"zh": "开始时间", "en": "Opened"},
    "incidents.reason": {"zh": "原因", "en": "Reason"},
    "incidents.by": {"zh": "（{by}）", "en": " ({by})"},
    "incident.title": {"zh": "事件 {id}", "en": "Incident {id}"},
    "incident.back": {"zh": "← 全部事件", "en": "← All incidents"},
    "incident.opened_at": {"zh": "开始：{time}", "en": "Opened {time}"},
    "incident.updated_at": {"zh": "最近更新：{time}", "en": "Updated {time}"},
    "incident.ack": {"zh": "确认", "en": "Acknowledge"},
    "incident.resolve": {"zh": "解除", "en": "Resolve"},
    "incident.silence": {"zh": "静默", "en": "Silence"},
    "incident.unsilence": {"zh": "取消静默", "en": "End silence"},
    "incident.hours": {"zh": "{hours} 小时", "en": "{hours} h"},
    "incident.scope.incident": {"zh": "本事件", "en": "this incident"},
    "incident.scope.brand": {"zh": "品牌 {brand} 的全部通知", "en": "all of {brand}"},
    "incident.silenced": {"zh": "{target} 已静默至 {until}（{by}）", "en": "{target} silenced until {until} ({by})"},
    "incident.done.ack": {"zh": "已确认（{by}）。", "en": "Acknowledged ({by})."},
    "incident.done.ack_refused": {
        "zh": "事件已不是待处理状态，未作更改。",
        "en": "The incident is no longer open; nothing was changed.",
    },
    "incident.done.resolve": {"zh": "已解除（{by}），解除通知已发出。", "en": "Resolved ({by}); the notice is sent."},
    "incident.done.silence": {"zh": "已静默。", "en": "Silenced."},
    "incident.done.unsilence": {"zh": "已取消静默。", "en": "Silence ended."},
    "incident.machine": {"zh": "系统", "en": "system"},
    "incident.timeline": {"zh": "时间线", "en": "Timeline"},
    "incident.curve": {"zh": "转发曲线：实际与预测", "en": "Reposts: observed and forecast"},
    "incident.as_of": {"zh": "查看某一时刻的曲线与预测", "en": "Curve and forecast as of"},
    "incident.as_of_now": {"zh": "回到最新", "en": "back to the latest"},
    "incident.evidence": {"zh": "证据帖子", "en": "Evidence posts"},
    "incident.missing_post": {"zh": "（未入库）", "en": "(not stored)"},
    "incident.details": {"zh": "详情", "en": "details"},
    "incident.reposts": {"zh": "转发 {count}", "en": "{count} reposts"},
    "incident.deliveries": {"zh": "通知投递", "en": "Deliveries"},
    "incident.channel": {"zh": "渠道", "en": "Channel"},
    "incident.event": {"zh": "事件", "en": "Event"},
    "incident.outcome": {"zh": "结果", "en": "Outcome"},
    "incident.sent": {"zh": "已发送 {time}", "en": "sent {time}"},
    "incident.held": {"zh": "已静默", "en": "silenced"},
    "incident.pending": {"zh": "待发送（第 {attempts} 次尝试）", "en": "pending (attempt {attempts})"},
}


# -- reading ------------------------------------------------------------------------------------------------


def list_incidents(store: Store, status: str | None, brand: str | None) -> list[dict[str, Any]]:
    """Incident records, newest first, of one status and brand when given."""
    docs = [
        doc
        for doc in store.list_records("incident")
        if (not status or doc.get("status") == status) and (not brand or doc.get("brand") == brand)
    ]
    docs.sort(key=lambda doc: parse_time(doc["opened_at"], "opened_at"), reverse=True)
    return docs


def summary(doc: dict[str, Any], language: Language) -> dict[str, Any]:
    """What the list shows of an incident, its reason in `language`."""
    keys = (
        "incident_id", "kind", "brand", "category", "status", "priority", "opened_at", "updated_at",
        "acknowledged_by", "acknowledged_at", "resolved_by", "resolved_at", "predicted_reposts", "root_id",
    )  # fmt: skip
    return {**{key: doc.get(key) for key in keys}, "reason": reason_of(doc, language)}


def incident_or_404(store: Store, incident_id: str) -> dict[str, Any]:
    doc = store.get_record("incident", incident_id)
    if doc is None:
        raise HTTPException(status_code=404, detail=incident_id)
    return doc


def detail(
    store: Store, settings: Settings, doc: dict[str, Any], language: Language, as_of: datetime | None = None
) -> dict[str, Any]:
    """Everything the incident page shows, as JSON-able data: the `/api/incidents/<id>` answer. `as_of` shows
    the chart as it stood at that moment (what the forecast said then)."""
    now = datetime.now(UTC)
    t = translator(language, WORDS)
    deliveries = sorted(
        store.list_records("delivery", {"incident_id": doc["incident_id"]}),
        key=lambda delivery: (str(delivery.get("created_at")), str(delivery.get("delivery_id"))),
    )
    return {
        **{key: value for key, value in doc.items() if key not in ("outbox", "timeline", "reason_data")},
        "reason": reason_of(doc, language),
        "timeline": [{**entry, "reason": reason_of(entry, language)} for entry in doc.get("timeline") or []],
        "deliveries": [
            {key: value for key, value in delivery.items() if key != "notification"}
            | {"event": (delivery.get("notification") or {}).get("event")}
            for delivery in deliveries
        ],
        "silences": [
            {"target": held.target, "until": format_time(held.until), "by": held.by}
            for held in actions.silences_holding(store, doc, now)
        ],
        "chart": incident_chart.chart(store, settings, doc, now, t, as_of),
    }


# -- pages --------------------------------------------------------------------------------------------------


@router.get("/incidents")
def incidents_page(
    request: Request, store: StoreDep, settings: SettingsDep, status: str = "", brand: str = ""
) -> Response:
    language = request_language(request, settings)
    chosen = status if status in STATUSES else ""
    everything = list_incidents(store, None, brand or None)
    counts = {name: sum(1 for doc in everything if doc.get("status") == name) for name in STATUSES}
    shown = [summary(doc, language) for doc in everything if not chosen or doc.get("status") == chosen]
    return page(
        request,
        "incidents.html",
        WORDS,
        active="incidents",
        incidents=shown,
        counts=counts,
        total=len(everything),
        statuses=STATUSES,
        status=chosen,
        brand=brand,
        machine=MACHINE,
    )


@router.get("/incidents/{incident_id}")
def incident_page(
    request: Request,
    incident_id: str,
    store: StoreDep,
    settings: SettingsDep,
    done: str = "",
    at: Annotated[datetime | None, Query(description=AT_HELP)] = None,
) -> Response:
    language = request_language(request, settings)
    doc = incident_or_404(store, incident_id)
    as_of = _in_zone(at, settings)
    shown = detail(store, settings, doc, language, as_of)
    posts = [(post_id, store.get_post(post_id)) for post_id in doc.get("posts") or []]
    urls = dict(zip(doc.get("posts") or [], doc.get("urls") or [], strict=False))
    return page(
        request,
        "incident.html",
        WORDS,
        active="incidents",
        incident=shown,
        posts=posts,
        urls=urls,
        machine=MACHINE,
        silence_hours=SILENCE_HOURS,
        done=done if done in DONE else "",
        as_of=as_of.astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%dT%H:%M") if as_of else "",
    )


def _in_zone(at: datetime | None, settings: Settings) -> datetime | None:
    """A moment from the query; one without an offset is on the console's clock (`<input type=datetime-local>`)."""
    if at is None or at.tzinfo is not None:
        return at
    return at.replace(tzinfo=ZoneInfo(settings.timezone))


def _back(incident_id: str, done: str) -> RedirectResponse:
    return RedirectResponse(f"/incidents/{quote(incident_id, safe='')}?done={done}", status_code=303)


@router.post("/incidents/{incident_id}/ack")
def ack_form(incident_id: str, store: StoreDep, session: ActingSession) -> Response:
    _acknowledge(store, incident_id, session)
    return _back(incident_id, "ack")


@router.post("/incidents/{incident_id}/resolve")
def resolve_form(incident_id: str, store: StoreDep, settings: SettingsDep, session: ActingSession) -> Response:
    _resolve(store, settings, incident_id, session)
    return _back(incident_id, "resolve")


class SilenceRequest(BaseModel):
    hours: float = Field(4, gt=0, le=MAX_SILENCE_HOURS, description="how long, in hours")
    scope: Literal["incident", "brand"] = Field("incident", description="this incident, or its whole brand")


class UnsilenceRequest(BaseModel):
    scope: Literal["incident", "brand"] = "incident"


@router.post("/incidents/{incident_id}/silence")
def silence_form(
    incident_id: str,
    store: StoreDep,
    settings: SettingsDep,
    session: ActingSession,
    form: Annotated[SilenceRequest, Form()],
) -> Response:
    _silence(store, settings, incident_id, session, form)
    return _back(incident_id, "silence")


@router.post("/incidents/{incident_id}/unsilence")
def unsilence_form(
    incident_id: str,
    store: StoreDep,
    settings: SettingsDep,
    session: ActingSession,
    form: Annotated[UnsilenceRequest, Form()],
) -> Response:
    _unsilence(store, settings, incident_id, form.scope)
    return _back(incident_id, "unsilence")


# -- the same through the API -------------------------------------------------------------------------------


@api.get("/incidents")
def incidents_json(
    request: Request, store: StoreDep, settings: SettingsDep, status: Status | None = None, brand: str | None = None
) -> list[dict[str, Any]]:
    """Incidents, newest first, with their reason in the request's language (`?lang=zh|en`)."""
    language = request_language(request, settings)
    return [summary(doc, language) for doc in list_incidents(store, status, brand)]


@api.get("/incidents/{incident_id}")
def incident_json(
    request: Request,
    incident_id: str,
    store: StoreDep,
    settings: SettingsDep,
    at: Annotated[datetime | None, Query(description=AT_HELP)] = None,
) -> dict[str, Any]:
    """One incident with its timeline, deliveries, silences in force and the data of its chart."""
    doc = incident_or_404(store, incident_id)
    return detail(store, settings, doc, request_language(request, settings), _in_zone(at, settings))


@api.post("/incidents/{incident_id}/ack")
def ack_json(incident_id: str, store: StoreDep, session: ActingSession) -> dict[str, Any]:
    """Acknowledge an open incident (stops its escalation); needs the X-CSRF-Token header or a bearer token."""
    return _public(_acknowledge(store, incident_id, session))


@api.post("/incidents/{incident_id}/resolve")
def resolve_json(incident_id: str, store: StoreDep, settings: SettingsDep, session: ActingSession) -> dict[str, Any]:
    """Resolve an incident by hand and send its resolved notice at once."""
    resolution = _resolve(store, settings, incident_id, session)
    return {
        "incident": _public(resolution.incident),
        "already_resolved": resolution.already_resolved,
        "sent": resolution.delivery.sent,
        "failed": resolution.delivery.failed,
    }


@api.post("/incidents/{incident_id}/silence")
def silence_json(
    incident_id: str, store: StoreDep, settings: SettingsDep, session: ActingSession, body: SilenceRequest
) -> dict[str, Any]:
    """Hold back the notifications of this incident (or of its brand) for `hours`."""
    made = _silence(store, settings, incident_id, session, body)
    return {"target": made.target, **made.to_doc()}


@api.post("/incidents/{incident_id}/unsilence")
def unsilence_json(
    incident_id: str, store: StoreDep, settings: SettingsDep, session: ActingSession, body: UnsilenceRequest
) -> dict[str, Any]:
    """End the silence of this incident (or of its brand) early."""
    return {"unsilenced": _unsilence(store, settings, incident_id, body.scope)}


# -- the actions, shared by the forms and the API -----------------------------------------------------------


def _public(incident: Incident) -> dict[str, Any]:
    """An incident record without its outbox (notifications not yet queued: the dispatcher's business)."""
    return {key: value for key, value in incident.to_doc().items() if key != "outbox"}


def _acknowledge(store: Store, incident_id: str, session: Session) -> Incident:
    try:
        return actions.acknowledge(store, incident_id, session.user)
    except actions.UnknownIncident:
        raise HTTPException(status_code=404, detail=incident_id) from None


def _resolve(store: Store, settings: Settings, incident_id: str, session: Session) -> actions.Resolution:
    try:
        return actions.resolve(store, settings, incident_id, session.user)
    except actions.UnknownIncident:
        raise HTTPException(status_code=404, detail=incident_id) from None


def _silence(
    store: Store, settings: Settings, incident_id: str, session: Session, request: SilenceRequest
) -> actions.Silence:
    brand = str(incident_or_404(store, incident_id)["brand"]) if request.scope == "brand" else None
    try:
        return actions.silence(
            store,
            settings.watchlist_config,
            duration=timedelta(hours=request.hours),
            by=session.user,
            brand=brand,
            incident_id=None if brand else incident_id,
        )
    except actions.UnknownIncident:
        raise HTTPException(status_code=404, detail=incident_id) from None
    except ConfigError as exc:  # a brand no longer in the watchlist
        raise HTTPException(status_code=400, detail=str(exc)) from None


def _unsilence(store: Store, settings: Settings, incident_id: str, scope: str) -> str:
    brand = str(incident_or_404(store, incident_id)["brand"]) if scope == "brand" else None
    try:
        return actions.unsilence(
            store, settings.watchlist_config, brand=brand, incident_id=None if brand else incident_id
        )
    except ConfigError as exc:  # no such silence, or a brand no longer in the watchlist
        raise HTTPException(status_code=404, detail=str(exc)) from None
