"""The OpenAPI document (/api/v1/openapi.json) and a readable page made from it (no script needed)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template

from mobility.api.spec import document
from mobility.core.access import public

bp = Blueprint("api_docs", __name__, template_folder="templates")
METHODS = ("get", "post", "put", "patch", "delete")


@bp.get("/api/v1/openapi.json")
@public
def openapi_json():
    return jsonify(document(current_app))


def _type(schema: dict) -> str:
    """A short readable type: "integer", "string (date)", "array of Call", "Payment" …"""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "allOf" in schema:
        return " & ".join(_type(s) for s in schema["allOf"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = (kinds[0] if kinds else "null") + (" | null" if "null" in kind else "")
    if schema.get("type") == "array" or kind == "array":
        return "array of " + _type(schema.get("items", {}))
    if "format" in schema:
        kind += f" ({schema['format']})"
    if "enum" in schema:
        kind += ": " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    return kind


def operations(spec: dict) -> list[dict]:
    found = []
    for path, item in sorted(spec.get("paths", {}).items()):
        common = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            responses = []
            for code, response in op.get("responses", {}).items():
                if "$ref" in response:
                    responses.append((code, "problem details"))
                    continue
                content = response.get("content", {})
                schema = next(iter(content.values())).get("schema") if content else None
                responses.append((code, _type(schema) if schema else response.get("description", "")))
            found.append({
                "method": method.upper(), "path": path, "summary": op.get("summary", ""),
                "description": op.get("description", ""), "tag": (op.get("tags") or [""])[0],
                "scope": op.get("x-token-scope"),
                "parameters": [(p["name"], p["in"], p.get("required", False),
                                " — ".join(filter(None, [_type(p.get("schema", {})), p.get("description")])))
                               for p in [*common, *op.get("parameters", [])]],
                "body": _type(body) if body else None,
                "responses": sorted(responses, key=lambda r: (str(r[0]) == "default", str(r[0]))),
            })
    return found


def schemas(spec: dict) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    result = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        result.append((name, [(field, _type(s), field in required)
                              for field, s in schema.get("properties", {}).items()]))
    return result


@bp.get("/developers/api")
@public
def page():
    spec = document(current_app)
    return render_template("api/docs.html", spec=spec, operations=operations(spec), schemas=schemas(spec))
