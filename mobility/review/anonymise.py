"""Files as a juror of a blind call receives them: without the metadata that names who made them.

Stripped on download (the stored file stays as the applicant uploaded it: the office and the applicant get
the original). PDFs lose their document information (Author, Title, Subject, Keywords, Creator, Producer)
and every XMP metadata stream; images are written again without EXIF (GPS included), XMP or text chunks,
turned the way their EXIF orientation said; OOXML and OpenDocument files get empty document properties.
What the contents say is the applicant's to anonymise (the upload question of a blind call tells them).
"""
from __future__ import annotations

import io
import zipfile

import pikepdf
from PIL import Image, ImageOps

IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ODF = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}
# The old Office formats (LEGACY_OFFICE_TYPES) keep authors in OLE property streams no well-kept library
# rewrites: a blind call does not take them (applications.services.add_attachment), one already stored is not sent.

# Empty property parts, valid where the package's relationships still point to them.
_EMPTY_PARTS = {
    "docProps/core.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                         b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
                         b'metadata/core-properties"/>',
    "docProps/app.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                        b'extended-properties"/>',
    "docProps/custom.xml": b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                           b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                           b'custom-properties"/>',
    "meta.xml": b'<?xml version="1.0" encoding="UTF-8"?>\n'
                b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                b'office:version="1.2"><office:meta/></office:document-meta>',
}


class CannotAnonymise(Exception):
    """The file cannot be read well enough to take its metadata out: it is not sent."""


def without_metadata(data: bytes, content_type: str) -> bytes:
    try:
        if content_type == "application/pdf":
            return _pdf(data)
        if content_type in IMAGE_FORMATS:
            return _image(data, IMAGE_FORMATS[content_type])
        if content_type in OOXML or content_type in ODF:
            return _package(data)
    except CannotAnonymise:
        raise
    except Exception as exc:  # a damaged or disguised file: never sent as it is
        raise CannotAnonymise(str(exc)) from exc
    raise CannotAnonymise(content_type)


def _pdf(data: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Info" in pdf.trailer:
            del pdf.trailer["/Info"]
        for obj in pdf.objects:  # the catalogue's XMP, and any a page, image or font carries
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                for key in ("/Metadata", "/PieceInfo"):
                    if key in obj:
                        del obj[key]
        out = io.BytesIO()
        # Rewritten whole: earlier revisions (incremental updates) with their own metadata are dropped.
        pdf.save(out, fix_metadata_version=False, deterministic_id=True)
    return out.getvalue()


def _image(data: bytes, image_format: str) -> bytes:
    with Image.open(io.BytesIO(data)) as original:
        frames = getattr(original, "n_frames", 1)
        image: Image.Image
        if frames > 1:
            image = original
            image.load()
        else:
            image = ImageOps.exif_transpose(original)  # the orientation survives, the EXIF does not
        image.info = {key: value for key, value in image.info.items()
                      if key in ("transparency", "duration", "loop", "icc_profile")}
        out = io.BytesIO()
        options: dict = {"exif": b""}
        if image_format == "JPEG":
            options["quality"] = 95
        if frames > 1:
            options["save_all"] = True
        image.save(out, format=image_format, **options)
    return out.getvalue()


def _package(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = _EMPTY_PARTS.get(item.filename) or source.read(item.filename)
            info = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            # ODF wants its `mimetype` entry first and stored; the rest is compressed.
            info.compress_type = zipfile.ZIP_STORED if item.filename == "mimetype" else zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()
