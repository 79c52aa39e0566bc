from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.urls import reverse

from listings.models import Listing


class Command(BaseCommand):
    help = (
        "List the listings on the market whose last verification is older than "
        "LISTING_STALE_DAYS, per agent. They are hidden from the public site until an agent "
        "verifies them again. With --notify, mail each agent their own list."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--notify", action="store_true", help="E-mail each agent the list of their listings."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="With --notify: print what would be sent, send nothing.",
        )

    def handle(self, *args, notify=False, dry_run=False, **options):
        stale = (
            Listing.objects.stale()
            .filter(status__in=Listing.PUBLIC_STATUSES)
            .select_related("agent")
            .order_by("agent__name", "agent_id", "last_verified_at", "code")
        )
        total = 0
        mailed = 0
        for agent, rows in groupby(stale, key=lambda listing: listing.agent):
            rows = list(rows)
            total += len(rows)
            name = agent.name if agent else "（未分配顾问）"
            self.stdout.write(self.style.MIGRATE_HEADING(f"{name}: {len(rows)}"))
            for listing in rows:
                verified = listing.last_verified_at.date() if listing.last_verified_at else "—"
                self.stdout.write(f"  {listing.code}  {verified}  {listing.title}")
            if notify and agent and agent.email and agent.is_active:
                if dry_run:
                    self.stdout.write(f"  would mail {agent.email}")
                else:
                    self.mail_agent(agent, rows)
                    mailed += 1
        summary = f"{total} stale listing(s) older than {settings.LISTING_STALE_DAYS} days" + (
            f"; mailed {mailed} agent(s)" if notify and not dry_run else ""
        )
        self.stdout.write(self.style.SUCCESS(summary))

    def mail_agent(self, agent, rows):
        admin_url = settings.SITE_URL + reverse("admin:listings_listing_changelist")
        lines = [
            f"{agent.name}，您好：",
            "",
            f"以下 {len(rows)} 套房源已超过 {settings.LISTING_STALE_DAYS} 天未核实，"
            "目前不在网站上显示。请确认仍在租售、信息属实后，在后台选中并执行"
            "“标记为今天已核实”；已租出或已售的请相应标记。",
            "",
        ]
        for listing in rows:
            verified = listing.last_verified_at.date() if listing.last_verified_at else "—"
            lines.append(f"- {listing.code} {listing.title}（最近核实 {verified}）")
        lines += ["", f"后台：{admin_url}?freshness=stale", "", settings.SITE_NAME]
        send_mail(
            subject=f"[{settings.SITE_NAME}] {len(rows)} 套房源待核实",
            message="\n".join(lines),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[agent.email],
        )
