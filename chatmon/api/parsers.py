"""The API's only parser: chatmon's JSON body reader (chatmon.core.jsonbody) under DRF's parser interface."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.parsers import BaseParser

from chatmon.api import conf, errors
from chatmon.core import jsonbody


class JsonBodyParser(BaseParser):
    """Strict JSON within API_MAX_BODY_BYTES: 413 when larger, 400 for bytes that are not UTF-8, text that is
    not JSON, nesting past CHATMON_JSON_MAX_DEPTH or a lone surrogate, with the same message as every other
    endpoint. DRF's JSONParser let deep nesting raise RecursionError (a 500) and kept lone surrogates."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return jsonbody.read_stream(stream, max_bytes=conf.max_body_bytes())
        except jsonbody.BodyError as exc:
            if exc.status == 413:
                raise errors.PayloadTooLarge(exc.message) from exc
            raise exceptions.ParseError(exc.message) from exc
