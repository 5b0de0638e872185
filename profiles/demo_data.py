"""Demo data: a realistic set of data objects (the Meta Data list)."""

from __future__ import annotations

from .models import DataObject

F = DataObject.Format

DATA_OBJECTS = [
    # key, label, description, sample value, format, currency
    ("customer.first_name", "First name", "The customer's first name.", "Amélie", F.TEXT, ""),
    ("customer.last_name", "Last name", "The customer's family name.", "Dubois", F.TEXT, ""),
    ("customer.title", "Title", "Salutation such as Mr, Ms or Dr.", "Ms", F.TEXT, ""),
    ("customer.language", "Language", "Preferred language (ISO code).", "fr-CA", F.TEXT, ""),
    ("customer.mobile", "Mobile number", "E.164 mobile number.", "+4915112345678", F.TEXT, ""),
    ("customer.number", "Customer number", "Account number.", "C-104233", F.TEXT, ""),
    ("company.name", "Company name", "Our trading name.", "ACME Services", F.TEXT, ""),
    ("company.phone", "Company phone", "Customer service line.", "+33 1 84 88 00 00", F.TEXT, ""),
    ("invoice.number", "Invoice number", "As printed on the invoice.", "INV-2026-0042", F.TEXT, ""),
    ("invoice.amount", "Invoice amount", "Amount due, formatted.", "€1,249.90", F.MONEY, "EUR"),
    ("invoice.due_date", "Due date", "Payment due date.", "15/12/2026", F.DATE, ""),
    (
        "invoice.payment_link",
        "Payment link",
        "Short link to pay online.",
        "https://acme.example/p/7Qx2",
        F.TEXT,
        "",
    ),  # noqa: E501
    ("order.number", "Order number", "The order reference.", "SO-88231", F.TEXT, ""),
    (
        "order.tracking_code",
        "Tracking code",
        "Carrier tracking code.",
        "JD014600006281",
        F.TEXT,
        "",
    ),
    (
        "document.sender_number",
        "Sender number",
        "Sender set on the document.",
        "+4915112345678",
        F.TEXT,
        "",
    ),  # noqa: E501
    (
        "document.reference",
        "Document reference",
        "Reference of the document.",
        "DOC-7781",
        F.TEXT,
        "",
    ),
    ("appointment.date", "Appointment date", "Date of the appointment.", "03/12/2026", F.DATE, ""),
    ("appointment.time", "Appointment time", "Time of the appointment.", "14:30", F.TEXT, ""),
    (
        "appointment.location",
        "Location",
        "Where the appointment takes place.",
        "12 rue de la Paix, Paris",
        F.TEXT,
        "",
    ),  # noqa: E501
    ("otp.code", "One-time code", "Verification code.", "493817", F.NUMBER, ""),
]


def seed_data_objects() -> int:
    """Create or update the demo data objects; returns how many were created. Idempotent."""
    created = 0
    for key, label, description, sample, fmt, currency in DATA_OBJECTS:
        _obj, was_created = DataObject.objects.update_or_create(
            key=key,
            defaults={
                "label": label,
                "description": description,
                "sample_value": sample,
                "format": fmt,
                "currency": currency,
            },
        )
        created += was_created
    return created
