"""The system's own words in Chinese and English: a catalogue of templates, one function that renders them,
and incident reasons kept as data so that a stored reason can be shown again in either language.

Templates are `str.format` strings with named placeholders. Arguments are data (numbers, codes, a
stranger's text), never words already rendered in one language, and are written as follows:
- an int with thousands separators (1,520), a float rounded to a whole number (1,520) unless the template
  gives a format (`{p_value:.1e}`);
- a format naming a term namespace (`{category:category}`) writes our word for the code (质量问题 / quality),
  or the value as it is when the catalogue has no word for it;
- a clause (`{"key": ..., "args": {...}}`) is rendered in place; a list item by item, joined the way the
  language joins list items (、 / , ).
An argument may be a stranger's text (an author's name, a brand): what comes out is then a stranger's text as
well, and whoever writes it into a message escapes it as a whole, like any other such field.

A reason (`Reason`) is a list of clauses, one sentence each; `render_reason` joins them (no space between
Chinese sentences, one between English ones).
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

logger = logging.getLogger(__name__)

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
Clause = dict[str, Any]  # {"key": a catalogue key, "args": {placeholder: JSON value}}
Reason = list[Clause]

# Formats that name a namespace of terms rather than a Python format spec.
TERMS = ("event", "status", "kind", "category", "severity", "test")

MESSAGES: dict[str, dict[Language, str]] = {
    "sep.list": {"zh": "、", "en": ", "},
    "sep.clause": {"zh": "", "en": " "},
    "verbatim": {"zh": "{text}", "en": "{text}"},  # a reason stored as text only, before reasons were data
    # -- terms ------------------------------------------------------------------------------------------
    "event.opened": {"zh": "新事件", "en": "New incident"},
    "event.updated": {"zh": "事件升级", "en": "Incident growing"},
    "event.escalated": {"zh": "已升级（未确认）", "en": "ESCALATED (not acknowledged)"},
    "event.resolved": {"zh": "已解除", "en": "Resolved"},
    "status.open": {"zh": "待处理", "en": "open"},
    "status.acknowledged": {"zh": "已确认", "en": "acknowledged"},
    "status.resolved": {"zh": "已解除", "en": "resolved"},
    "kind.cascade": {"zh": "微博扩散", "en": "cascade"},
    "kind.surge": {"zh": "投诉激增", "en": "surge"},
    "kind.unanswered": {"zh": "投诉未回复", "en": "unanswered"},
    "category.quality": {"zh": "质量问题", "en": "quality"},
    "category.safety": {"zh": "安全问题", "en": "safety"},
    "category.delivery": {"zh": "物流配送", "en": "delivery"},
    "category.service": {"zh": "客服售后", "en": "service"},
    "category.price": {"zh": "价格收费", "en": "price"},
    "category.integrity": {"zh": "诚信问题", "en": "integrity"},
    "category.privacy": {"zh": "隐私泄露", "en": "privacy"},
    "category.other": {"zh": "其他", "en": "other"},
    "category.none": {"zh": "无", "en": "none"},
    "category.unscored": {"zh": "未评分", "en": "unscored"},
    "severity.none": {"zh": "无", "en": "none"},
    "severity.minor": {"zh": "轻微", "en": "minor"},
    "severity.major": {"zh": "严重", "en": "major"},
    "severity.critical": {"zh": "危急", "en": "critical"},
    "severity.unscored": {"zh": "未评分", "en": "unscored"},
    "test.poisson": {"zh": "泊松", "en": "Poisson"},
    "test.negative_binomial": {"zh": "负二项", "en": "negative binomial"},
    # -- alerts -----------------------------------------------------------------------------------------
    "alert.subject": {"zh": "【{priority}】{event}：{what}{topic}", "en": "[{priority}] {event}: {what}{topic}"},
    "alert.what.cascade": {"zh": "{brand} 相关微博正在扩散", "en": "spreading post about {brand}"},
    "alert.what.cascade_resolved": {"zh": "{brand} 相关微博扩散", "en": "spreading post about {brand}"},
    "alert.what.surge": {"zh": "{brand} 负面投诉激增", "en": "surge of complaints about {brand}"},
    "alert.topic": {"zh": "（{category}）", "en": " ({category})"},
    "alert.incident": {
        "zh": "事件编号：{incident_id}  状态：{status}",
        "en": "Incident: {incident_id}  status: {status}",
    },
    "alert.times": {"zh": "开始：{opened}  更新：{updated}", "en": "Opened: {opened}  updated: {updated}"},
    "alert.predicted": {"zh": "预计24小时转发：{predicted}", "en": "Predicted reposts within 24 h: {predicted}"},
    "alert.top_posts": {"zh": "相关微博：", "en": "Top posts:"},
    "alert.no_posts": {"zh": "（无）", "en": "(none)"},
    # -- why a cascade fired (A1) -----------------------------------------------------------------------
    "cascade.spreading": {
        "zh": "负面微博 {root} 在发布后 {minutes} 分钟内被转发 {reposts} 次（近 {window} 分钟 {in_window} 次）。",
        "en": "Negative post {root} has {reposts} reposts {minutes} min after it was posted "
        "({in_window} in the last {window} min).",
    },
    "cascade.spreading_by": {
        "zh": "{author} 发布的负面微博 {root} 在 {minutes} 分钟内被转发 {reposts} 次"
        "（近 {window} 分钟 {in_window} 次）。",
        "en": "Negative post {root} by {author} has {reposts} reposts {minutes} min after it was posted "
        "({in_window} in the last {window} min).",
    },
    "cascade.predicted": {
        "zh": "传播模型（SEISMIC）预计 24 小时内共转发 {predicted} 次。",
        "en": "The self-exciting (SEISMIC) estimate expects {predicted} reposts within 24 h.",
    },
    "cascade.predicted_unbounded": {
        "zh": "传播模型（SEISMIC）预计 24 小时内转发将持续扩大，估不出上限。",
        "en": "The self-exciting (SEISMIC) estimate expects an unbounded number of reposts within 24 h.",
    },
    "cascade.predicted_low": {
        "zh": "按 97.5% 置信度至少 {low} 次（只计近一小时转发的后续传播）。",
        "en": "At least {low} with 97.5 % confidence, counting only the reactions still due to the last hour's posts.",
    },
    "cascade.fired": {"zh": "触发原因：{causes}。", "en": "Fired because: {causes}."},
    "cascade.cause.size": {"zh": "预测转发量下限 ≥ {threshold}", "en": "confidently predicted size ≥ {threshold}"},
    "cascade.cause.size_big_account": {
        "zh": "预测转发量下限 ≥ {threshold}（大V参与时的门槛）",
        "en": "confidently predicted size ≥ {threshold} (the bar for cascades a big account has joined)",
    },
    "cascade.cause.supercritical": {
        "zh": "传播系数确定高于 1（下限 {branching_low:.2f}）",
        "en": "branching factor confidently above 1 (lower bound {branching_low:.2f})",
    },
    "cascade.cause.velocity": {
        "zh": "{window} 分钟内转发 ≥ {threshold} 次",
        "en": "≥ {threshold} reposts within {window} min",
    },
    "cascade.big_accounts": {"zh": "参与转发的大V：{accounts}。", "en": "Big accounts reposting: {accounts}."},
    "cascade.account": {"zh": "{name}（{followers} 粉丝）", "en": "{name} ({followers} followers)"},
    # -- why a surge fired (A2) -------------------------------------------------------------------------
    "surge.volume": {
        "zh": "近 {minutes} 分钟有 {authors} 位不同作者发布了 {count} 条关于 {brand} 的负面原创微博，"
        "此时段通常约 {expected:.1f} 条（为平常的 {ratio:.0f} 倍）；"
        "{test:test}检验显示纯属偶然的概率为 {p_value:.1e}。",
        "en": "{count} original negative posts about {brand} from {authors} different authors in the last "
        "{minutes} min, against about {expected:.1f} expected at this time of day ({ratio:.0f}× the usual "
        "level); a {test:test} test puts the chance of this by accident at {p_value:.1e}.",
    },
    "surge.volume_category": {
        "zh": "近 {minutes} 分钟有 {authors} 位不同作者发布了 {count} 条关于 {brand} 的「{category:category}」"
        "负面投诉，此时段通常约 {expected:.1f} 条（为平常的 {ratio:.0f} 倍）；"
        "{test:test}检验显示纯属偶然的概率为 {p_value:.1e}。",
        "en": "{count} original negative '{category:category}' complaints about {brand} from {authors} "
        "different authors in the last {minutes} min, against about {expected:.1f} expected at this time of "
        "day ({ratio:.0f}× the usual level); a {test:test} test puts the chance of this by accident at "
        "{p_value:.1e}.",
    },
    "surge.share": {
        "zh": "近 {minutes} 分钟关于 {brand} 的 {total} 条原创微博中有 {negatives} 条负面（{share:.0%}），"
        "平常约为 {baseline:.0%}；二项检验显示纯属偶然的概率为 {p_value:.1e}。",
        "en": "{negatives} of the last {total} original posts about {brand} ({share:.0%}) in {minutes} min are "
        "negative, against a usual {baseline:.0%}; a binomial test puts the chance of this by accident at "
        "{p_value:.1e}.",
    },
    # -- what incident fusion decided (A3) --------------------------------------------------------------
    "incident.reopened": {"zh": "解除后再次扩散。", "en": "Spreading again after it was resolved."},
    "incident.priority_rose": {
        "zh": "优先级由 {before} 升至 {after}。",
        "en": "Priority rose from {before} to {after}.",
    },
    "incident.size_grew": {"zh": "规模由 {before} 增至 {after}。", "en": "Size grew from {before} to {after}."},
    "incident.resolved.cascade": {
        "zh": "已解除：转发已连续 {minutes} 分钟处于正常水平（没有检测器触发，也没有高于平静阈值的活动）。",
        "en": "Resolved: repost activity has stayed at its usual level for {minutes} min "
        "(no detector fired and nothing was above the quiet threshold).",
    },
    "incident.resolved.surge": {
        "zh": "已解除：负面微博量已连续 {minutes} 分钟处于正常水平（没有检测器触发，也没有高于平静阈值的活动）。",
        "en": "Resolved: the volume of negative posts has stayed at its usual level for {minutes} min "
        "(no detector fired and nothing was above the quiet threshold).",
    },
    "incident.last_reason": {"zh": "最近一次触发原因：", "en": "Last reason:"},
    "incident.escalated": {
        "zh": "已升级：{priority} 事件 {minutes} 分钟内无人确认。",
        "en": "Escalated: {priority} incident not acknowledged after {minutes} min.",
    },
    "incident.resolved_by_hand": {"zh": "已由 {person} 手动解除。", "en": "Resolved by hand by {person}."},
    # -- a critical complaint the brand has not answered (`pipeline.detect.unanswered`) --------------------
    "unanswered.what": {"zh": "{brand} 的投诉待回复", "en": "complaint about {brand} awaiting a reply"},
    "unanswered.waiting_by": {
        "zh": "{author} 发布的{severity:severity}投诉 {post} 已 {minutes} 分钟没有官方回复：「{text}」",
        "en": "The {severity:severity} complaint {post} by {author} has had no official reply for {minutes} min: "
        "“{text}”",
    },
    "unanswered.waiting": {
        "zh": "{severity:severity}投诉 {post} 已 {minutes} 分钟没有官方回复。",
        "en": "The {severity:severity} complaint {post} has had no official reply for {minutes} min.",
    },
    "unanswered.partial": {
        "zh": "（评论只读到 {comments} 条，列表未读完。）",
        "en": "(Only {comments} comments were read; the list was cut short.)",
    },
    "unanswered.answered": {
        "zh": "已解除：{account} 已于 {at} 回复（投诉发布后 {minutes} 分钟）。",
        "en": "Resolved: {account} replied at {at}, {minutes} min after the complaint was posted.",
    },
    "unanswered.resolved_quiet": {
        "zh": "已解除：这条投诉已有 {minutes} 分钟不在跟踪范围内（超出回应跟踪时限，或回应记录已删除），"
        "其间未见官方回复。",
        "en": "Resolved: the complaint has not been followed for {minutes} min (past the follow-up window, or its "
        "response record is gone); no official reply was seen.",
    },
    # -- the daily briefing -----------------------------------------------------------------------------
    "briefing.subject": {"zh": "舆情日报 {brand} {day}", "en": "Daily briefing: {brand}, {day}"},
    "briefing.generated": {"zh": "生成于 {time} · 日期按 {zone} 时区", "en": "Generated {time} · {zone} day"},
    "briefing.section.summary": {"zh": "概览", "en": "Summary"},
    "briefing.section.volume": {"zh": "声量与负面占比", "en": "Volume and negative share"},
    "briefing.section.breakdown": {"zh": "严重程度与类别", "en": "Severity and category"},
    "briefing.section.incidents": {"zh": "事件", "en": "Incidents"},
    "briefing.section.top-complaints": {"zh": "热门投诉", "en": "Top complaints"},
    "briefing.section.emerging-terms": {"zh": "新兴投诉词", "en": "Emerging complaint terms"},
    "briefing.vs_yesterday": {"zh": "较前一天", "en": "vs yesterday"},
    "briefing.vs_baseline": {"zh": "较前 {days} 天日均", "en": "vs previous {days} days"},
    "briefing.per_day": {"zh": "{value:.1f}/天", "en": "{value:.1f}/day"},
    "briefing.new": {"zh": "新增", "en": "new"},
    "briefing.day": {"zh": "日期", "en": "day"},
    "briefing.mentions": {"zh": "声量", "en": "mentions"},
    "briefing.negative": {"zh": "负面", "en": "negative"},
    "briefing.negative_share": {"zh": "负面占比", "en": "negative share"},
    "briefing.severity": {"zh": "严重程度", "en": "severity"},
    "briefing.category": {"zh": "类别", "en": "category"},
    "briefing.posts": {"zh": "微博数", "en": "posts"},
    "briefing.priority": {"zh": "优先级", "en": "priority"},
    "briefing.status": {"zh": "状态", "en": "status"},
    "briefing.kind": {"zh": "类型", "en": "kind"},
    "briefing.opened": {"zh": "开始", "en": "opened"},
    "briefing.why": {"zh": "原因", "en": "why"},
    "briefing.post": {"zh": "微博", "en": "post"},
    "briefing.reposts": {"zh": "转发", "en": "reposts"},
    "briefing.comments": {"zh": "评论", "en": "comments"},
    "briefing.author": {"zh": "作者", "en": "author"},
    "briefing.time": {"zh": "时间", "en": "time"},
    "briefing.term": {"zh": "词", "en": "term"},
    "briefing.today": {"zh": "当天", "en": "today"},
    "briefing.baseline_mean": {"zh": "前 {days} 天日均", "en": "mean per day, previous {days} days"},
    "briefing.growth": {"zh": "增幅", "en": "growth"},
    "briefing.no_incidents": {
        "zh": "当天没有新事件，也没有未解除的事件。",
        "en": "No open incidents and none opened this day.",
    },
    "briefing.no_complaints": {"zh": "当天没有负面微博。", "en": "No negative posts this day."},
    "briefing.no_terms": {"zh": "当天没有突出的投诉词。", "en": "No complaint term stood out this day."},
    "briefing.chart.volume": {"zh": "每日声量与负面占比", "en": "daily volume and negative share"},
    "briefing.chart.hourly": {"zh": "每小时声量（按情感）", "en": "mentions per hour by sentiment"},
    "briefing.chart.breakdown": {"zh": "严重程度与类别", "en": "severity and category"},
    # -- does the brand answer (the briefing's 回应 section, `yuqing responses`, the console) ---------------
    "response.section": {"zh": "回应", "en": "Responses"},
    "response.measure": {"zh": "指标", "en": "measure"},
    "response.value": {"zh": "数值", "en": "value"},
    "response.day": {"zh": "日期", "en": "day"},
    "response.complaints": {"zh": "已核查投诉", "en": "complaints checked"},
    "response.answered": {"zh": "已回复", "en": "answered"},
    "response.reply_rate": {"zh": "回复率", "en": "reply rate"},
    "response.median": {"zh": "首次回复用时（中位数）", "en": "first response (median)"},
    "response.p90": {"zh": "首次回复用时（90分位）", "en": "first response (90th percentile)"},
    "response.within_1h": {"zh": "1 小时内回复", "en": "answered within 1 h"},
    "response.within_24h": {"zh": "24 小时内回复", "en": "answered within 24 h"},
    "response.calmed": {"zh": "回复后转发放缓", "en": "calmed after the reply"},
    "response.minutes": {"zh": "{value} 分钟", "en": "{value} min"},
    "response.hours": {"zh": "{value:.1f} 小时", "en": "{value:.1f} h"},
    "response.days": {"zh": "{value:.1f} 天", "en": "{value:.1f} days"},
    "response.by_category": {"zh": "按类别", "en": "By category"},
    "response.by_severity": {"zh": "按严重程度", "en": "By severity"},
    "response.unanswered": {"zh": "最久未回复的危急投诉", "en": "Oldest unanswered critical complaints"},
    "response.posted": {"zh": "发布时间", "en": "posted"},
    "response.checked": {"zh": "最近核查", "en": "last checked"},
    "response.partial": {"zh": "（评论未读完）", "en": " (comments partly read)"},
    "response.none_unanswered": {
        "zh": "近 {days} 天没有未回复的危急投诉。",
        "en": "No critical complaint of the last {days} days is waiting for an answer.",
    },
    "response.no_complaints": {"zh": "当天没有已核查的投诉。", "en": "No complaint was checked this day."},
    "response.no_accounts": {
        "zh": "未配置官方账号，无法统计回应。",
        "en": "No official accounts configured: responses are not measured.",
    },
    "response.calmed_note": {
        "zh": "回复后转发放缓：回复前后都有转发数快照的已回复投诉中，回复后每小时转发数下降的比例。",
        "en": "Calmed: of the answered complaints with repost snapshots before and after the first reply, "
        "the share whose reposts per hour fell after it.",
    },
    "response.yes": {"zh": "是", "en": "yes"},
    "response.no": {"zh": "否", "en": "no"},
    "response.all": {"zh": "合计", "en": "all"},
    # -- source health (`yuqing sources`) ---------------------------------------------------------------
    "health.header": {
        "zh": "品牌\t来源\t状态\t最近成功\t最近错误\t说明",
        "en": "brand\tsource\tstate\tlast success\tlast error\tdetail",
    },
    "health.state.ok": {"zh": "正常", "en": "ok"},
    "health.state.blocked": {"zh": "被拦截", "en": "blocked"},
    "health.state.failing": {"zh": "出错", "en": "failing"},
    "health.state.backing_off": {"zh": "退避中", "en": "backing off"},
    "health.state.over_budget": {"zh": "超出时间预算", "en": "over budget"},
    "health.state.never": {"zh": "尚未运行", "en": "never run"},
    "health.all_brands": {"zh": "全部", "en": "all"},
    "health.none": {"zh": "从未", "en": "never"},
    "health.failures": {"zh": "连续失败 {count} 次", "en": "{count} failures in a row"},
}


def number(value: float) -> str:
    """A count as both languages write it in an alert: grouped by thousands with commas (1,520). Chinese 万
    would read better in prose, but on-call staff compare these figures with the English evidence."""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.0f}"


class _Formatter(string.Formatter):
    """`str.format` with the rules of the module docstring for numbers, terms, clauses and lists."""

    def __init__(self, language: Language) -> None:
        self.language = language

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, dict):
            return _render_clause(value, self.language)
        if isinstance(value, list | tuple):
            separator = MESSAGES["sep.list"][self.language]
            return separator.join(self.format_field(item, format_spec) for item in value)
        if format_spec in TERMS:
            return term(format_spec, value, self.language) or str(value)
        if not format_spec and isinstance(value, int | float) and not isinstance(value, bool):
            return number(value)
        return str(super().format_field(value, format_spec))


_FORMATTERS = {language: _Formatter(language) for language in LANGUAGES}


def message(key: str, language: Language, /, **args: Any) -> str:
    """The template `key` in `language` with `args` filled in; KeyError for an unknown key or a missing
    argument."""
    return fill(MESSAGES[key][language], language, **args)


def fill(template: str, language: Language, /, **args: Any) -> str:
    """A template of another catalogue (the console's page words) filled in the way `message` fills ours."""
    return _FORMATTERS[language].format(template, **args)


def term(namespace: str, value: object, language: Language) -> str | None:
    """Our word for a code (`term("category", "safety", "zh")` → 安全问题), or None when there is none."""
    if not isinstance(value, str) or "." in value:
        return None
    templates = MESSAGES.get(f"{namespace}.{value}")
    return templates[language] if templates is not None else None


@cache
def placeholders(template: str) -> frozenset[str]:
    """The names a template fills in."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name is not None)


def clause(key: str, **args: Any) -> Clause:
    """One sentence of a reason, as data. The arguments must be exactly the template's placeholders, so that a
    mistake shows where the reason is built, not later where it is read."""
    templates = MESSAGES.get(key)
    if templates is None:
        raise ValueError(f"no message {key!r} in the catalogue")
    expected = placeholders(templates["en"])
    if set(args) != expected:
        raise ValueError(f"message {key!r} takes {sorted(expected)}, got {sorted(args)}")
    return {"key": key, "args": args}


def _render_clause(data: Any, language: Language) -> str:
    if not isinstance(data, Mapping) or not isinstance(data.get("key"), str) or data["key"] not in MESSAGES:
        raise ValueError(f"not a clause of the catalogue: {data!r:.200}")
    args = data.get("args") or {}
    if not isinstance(args, Mapping):
        raise ValueError(f"clause {data['key']!r}: args is not an object")
    try:
        return message(data["key"], language, **args)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise ValueError(f"clause {data['key']!r} does not render: {exc!r}") from exc


def render_reason(reason_data: Any, language: Language) -> str:
    """A stored reason (a list of clauses, `reason_data`) in `language`; ValueError when it is not one."""
    if not isinstance(reason_data, list):
        raise ValueError(f"a reason is a list of clauses, got {type(reason_data).__name__}")
    separator = MESSAGES["sep.clause"][language]
    return separator.join(_render_clause(item, language) for item in reason_data)


def reason_of(document: Mapping[str, Any], language: Language) -> str:
    """The reason of an incident, a notification or a timeline entry in `language`: rendered from its
    `reason_data` when it has some, else the `reason` text it was stored with."""
    data = document.get("reason_data")
    if data:
        try:
            return render_reason(data, language)
        except ValueError as exc:
            logger.warning("stored reason does not render (%s); showing its text", exc)
    return str(document.get("reason") or "")
