"""Load the demo: role groups, demo users with fresh tokens, and two reviewed LDN articles.

It lives in `reviews` because the demo goes through the whole workflow (roles, sign-off
policies, submit, sign), and `articles` never imports `reviews`. The demo superuser `publisher`
gives the other demo users their roles, and creates the pharmacist role and the medicines
policy, through the same services as the admin, so the audit trails say who did what.
"""

from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from knox.models import AuthToken

import articles
from articles import selectors, services
from articles.importing import parse_article
from articles.models import Article, Audience, ReviewKind
from ldncontent.permissions import (
    CLINICAL_REVIEWERS,
    EDITORS,
    PUBLISHING_ADMINS,
    SIGN_OFF_REVIEWERS,
)
from ldncontent.tokens import token_issue
from reviews import services as review_services
from reviews.models import CLINICAL_ROLE, SignOffPolicy, SignOffRole, SignOffRoleHolder

DEMO_DIR = Path(articles.__file__).resolve().parent / "demo"
DEMO_PASSWORD = "ldn-demo-password"
DEMO_USERS = [
    # username, role group, superuser
    ("editor", EDITORS, False),
    ("clinician", CLINICAL_REVIEWERS, False),
    ("pharmacist", SIGN_OFF_REVIEWERS, False),
    ("publisher", PUBLISHING_ADMINS, True),
]
DEMO_CLINICIAN = {
    "published_name": "Dr Amina Okafor",
    "credentials": "MBBS, MRCGP",
    "profession": "General practitioner",
    "registering_body": "General Medical Council",
    "registration_number": "7000001",
}
DEMO_PHARMACIST_ROLE = {
    "code": "pharmacist",
    "name": "Pharmacist",
    "meaning": "I confirm the medicines information (names, doses, interactions and how to "
    "stop or change them) is accurate and safe for the audience.",
    "checklist": [
        "Doses and formulations checked against the product information",
        "Interactions and cautions checked",
    ],
    # A change review that leaves the medicines text alone needs only the clinician.
    "resign_on_change": False,
}
DEMO_PHARMACIST = {
    "published_name": "Sam Patel",
    "credentials": "MPharm",
    "profession": "Pharmacist",
    "registering_body": "General Pharmaceutical Council",
    "registration_number": "2000001",
}
DEMO_POLICY = {
    "name": "Medicines",
    "description": "Articles about medicines are also signed by a pharmacist.",
    "topic": "medicines",
}
DEMO_ARTICLES = [
    (
        "stopping-ldn.txt",
        "stopping-ldn",
        ["ldn", "medication-changes", "medicines"],
        "Why people stop low-dose naltrexone, what they may notice, and how to plan it.",
    ),
    (
        "ldn-beyond-addiction.txt",
        "ldn-beyond-addiction",
        ["ldn", "chronic-pain"],
        "How naltrexone at a low dose differs from its usual use in addiction treatment.",
    ),
]


class Command(BaseCommand):
    help = "Load demo users (with new API tokens) and demo articles; safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Host shown in the printed URLs.")
        parser.add_argument("--port", default="8000", help="Port shown in the printed URLs.")

    def handle(self, *args, host: str, port: str, **options):
        with transaction.atomic():
            users = self._users()
            tokens = {}
            for username, user in users.items():
                # Demo tokens are re-issued on every run; older ones are revoked.
                AuthToken.objects.filter(user=user).delete()
                tokens[username] = token_issue(user=user)[1]
            self._roles(users)
            self._sign_off_policy(users)
            created = self._articles(users)
        self._print_welcome(host=host, port=port, tokens=tokens, created=created)

    def _users(self) -> dict[str, User]:
        users = {}
        for username, _, is_superuser in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@example.org", "is_staff": True},
            )
            if created:
                user.is_superuser = is_superuser
                user.set_password(DEMO_PASSWORD)
                user.save()
            users[username] = user
        return users

    def _roles(self, users: dict[str, User]) -> None:
        """Each demo user gets its role from the demo superuser, unless it has it already."""
        publisher = users["publisher"]
        for username, group_name, _ in DEMO_USERS:
            user = users[username]
            held = set(
                user.groups.filter(name__in=review_services.GRANTABLE_ROLES).values_list(
                    "name", flat=True
                )
            )
            if group_name == CLINICAL_REVIEWERS:
                if not user.groups.filter(name=CLINICAL_REVIEWERS).exists():
                    review_services.clinician_grant(
                        user=user, granted_by=publisher, note="Demo clinician", **DEMO_CLINICIAN
                    )
            elif group_name == SIGN_OFF_REVIEWERS:
                pass  # granted with the pharmacist role, in _sign_off_policy
            elif group_name not in held:
                review_services.staff_roles_set(
                    user=user, roles=[*held, group_name], changed_by=publisher, note="Demo user"
                )

    def _sign_off_policy(self, users: dict[str, User]) -> None:
        """The pharmacist role, held by the demo pharmacist, and the medicines policy that
        requires it (each made once)."""
        publisher = users["publisher"]
        role = SignOffRole.objects.filter(code=DEMO_PHARMACIST_ROLE["code"]).first()
        if role is None:
            role = review_services.signoff_role_create(actor=publisher, **DEMO_PHARMACIST_ROLE)
        if not SignOffRoleHolder.objects.filter(user=users["pharmacist"], role=role).exists():
            review_services.signoff_role_grant(
                user=users["pharmacist"],
                role=role,
                granted_by=publisher,
                note="Demo pharmacist",
                **DEMO_PHARMACIST,
            )
        if not SignOffPolicy.objects.filter(name=DEMO_POLICY["name"]).exists():
            review_services.signoff_policy_create(
                actor=publisher, required_roles=[role], **DEMO_POLICY
            )

    def _articles(self, users: dict[str, User]) -> list[str]:
        """Import the demo articles and sign each in full by every role it needs (stopping-ldn,
        about a medicine, by the clinician and the pharmacist); then leave a changed version 2
        of the other pending."""
        editor = users["editor"]
        signers = {CLINICAL_ROLE: users["clinician"], "pharmacist": users["pharmacist"]}
        created = []
        for file_name, slug, topics, summary in DEMO_ARTICLES:
            if Article.objects.filter(slug=slug).exists():
                continue
            imported = parse_article((DEMO_DIR / file_name).read_text(encoding="utf-8"))
            article = services.article_create(
                author=editor,
                slug=slug,
                fields={
                    "title": imported.title,
                    "summary": summary,
                    "topics": topics,
                    "audience": Audience.PATIENT,
                },
                sections=[
                    {"anchor": s.anchor, "heading": s.heading, "body": s.body}
                    for s in imported.sections
                ],
                reason=f"Demo article imported from {file_name}",
            )
            review = review_services.review_submit(
                article=article, user=editor, note="First version for clinical review."
            )
            for request in review.sign_off_requests.select_related("role").filter(required=True):
                role = request.role
                review_services.signoff_record(
                    review=review,
                    signer=signers[role.code],
                    role_code=role.code,
                    content_hash=review.version.content_hash,
                    kind=ReviewKind.FULL if role.code == CLINICAL_ROLE else "",
                    checklist=role.checklist,
                    note="Accurate and balanced.",
                )
            created.append(slug)
        if "ldn-beyond-addiction" in created:
            self._pending_change(slug="ldn-beyond-addiction", editor=editor)
        return created

    def _pending_change(self, *, slug: str, editor: User) -> None:
        article = Article.objects.get(slug=slug)
        sections = selectors.section_list(article=article)
        changed = sections[-1]
        services.section_update(
            article=article,
            anchor=changed.anchor,
            user=editor,
            if_match=selectors.article_etag(article=article, sections=sections),
            changes={
                "body": changed.body
                + "\n\nLow-dose naltrexone is not licensed for these uses, so it is prescribed "
                "off-label: ask how your prescriber will follow up on how it works for you."
            },
        )
        review_services.review_submit(
            article=article, user=editor, note="Added a note on off-label prescribing."
        )

    def _print_welcome(self, *, host: str, port: str, tokens: dict, created: list) -> None:
        base = f"http://{host}:{port}"
        write = self.stdout.write
        write("")
        write(self.style.SUCCESS("ldncontent demo is ready"))
        if created:
            write(f"  demo articles loaded: {', '.join(created)}")
        write(f"  API docs (Swagger UI): {base}/api/docs/")
        write(f"  API docs (ReDoc):      {base}/api/redoc/")
        write(f"  OpenAPI schema:        {base}/api/schema/")
        write(f"  Authoring API:         {base}/api/v1/articles/")
        write(f"  Review queue:          {base}/api/v1/reviews/")
        write(f"  Admin:                 {base}/admin/")
        write(f"  Health:                {base}/healthz")
        write("")
        write(f"  Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, group_name, _ in DEMO_USERS:
            also = " (the pharmacist role: signs articles on medicines)"
            write(f"    {username:<10} {group_name}{also if username == 'pharmacist' else ''}")
        write("")
        write("  Bearer tokens (new on every run; older demo tokens were revoked):")
        for username, token in tokens.items():
            write(f"    {username:<10} {token}")
        write("")
        write(f'  Try: curl -H "Authorization: Bearer {tokens["editor"]}" {base}/api/v1/articles/')
        write("")
