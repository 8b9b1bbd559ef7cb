"""The access log of customers' personal data: who viewed or exported whose data, and when.

The pages that show one customer's personal data (the support order page, a case, a customer
picked for a phone order, a customer mail, the GDPR pages) and the downloads that carry it (the
GDPR export, documents whose kind names a customer) call ``record_customer_access`` once per
request: one insert, no read, in the request's own autocommit, after the page has been found (a
404 records nothing). Lists and search results are not recorded row by row. Admins read the log
in the Django admin.
"""

from __future__ import annotations

from django.http import HttpRequest

from oms.models import AccessAction, CustomerDataAccess


def record_customer_access(
    request: HttpRequest,
    *,
    subject_type: str,
    subject_id: str | int,
    customer_id: int | None,
    action: str = AccessAction.VIEWED,
) -> None:
    """Record that ``request.user`` was shown (or downloaded, ``EXPORTED``) the customer's data
    in ``subject_type`` ``subject_id``."""
    user = request.user if request.user.is_authenticated else None
    CustomerDataAccess.objects.create(
        user=user,
        username=user.get_username() if user is not None else "",
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id)[:100],
        customer_id=customer_id,
        path=request.get_full_path()[:300],
    )
