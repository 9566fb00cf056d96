import json
import urllib.error
import urllib.request


def flag(name, default, context, base_url="http://localhost:8016", api_key=""):
    """One flag for one context over OFREP; the default on any error (a missing flag, a broken one)."""
    request = urllib.request.Request(
        f"{base_url}/ofrep/v1/evaluate/flags/{name}",
        data=json.dumps({"context": context}).encode(),
        headers={"Content-Type": "application/json", "X-API-Key": api_key},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response).get("value", default)  # no value: the flag defers to the default
    except urllib.error.HTTPError:  # 404 FLAG_NOT_FOUND, 400 PARSE_ERROR, 401 without a valid key
        return default


if __name__ == "__main__":
    import sys

    print(json.dumps(flag("new-checkout", False, {"targetingKey": "user-1", "email": "ann@example.com"}, *sys.argv[1:3])))
