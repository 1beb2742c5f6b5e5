"""What the suite declares about its processing, from which the record of processing is generated.

Purposes live here (one place, used by consent checks, objections and the record); data categories
come from the identifier types and the personal-data classification the services actually apply.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from cdp.pii.documents import DEFAULT_PERSONAL_KEYS
from cdp.pii.normalize import IDENTIFIER_TYPES


@dataclass(frozen=True)
class Purpose:
    purpose_id: str
    description: str
    lawful_basis: str  # GDPR Art. 6(1) letter / PDPA s.24 / Law 91 art. basis
    marketing: bool
    recipients: tuple[str, ...]
    retention: str


PURPOSES = (
    Purpose(
        "service_delivery",
        "Providing the service the customer asked for",
        "contract (GDPR 6(1)(b))",
        False,
        ("internal systems",),
        "for the customer relationship, then 24 months",
    ),
    Purpose(
        "analytics",
        "Aggregated product analytics",
        "legitimate interests (GDPR 6(1)(f))",
        False,
        ("internal analysts",),
        "25 months from collection",
    ),
    Purpose(
        "personalisation",
        "Personalised content and offers on own channels",
        "consent (GDPR 6(1)(a))",
        False,
        ("internal systems",),
        "until consent is withdrawn",
    ),
    Purpose(
        "email_marketing",
        "Direct marketing by email",
        "consent (GDPR 6(1)(a); PDPA s.19)",
        True,
        ("email service provider",),
        "until consent is withdrawn or objection",
    ),
    Purpose(
        "sms_marketing",
        "Direct marketing by SMS / Zalo / LINE",
        "consent (GDPR 6(1)(a); PDPA s.19)",
        True,
        ("messaging provider",),
        "until consent is withdrawn or objection",
    ),
    Purpose(
        "advertising",
        "Audiences shared with advertising platforms",
        "consent (GDPR 6(1)(a))",
        True,
        ("advertising platforms",),
        "until consent is withdrawn or objection",
    ),
)
MARKETING = tuple(p.purpose_id for p in PURPOSES if p.marketing)
SECURITY_MEASURES = (
    "AES-256-GCM encryption of every personal value under a per-person data key (AAD-bound to its place)",
    "data keys wrapped by a key-encryption key outside the database; erasure destroys them (crypto-shredding)",
    "blind indexes (HMAC-SHA256) instead of plaintext lookups",
    "deny-by-default role-based access with short-lived signed tokens on every call",
    "tamper-evident audit chain with signed checkpoints",
    "suppression of erased people at every ingestion path",
)


def record_of_processing(controller: str) -> dict:
    categories = sorted(set(IDENTIFIER_TYPES) | set(DEFAULT_PERSONAL_KEYS))
    return {
        "controller": controller,
        "generated_from": "cdp.consent.domain.processing + cdp.pii classification",
        "data_categories": categories,
        "data_subjects": ["customers", "website and app visitors"],
        "activities": [asdict(p) for p in PURPOSES],
        "security_measures": list(SECURITY_MEASURES),
        "erasure_time_limit": "online stores within 24 hours (ceiling 72 hours); backups unreadable at once",
        "international_transfers": "none by the suite itself",
    }
