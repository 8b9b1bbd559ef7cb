"""Photos on return requests: what an upload must be, and how it is stored.

``check_photos`` decides by the file's content, never its name or the browser's content type:
Pillow must recognise it as JPEG, PNG or WebP, ``verify()`` it and decode it in full, within
``RETURNS_PHOTO_MAX_BYTES`` and ``RETURNS_PHOTO_MAX_PIXELS``; at most ``RETURNS_PHOTO_MAX_COUNT``
per request. A checked photo is re-encoded (PNG stays PNG, the rest becomes JPEG), upright and
without its metadata (a phone's GPS position stays with the customer), with a thumbnail. Nothing is
stored by the check; ``store_photos`` writes the files and rows inside the caller's transaction
and removes the files again if that transaction fails.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from returns.error_codes import ReturnErrorCode
from returns.exceptions import ReturnError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp"
MAX_STORED_SIDE = 2560
THUMBNAIL_SIDE = 240
FIELD = "photos"


@dataclass(frozen=True)
class CheckedPhoto:
    """A photo that passed the checks, re-encoded and ready to store."""

    name: str
    content_type: str
    extension: str
    data: bytes
    thumbnail: bytes
    width: int
    height: int


def max_count() -> int:
    return int(settings.RETURNS_PHOTO_MAX_COUNT)


def _refuse(message: str, code: ReturnErrorCode) -> ReturnError:
    return ReturnError(message, code=code, data={"field": FIELD})


def _encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _load_in_full(image: Image.Image) -> None:
    """Decode every pixel, refusing a truncated file whatever the process-wide setting says:
    WeasyPrint sets ``ImageFile.LOAD_TRUNCATED_IMAGES`` for the whole process when it is first
    imported (the first PDF a process renders), after which Pillow would fill a cut-off photo with
    grey instead of failing. Restored afterwards; a PDF rendered in another thread at this instant
    refuses a truncated image of its own and is rendered again by the outbox."""
    allowed = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = allowed


def check_photo(upload: Any) -> CheckedPhoto:
    """One uploaded file (``UploadedFile`` or anything with ``name``, ``size`` and ``read``)."""
    name = str(getattr(upload, "name", "") or "")[:200]
    limit = int(settings.RETURNS_PHOTO_MAX_BYTES)
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise _refuse(
            _("“%(name)s” is larger than %(limit)d MB.") % {"name": name, "limit": max(limit // (1024 * 1024), 1)},
            ReturnErrorCode.PHOTO_TOO_LARGE,
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise _refuse(
            _("“%(name)s” is larger than %(limit)d MB.") % {"name": name, "limit": max(limit // (1024 * 1024), 1)},
            ReturnErrorCode.PHOTO_TOO_LARGE,
        )
    not_an_image = _refuse(
        _("“%(name)s” is not a photo (JPEG, PNG or WebP).") % {"name": name}, ReturnErrorCode.PHOTO_NOT_AN_IMAGE
    )
    if not data:
        raise not_an_image
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if fmt not in ACCEPTED_FORMATS:
                raise not_an_image
            width, height = probe.size
            if width * height > int(settings.RETURNS_PHOTO_MAX_PIXELS):
                raise _refuse(
                    _("“%(name)s” has too many pixels (%(width)d x %(height)d).")
                    % {"name": name, "width": width, "height": height},
                    ReturnErrorCode.PHOTO_TOO_LARGE,
                )
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            _load_in_full(image)  # a truncated or corrupt file fails here, not later for a reader
            upright = ImageOps.exif_transpose(image)
            keep_png = fmt == "PNG"
            upright = upright.convert("RGBA" if keep_png else "RGB")
            upright.thumbnail((MAX_STORED_SIDE, MAX_STORED_SIDE))
            stored = _encode(upright, "PNG", optimize=True) if keep_png else _encode(upright, "JPEG", quality=85)
            small = upright.copy()
            small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            thumb = _encode(small, "PNG") if keep_png else _encode(small, "JPEG", quality=80)
            final_width, final_height = upright.size
    except ReturnError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise not_an_image from exc
    return CheckedPhoto(
        name=name,
        content_type="image/png" if keep_png else "image/jpeg",
        extension="png" if keep_png else "jpg",
        data=stored,
        thumbnail=thumb,
        width=final_width,
        height=final_height,
    )


def check_photos(uploads: Sequence[Any], *, already: int = 0) -> list[CheckedPhoto]:
    """Every upload checked, or ``ReturnError`` (field ``photos``) naming the first bad one;
    ``already``: photos the request has, counted against ``RETURNS_PHOTO_MAX_COUNT``."""
    uploads = [u for u in uploads if u is not None]
    limit = max_count()
    if already + len(uploads) > limit:
        left = max(limit - already, 0)
        raise _refuse(
            ngettext(
                "At most %(limit)d photo per return (%(left)d more can be added).",
                "At most %(limit)d photos per return (%(left)d more can be added).",
                limit,
            )
            % {"limit": limit, "left": left},
            ReturnErrorCode.TOO_MANY_PHOTOS,
        )
    return [check_photo(upload) for upload in uploads]


def store_photos(request: Any, photos: Sequence[CheckedPhoto], *, by_label: str, written: list[str]) -> list[Any]:
    """Write ``photos`` for ``request`` (a ``ReturnRequest``) inside the caller's transaction,
    which holds the order's lock: the count is checked again here. The names of the files written
    are appended to ``written``, so the caller removes them when its transaction fails
    (``remove_files``); nothing refers to them then."""
    from returns.models import ReturnPhoto

    if not photos:
        return []
    already = ReturnPhoto.objects.filter(request=request).count()
    if already + len(photos) > max_count():
        raise _refuse(
            _("At most %(limit)d photos per return.") % {"limit": max_count()}, ReturnErrorCode.TOO_MANY_PHOTOS
        )
    rows = []
    for photo in photos:
        stem = f"returns/photos/{request.pk}/{uuid.uuid4().hex}"
        image = default_storage.save(f"{stem}.{photo.extension}", ContentFile(photo.data))
        written.append(image)
        thumbnail = default_storage.save(f"{stem}-thumb.{photo.extension}", ContentFile(photo.thumbnail))
        written.append(thumbnail)
        rows.append(
            ReturnPhoto(
                request=request,
                image=image,
                thumbnail=thumbnail,
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                size=len(photo.data),
                original_name=photo.name,
                uploaded_by_label=by_label[:100],
            )
        )
    return ReturnPhoto.objects.bulk_create(rows)


def remove_files(names: list[str]) -> None:
    """Delete the files of photos whose transaction failed."""
    for name in names:
        default_storage.delete(name)
