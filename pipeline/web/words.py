"""The console's own words, Chinese first. Each page module keeps the words only it uses (`WORDS` beside its
routes); these are the ones every page shares. Templates call `t("key", name=value)`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pipeline.i18n import Language, fill, term

Words = Mapping[str, Mapping[Language, str]]

COMMON: dict[str, dict[Language, str]] = {
    "app.title": {"zh": "舆情监测", "en": "Complaint monitor"},
    "nav.overview": {"zh": "总览", "en": "Overview"},
    "nav.incidents": {"zh": "事件", "en": "Incidents"},
    "nav.complaints": {"zh": "投诉与搜索", "en": "Complaints & search"},
    "nav.briefing": {"zh": "日报", "en": "Briefing"},
    "nav.api": {"zh": "接口文档", "en": "API docs"},
    "nav.logout": {"zh": "退出", "en": "Log out"},
    "nav.language": {"zh": "English", "en": "中文"},
    "login.title": {"zh": "登录", "en": "Log in"},
    "login.user": {"zh": "用户名", "en": "User"},
    "login.password": {"zh": "密码或令牌", "en": "Password or token"},
    "login.submit": {"zh": "登录", "en": "Log in"},
    "login.failed": {"zh": "用户名或密码错误。", "en": "Wrong user or password."},
    "common.none": {"zh": "无", "en": "none"},
    "common.brand": {"zh": "品牌", "en": "Brand"},
    "common.all_brands": {"zh": "全部品牌", "en": "All brands"},
    "common.since": {"zh": "起", "en": "From"},
    "common.until": {"zh": "止", "en": "To"},
    "common.apply": {"zh": "查询", "en": "Apply"},
    "common.original": {"zh": "原文", "en": "original"},
    "common.updated": {"zh": "更新于 {time}", "en": "Updated {time}"},
    "error.title": {"zh": "出错了", "en": "Something went wrong"},
    "error.not_found": {"zh": "找不到：{what}", "en": "Not found: {what}"},
    "error.csrf": {
        "zh": "表单已过期或来源不明，请刷新页面后重试。",
        "en": "The form expired or did not come from this console; reload the page and try again.",
    },
}


def translator(language: Language, *catalogues: Words) -> Callable[..., str]:
    """`t(key, **args)`: the page's words first, then the shared ones; a term namespace (`t("category.safety")`)
    falls back to the alert catalogue's words; an unknown key shows as itself, so that a slip is visible."""

    def t(key: str, /, **args: Any) -> str:
        for catalogue in (*catalogues, COMMON):
            templates = catalogue.get(key)
            if templates is not None:
                return fill(templates[language], language, **args)
        namespace, _, value = key.partition(".")
        return term(namespace, value, language) or key

    return t
