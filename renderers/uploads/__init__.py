"""Images that people upload (logos, pictures), checked by their content and turned into
what is kept of them: the format sniffed from the bytes, rasters decoded within a pixel limit,
SVG sanitized and drawn, images trimmed, fitted and encoded, their dominant colours.

Every refusal is an ``ImageRejected`` whose message is meant for the uploader as it is.
The limits themselves (bytes, pixels, sizes to keep) are the caller's to choose.
"""
