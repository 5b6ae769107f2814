"""`yuqing backtest` (replay a post stream through detection offline) and `yuqing alerts ...` (incidents)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.cli.common import Progress, parse_duration, report_bad_lines
from pipeline.i18n import reason_of, term
from pipeline.jsonl import atomic_writer, read_posts
from pipeline.models import SHANGHAI, Post, format_time

if TYPE_CHECKING:
    from pipeline.config import Settings, Watchlist


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "backtest", help="replay a post stream on a simulated clock and write the alerts it would send"
    )
    parser.add_argument("--posts", required=True, type=Path, help="posts as JSON Lines (docs/data-contracts.md)")
    parser.add_argument("--out", required=True, type=Path, help="notifications written here as JSON Lines")
    parser.add_argument("--watchlist", type=Path, help="watchlist YAML (default: the configured one)")
    parser.add_argument("--tick", default="1m", help="simulated clock step (default 1m)")
    parser.add_argument(
        "--responses",
        type=Path,
        help="response records as JSON Lines (docs/data-contracts.md), to replay the unanswered rule too",
    )
    parser.set_defaults(handler=run_backtest_command)

    alerts = commands.add_parser("alerts", help="list, show, acknowledge, resolve or silence incidents")
    actions = alerts.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="incidents, newest first")
    listing.add_argument("--status", choices=["open", "acknowledged", "resolved"])
    listing.add_argument("--brand")
    listing.set_defaults(handler=run_list)
    show = actions.add_parser("show", help="one incident as JSON, with its timeline and deliveries")
    show.add_argument("incident_id")
    show.set_defaults(handler=run_show)
    for name, helptext, handler in (
        ("ack", "acknowledge an incident (stops escalation)", run_ack),
        ("resolve", "resolve an incident by hand and send the resolved message", run_resolve),
    ):
        action = actions.add_parser(name, help=helptext)
        action.add_argument("incident_id")
        action.add_argument("--by", default=_person(), help="who does it, for the timeline (default: your login)")
        action.set_defaults(handler=handler)
    silence = actions.add_parser("silence", help="hold back notifications of a brand or an incident")
    _add_target(silence)
    silence.add_argument("--for", dest="duration", default="2h", help="how long (default 2h)")
    silence.add_argument("--by", default=_person(), help="who does it (default: your login)")
    silence.set_defaults(handler=run_silence)
    unsilence = actions.add_parser("unsilence", help="end a silence early")
    _add_target(unsilence)
    unsilence.set_defaults(handler=run_unsilence)


def _add_target(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--brand")
    target.add_argument("--incident")


def _person() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        return "cli"


def _now() -> datetime:
    return datetime.now(UTC)


def _enriched(posts: list[Post], settings: Settings) -> list[Post]:
    """Run the classifiers only on posts that arrive without sentiment or complaint labels."""
    missing = [index for index, post in enumerate(posts) if post.sentiment is None or post.complaint is None]
    if not missing:
        return posts
    from pipeline.enrich.enricher import Enricher
    from pipeline.enrich.registry import make_scorers

    print(f"classifying {len(missing)} posts without labels ({settings.scorer} scorer)", file=sys.stderr)
    enricher = Enricher(*make_scorers(settings.scorer))
    enriched = enricher.enrich([posts[index] for index in missing])
    result = list(posts)
    for index, post in zip(missing, enriched, strict=True):
        result[index] = post
    return result


def _about_watched_brands(posts: list[Post], watchlist: Watchlist, source: Path) -> list[Post]:
    """The posts that `yuqing ingest` would store, as it would store them: normalised, with the brand a post
    names (one already set is kept when it is watched); the others are left out, and said so."""
    from pipeline.ingest import IngestSummary, prepare
    from pipeline.normalise import BrandMatcher

    summary = IngestSummary()
    kept = prepare(posts, BrandMatcher.from_watchlist(watchlist), summary)
    if summary.dropped:
        reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(summary.dropped.items()))
        print(f"left out {sum(summary.dropped.values())} posts that ingest would drop ({reasons})", file=sys.stderr)
    if posts and not kept:
        brands = ", ".join(brand.name for brand in watchlist.brands)
        print(
            f"warning: no post in {source} is about a watched brand ({brands}), so nothing can alert; "
            "check the watchlist (--watchlist, YUQING_WATCHLIST)",
            file=sys.stderr,
        )
    return kept


def run_backtest_command(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.config import load_watchlist
    from pipeline.detect.backtest import run_backtest
    from pipeline.detect.engine import detection_config

    tick = parse_duration(args.tick)
    watchlist = load_watchlist(args.watchlist) if args.watchlist else settings.watchlist_config
    reader = read_posts(args.posts, log_errors=False)  # report_bad_lines names them, once each
    posts = list(reader)
    report_bad_lines(reader)
    # Detection sees what production stores: without a brand, a post belongs to no brand's incidents.
    posts = _about_watched_brands(posts, watchlist, args.posts)
    posts = _enriched(posts, settings)
    progress = Progress("backtest")
    result = run_backtest(
        posts,
        watchlist,
        tick=tick,
        config=detection_config(settings.detection),  # the same detectors as production, overrides included
        progress=lambda clock, done: progress.update(f"{format_time(clock.astimezone(SHANGHAI))}  {done} posts"),
        language=settings.language,
        responses=_response_records(args.responses) if args.responses else (),
    )
    with atomic_writer(args.out) as handle:  # an existing file is replaced only by a complete one
        for notification in result.notifications:
            handle.write(json.dumps(notification, ensure_ascii=False) + "\n")
    for notification in result.notifications:
        print(
            f"{notification['updated_at']}  {notification['event']:<9} {notification['priority']}  "
            f"{notification['brand']}  {notification['reason']}"
        )
    progress.update(
        f"{result.posts} posts, {result.ticks} ticks, {len(result.notifications)} notifications, "
        f"{len(result.incidents)} incidents → {args.out}",
        force=True,
    )
    return 0


def _response_records(path: Path) -> list[dict[str, Any]]:
    """The response records of a JSON Lines file; a line that is not a JSON object is named and skipped."""
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                record = exc
            if isinstance(record, dict):
                records.append(record)
            else:
                print(f"{path}:{number}: skipped, not a JSON object", file=sys.stderr)
    return records


def _store(settings: Settings) -> Any:
    from pipeline.store import open_store

    return open_store(settings)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    try:
        incidents = store.list_records("incident")
    finally:
        store.close()
    incidents = [
        doc
        for doc in incidents
        if (args.status is None or doc.get("status") == args.status)
        and (args.brand is None or doc.get("brand") == args.brand)
    ]
    incidents.sort(key=lambda doc: str(doc.get("opened_at")), reverse=True)
    if not incidents:
        print("no incidents")
    language = settings.language
    for doc in incidents:
        status = term("status", doc["status"], language) or doc["status"]
        kind = term("kind", doc["kind"], language) or doc["kind"]
        print(
            f"{doc['incident_id']}  {status:<12} {doc['priority']}  {kind:<7} {doc['brand']}  "
            f"{doc['opened_at']}  {reason_of(doc, language)[:80]}"
        )
    return 0


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.alert import actions

    store = _store(settings)
    try:
        doc = store.get_record("incident", args.incident_id)
        deliveries = store.list_records("delivery", {"incident_id": args.incident_id})
    finally:
        store.close()
    if doc is None:
        raise actions.UnknownIncident(args.incident_id)
    # Reasons in the configured language (rendered from their data where they have it).
    doc["reason"] = reason_of(doc, settings.language)
    doc["timeline"] = [{**entry, "reason": reason_of(entry, settings.language)} for entry in doc.get("timeline") or []]
    doc["deliveries"] = [
        {key: value for key, value in delivery.items() if key != "notification"} for delivery in deliveries
    ]
    print(json.dumps(doc, ensure_ascii=False, indent=2))
    return 0


def run_ack(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.alert import actions  # the same code paths as the console's buttons

    with _store(settings) as store:
        incident = actions.acknowledge(store, args.incident_id, args.by, _now())
    print(
        f"{incident.incident_id}: {incident.status}"
        + (f" by {incident.acknowledged_by}" if incident.acknowledged_by else "")
    )
    return 0


def run_resolve(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.alert import actions

    with _store(settings) as store:
        resolution = actions.resolve(store, settings, args.incident_id, args.by, _now())
    incident, report = resolution.incident, resolution.delivery
    if resolution.already_resolved:
        print(f"{incident.incident_id}: already resolved")
        return 0
    print(f"{incident.incident_id}: resolved by {incident.resolved_by} ({report.sent} sent, {report.failed} failed)")
    return 0


def run_silence(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.alert import actions

    with _store(settings) as store:
        made = actions.silence(
            store,
            settings.watchlist_config,
            duration=parse_duration(args.duration),
            by=args.by,
            brand=args.brand,
            incident_id=args.incident,
            now=_now(),
        )
    print(f"silenced {made.target} until {format_time(made.until.astimezone(SHANGHAI))}")
    return 0


def run_unsilence(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.alert import actions

    with _store(settings) as store:
        target = actions.unsilence(store, settings.watchlist_config, brand=args.brand, incident_id=args.incident)
    print(f"unsilenced {target}")
    return 0
