"""JSON for every API response (the JSON API's and the FHIR server's)."""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder


class HtmlSafeJSONEncoder(DjangoJSONEncoder):
    """JSON with <, > and & written as \\u escapes: the same data for every JSON reader, and no
    markup in the bytes, should a client or proxy ever show a response (or an echoed bad value) as HTML."""

    def encode(self, o) -> str:
        return super().encode(o).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
