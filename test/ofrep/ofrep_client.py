#!/usr/bin/env python3
"""A service in another language asking Dials for flags over OFREP, with the standard library only.

    python3 ofrep_client.py BASE_URL API_KEY < cases.json

cases.json: {"single": [{"flag", "default", "context"}], "bulk": [context, ...]}. Prints one JSON
document: each single evaluation as the service would use it, and for each bulk context the answer,
its ETag, and the status of asking again with If-None-Match.
"""
import json
import sys
import urllib.error
import urllib.parse
import urllib.request


class Ofrep:
    def __init__(self, base_url, api_key):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key

    def _post(self, path, body, headers=None):
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-API-Key": self.api_key, **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.headers, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:  # 304, 400, 401, 404: the answer is in the error
            text = error.read()
            return error.code, error.headers, json.loads(text) if text else None

    def evaluate(self, flag, default, context):
        """One flag for one context: the value to use, and why (OFREP's single-flag endpoint)."""
        path = "/ofrep/v1/evaluate/flags/" + urllib.parse.quote(flag, safe="/")
        status, _, body = self._post(path, {"context": context})
        if status == 200:
            # No "value": the flag defers to the caller's default (OFREP's codeDefaultFlag).
            return {"status": status, "value": body.get("value", default), "variant": body.get("variant"),
                    "reason": body["reason"], "errorCode": None, "metadata": body.get("metadata", {})}
        return {"status": status, "value": default, "variant": None, "reason": "ERROR",
                "errorCode": body.get("errorCode"), "metadata": body.get("metadata", {})}

    def bulk(self, context, etag=None):
        """Every flag for one context; with the last ETag, a 304 says nothing changed."""
        status, headers, body = self._post("/ofrep/v1/evaluate/flags", {"context": context},
                                           {"If-None-Match": etag} if etag else None)
        return status, headers.get("ETag"), body


def main():
    base_url, api_key = sys.argv[1], sys.argv[2]
    cases = json.load(sys.stdin)
    client = Ofrep(base_url, api_key)
    single = [dict(client.evaluate(c["flag"], c["default"], c["context"]), flag=c["flag"], context=c["context"])
              for c in cases["single"]]
    bulk = []
    for context in cases["bulk"]:
        status, etag, body = client.bulk(context)
        again, again_etag, again_body = client.bulk(context, etag)
        bulk.append({"status": status, "etag": etag, "flags": body["flags"], "metadata": body.get("metadata"),
                     "again": again, "againEtag": again_etag, "againBody": again_body})
    json.dump({"single": single, "bulk": bulk}, sys.stdout)


if __name__ == "__main__":
    main()
