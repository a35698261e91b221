"""Zip files built byte by byte, so that each can lie in exactly one way (a size, a checksum,
a flag, a compression method, a stream) that ``zipfile`` would never write."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from .conftest import PDF_MANIFEST, PDF_SOURCE, png, toml

STORED, DEFLATED = 0, 8


@dataclass
class Entry:
    name: str
    data: bytes  # what is written as the entry's (compressed) data
    method: int = STORED
    crc: int | None = None  # default: the CRC-32 of ``plain``
    size: int | None = None  # the declared uncompressed size; default: len(plain)
    flags: int = 0
    plain: bytes | None = None  # the uncompressed bytes (default: ``data``)

    @classmethod
    def deflated(cls, name: str, plain: bytes, **lies) -> Entry:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate, as in zips
        data = packer.compress(plain) + packer.flush()
        return cls(name, data, method=DEFLATED, plain=plain, **lies)


def build_zip(entries: list[Entry]) -> bytes:
    """Local headers, data, the central directory and its end record (no data descriptors)."""
    body, central = b"", b""
    for entry in entries:
        name = entry.name.encode()
        plain = entry.data if entry.plain is None else entry.plain
        crc = zlib.crc32(plain) if entry.crc is None else entry.crc
        size = len(plain) if entry.size is None else entry.size
        common = struct.pack(
            "<HHHHHIII",
            20,  # version needed
            entry.flags,
            entry.method,
            0,  # time
            0x21,  # date: 1980-01-01
            crc,
            len(entry.data),
            size,
        )
        offset = len(body)
        body += b"PK\x03\x04" + common + struct.pack("<HH", len(name), 0) + name + entry.data
        central += (
            b"PK\x01\x02"
            + struct.pack("<H", 20)  # version made by
            + common
            + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0o100644 << 16, offset)
            + name
        )
    end = b"PK\x05\x06" + struct.pack(
        "<HHHHIIH", 0, 0, len(entries), len(entries), len(central), len(body), 0
    )
    return body + central + end


# --- a template's zip, with one entry that lies in each way --------------------------------

MANIFEST = toml(PDF_MANIFEST)
HTML = PDF_SOURCE.encode()
BROKEN = {
    "declared size lies": (
        Entry("flyer.html", HTML, size=len(HTML) - 7),
        "its checksum (CRC-32) does not match its data",
    ),
    "checksum lies": (
        Entry("flyer.html", HTML, crc=0xDEADBEEF),
        "its checksum (CRC-32) does not match its data",
    ),
    "deflated size lies": (
        Entry.deflated("flyer.html", HTML, size=len(HTML) + 100),
        f"the zip entry declares {len(HTML) + 100} bytes but holds {len(HTML)}",
    ),
    "encrypted": (
        Entry("flyer.html", HTML, flags=0x1),
        "the entry is encrypted; zip the template without a password",
    ),
    "compression method 99": (
        Entry("flyer.html", HTML, method=99),
        "compression method 99 is not supported",
    ),
    "corrupt deflate stream": (
        Entry("flyer.html", b"\xff\xfe\xfd not deflate" * 4, method=DEFLATED, plain=HTML),
        "the zip entry cannot be read: error: Error -3 while decompressing data",
    ),
    "deflate stream cut short": (
        Entry(
            "flyer.html",
            Entry.deflated("flyer.html", HTML * 20).data[:40],
            method=DEFLATED,
            plain=HTML * 20,
        ),
        "the zip entry cannot be read",
    ),
}


def lying_zip(*replacing: Entry) -> bytes:
    """A valid template zip, but for the entries REPLACING."""
    entries = {
        "template.toml": Entry.deflated("template.toml", MANIFEST),
        "flyer.html": Entry.deflated("flyer.html", HTML),
        "images/dot.png": Entry("images/dot.png", png()),
    }
    for entry in replacing:
        entries[entry.name] = entry
    return build_zip(list(entries.values()))
