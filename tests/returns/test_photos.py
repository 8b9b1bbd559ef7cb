"""Photos on return requests: real image bytes, checked by their content (Pillow) and size,
stored on the private storage, shown to support as thumbnails on the RMA panel and to the
customer through the order's own portal link only. Bad input: a clear message, nothing written."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from orders.portal_links import portal_path
from returns.models import ReturnPhoto, ReturnReason, ReturnRequest
from returns.services.requests import cancel_return, create_return
from tests.returns.flows import WITHIN, delivered_order, line_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def jpeg(name: str = "damage.jpg", *, size=(640, 480), exif_gps: bool = False) -> SimpleUploadedFile:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0)}  # GPS: where the customer lives
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png(name: str = "label.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 120, 0, 128)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _real_gif() -> SimpleUploadedFile:
    """A real GIF, named and typed as a JPEG: the content decides, and GIF is not taken."""
    out = io.BytesIO()
    Image.new("P", (20, 20)).save(out, "GIF")
    return SimpleUploadedFile("anim.jpg", out.getvalue(), content_type="image/jpeg")


def _files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _post(client, order, *, photos, sku="SHIRT", units=1):
    data = {f"return-line_{line_of(order, sku).pk}": units, "return-reason": "damaged", "return-photos": photos}
    with time_machine.travel(WITHIN, tick=False):
        return client.post(reverse("returns:support-return-create", args=[order.number]), data)


def test_support_attaches_photos_the_panel_shows_thumbnails_and_support_reads_them(support_client):
    order = delivered_order()

    answer = _post(support_client, order, photos=[jpeg(exif_gps=True), png()])

    assert answer.status_code == 302
    rma = ReturnRequest.objects.get(order=order)
    first, second = rma.photos.order_by("pk")
    assert (first.content_type, first.original_name) == ("image/jpeg", "damage.jpg")
    assert (second.content_type, second.width, second.height) == ("image/png", 300, 200)
    # Stored under MEDIA_ROOT (no URL serves it), re-encoded without the phone's metadata.
    stored = Path(settings.MEDIA_ROOT) / first.image.name
    assert stored.is_file() and str(stored).startswith(str(settings.MEDIA_ROOT))
    with Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (640, 480)
        assert not image.getexif()
    page = support_client.get(reverse("orders:support-order-detail", args=[order.number])).content.decode()
    thumb = reverse("returns:support-return-photo", args=[rma.number, first.pk]) + "?size=thumbnail"
    assert f'src="{thumb}"' in page and "Photo 1: damage.jpg" in page

    full = support_client.get(reverse("returns:support-return-photo", args=[rma.number, first.pk]))
    small = support_client.get(thumb)
    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert full["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(full.content)) as image:
        assert image.size == (640, 480)
    with Image.open(io.BytesIO(small.content)) as image:
        assert max(image.size) == 240
    detail = support_client.get(reverse("returns:support-return-detail", args=[rma.number])).content.decode()
    assert f'src="{thumb}"' in detail


def test_a_photo_is_read_by_support_only_and_never_under_media_url(client, warehouse_client, support_user):
    order = delivered_order()
    with time_machine.travel(WITHIN, tick=False):
        rma = create_return(order, {line_of(order, "SHIRT").pk: 1}, ReturnReason.DAMAGED, by=support_user)
    from returns.photos import check_photos
    from returns.services.requests import add_return_photos

    (photo,) = add_return_photos(rma, check_photos([jpeg()]), by_label="test")
    url = reverse("returns:support-return-photo", args=[rma.number, photo.pk])

    assert warehouse_client.get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the login
    assert Client().get(f"/{settings.MEDIA_URL}{photo.image.name}").status_code == 404
    assert (
        warehouse_client.get(reverse("returns:support-return-photo", args=["RMA-1999-000001", photo.pk])).status_code
        == 403
    )


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("invoice.jpg", b"%PDF-1.7 not a photo at all", content_type="image/jpeg"),
            "is not a photo",
        ),
        (SimpleUploadedFile("empty.png", b"", content_type="image/png"), "is not a photo"),
        (_real_gif(), "“anim.jpg” is not a photo (JPEG, PNG or WebP)."),
    ],
    ids=["pdf-named-jpg", "empty", "gif"],
)
def test_a_file_that_is_no_photo_is_refused_and_nothing_is_written(support_client, upload, message):
    order = delivered_order()

    answer = _post(support_client, order, photos=[jpeg(), upload])

    assert answer.status_code == 422
    assert message in answer.content.decode()
    assert not ReturnRequest.objects.filter(order=order).exists()
    assert not ReturnPhoto.objects.exists() and _files() == []


def test_a_truncated_jpeg_is_refused(support_client):
    order = delivered_order()
    whole = jpeg().read()
    broken = SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2], content_type="image/jpeg")

    answer = _post(support_client, order, photos=[broken])

    assert answer.status_code == 422 and "“cut.jpg” is not a photo (JPEG, PNG or WebP)." in answer.content.decode()
    assert not ReturnRequest.objects.exists() and _files() == []


def test_a_truncated_jpeg_is_refused_also_after_the_process_rendered_a_pdf(support_client, monkeypatch):
    import weasyprint  # noqa: F401  (importing it allows truncated images process-wide)
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    order = delivered_order()
    whole = jpeg().read()
    broken = SimpleUploadedFile("cut.jpg", whole[: len(whole) // 2], content_type="image/jpeg")

    answer = _post(support_client, order, photos=[broken])

    assert answer.status_code == 422 and "“cut.jpg” is not a photo (JPEG, PNG or WebP)." in answer.content.decode()
    assert not ReturnRequest.objects.exists() and _files() == []
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # PDFs keep what WeasyPrint asked for


def test_an_oversized_photo_and_too_many_photos_are_refused(support_client, settings):
    order = delivered_order()
    settings.RETURNS_PHOTO_MAX_BYTES = 1024 * 1024
    big = Image.effect_noise((1200, 1200), 100).convert("RGB")
    out = io.BytesIO()
    big.save(out, "PNG")
    assert len(out.getvalue()) > 1024 * 1024
    oversized = SimpleUploadedFile("huge.png", out.getvalue(), content_type="image/png")

    too_big = _post(support_client, order, photos=[oversized])
    settings.RETURNS_PHOTO_MAX_COUNT = 2
    too_many = _post(support_client, order, photos=[jpeg("a.jpg"), jpeg("b.jpg"), jpeg("c.jpg")])

    assert too_big.status_code == 422 and "“huge.png” is larger than 1 MB." in too_big.content.decode()
    assert too_many.status_code == 422 and "At most 2 photos per return" in too_many.content.decode()
    assert not ReturnRequest.objects.exists() and not ReturnPhoto.objects.exists() and _files() == []


def test_the_customer_adds_photos_through_the_portal_and_sees_only_their_own(client, support_user):
    order, other = delivered_order(), delivered_order()
    with time_machine.travel(WITHIN, tick=False):
        rma = create_return(order, {line_of(order, "JEANS").pk: 1}, ReturnReason.DAMAGED, by=None, actor_label="portal")
        foreign = create_return(other, {line_of(other, "JEANS").pk: 1}, ReturnReason.DAMAGED, by=support_user)
    base = portal_path(order.pk)
    page = client.get(base).content.decode()
    add = reverse("returns:portal-photos-add", args=[base.split("/")[2], rma.number])
    assert f'href="{add}"' in page

    form = client.get(add)
    refused = client.post(add, {"photos": [SimpleUploadedFile("x.jpg", b"<script>", content_type="image/jpeg")]})
    nothing = client.post(add, {})
    added = client.post(add, {"photos": [jpeg("scratch.jpg")]})

    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.content.decode()
    assert refused.status_code == 422 and "“x.jpg” is not a photo" in refused.content.decode()
    assert nothing.status_code == 422 and "Choose at least one photo." in nothing.content.decode()
    assert added.status_code == 302
    (photo,) = rma.photos.all()
    assert photo.uploaded_by_label == "portal"
    token = base.split("/")[2]
    own = client.get(reverse("returns:portal-photo", args=[token, rma.number, photo.pk]))
    assert own.status_code == 200 and own["Content-Type"] == "image/jpeg"
    assert "private" in own["Cache-Control"]
    assert order.events.filter(message__contains=f"photo(s) added to return {rma.number}").exists()
    page = client.get(base).content.decode()
    assert reverse("returns:portal-photo", args=[token, rma.number, photo.pk]) + "?size=thumbnail" in page

    # Another order's return, through this order's link: nothing.
    assert client.post(reverse("returns:portal-photos-add", args=[token, foreign.number]), {}).status_code == 404
    (theirs,) = [p for p in [photo] if p.request_id == rma.pk]
    assert client.get(reverse("returns:portal-photo", args=[token, foreign.number, theirs.pk])).status_code == 404
    other_token = portal_path(other.pk).split("/")[2]
    assert client.get(reverse("returns:portal-photo", args=[other_token, rma.number, photo.pk])).status_code == 404


def test_a_portal_photo_over_the_size_limit_is_refused_and_nothing_is_stored(client, settings):
    order = delivered_order()
    with time_machine.travel(WITHIN, tick=False):
        rma = create_return(order, {line_of(order, "JEANS").pk: 1}, ReturnReason.DAMAGED, by=None, actor_label="portal")
    settings.RETURNS_PHOTO_MAX_BYTES = 1024 * 1024
    noise = io.BytesIO()
    Image.effect_noise((1200, 1200), 100).convert("RGB").save(noise, "PNG")
    add = reverse("returns:portal-photos-add", args=[portal_path(order.pk).split("/")[2], rma.number])
    events = order.events.count()

    answer = client.post(add, {"photos": [SimpleUploadedFile("huge.png", noise.getvalue(), content_type="image/png")]})

    assert answer.status_code == 422 and "“huge.png” is larger than 1 MB." in answer.content.decode()
    assert not ReturnPhoto.objects.exists() and _files() == [] and order.events.count() == events


def test_a_closed_return_takes_no_more_photos(client, support_user):
    order = delivered_order()
    with time_machine.travel(WITHIN, tick=False):
        rma = create_return(order, {line_of(order, "JEANS").pk: 1}, ReturnReason.DAMAGED, by=support_user)
    cancel_return(rma, by=support_user, reason="Kept it")
    token = portal_path(order.pk).split("/")[2]

    answer = client.post(reverse("returns:portal-photos-add", args=[token, rma.number]), {"photos": [jpeg()]})

    assert answer.status_code == 422 and "no more photos can be added" in answer.content.decode()
    assert not ReturnPhoto.objects.exists() and _files() == []
