#!/usr/bin/env python3
"""Writes docs/settings.md's key table from settings/schema.yaml: run it after editing the schema.

    python3 settings/generate_docs.py           rewrites the table between the two markers
    python3 settings/generate_docs.py --check   exits 1, naming this command, when the committed file differs

Needs PyYAML (Debian python3-yaml). The rest of docs/settings.md is prose and edited by hand."""

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "settings" / "schema.yaml"
DOC = ROOT / "docs" / "settings.md"
BEGIN = "<!-- BEGIN generated from settings/schema.yaml by python3 settings/generate_docs.py: edit the schema -->"
END = "<!-- END generated -->"
REGENERATE = "python3 settings/generate_docs.py"


def load_schema(path: Path = SCHEMA) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def env_variable(schema: dict, key: str) -> str:
    """The one variable that sets a key (<NAME> for a section's chosen name); keys of list items have none (set
    the whole list as JSON)."""
    if "[]" in key:
        return ""
    return schema["env_prefix"] + key.upper().replace(".", schema["env_separator"]).replace("*", "<NAME>")


def shown(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    return str(value)


def accepted(entry: dict) -> str:
    kind, low_high = entry["type"], entry.get("range")
    if kind == "boolean":
        return "`true`, `false`"
    if kind in ("integer", "milliseconds"):
        return f"{low_high[0]}..{low_high[1]}" + (" ms" if kind == "milliseconds" else "")
    if kind == "seconds":
        return f"{low_high[0]}..{low_high[1]} s"
    if kind == "percent":
        return f"above {low_high[0]}, at most {low_high[1]}"
    if kind == "enum":
        return ", ".join(f"`{v}`" for v in entry["values"])
    return {"string": "text", "optional_string": "text or null", "secret": "text or null (secret)",
            "path": "file path or null", "host_ports": "list of `host:port`", "mappings": "list of entries",
            "sections": "named entries", "names": "`name: text` entries"}[kind]


def table(schema: dict) -> str:
    rows = ["| Key | Default | Values | Environment variable | Meaning |", "| --- | --- | --- | --- | --- |"]
    for entry in schema["keys"]:
        default = entry["default"]
        default = "required" if default == "required" else f"`{shown(default)}`"
        variable = env_variable(schema, entry["key"])
        doc = entry["doc"]
        if entry["type"] == "secret":
            doc += " A secret: never printed."
        if "python" not in entry:
            doc += " Java agent only."
        rows.append(f"| `{entry['key']}` | {default} | {accepted(entry)} | {f'`{variable}`' if variable else '-'} | {doc} |")
    return "\n".join(rows)


def generated(doc_text: str, schema: dict) -> str:
    start, end = doc_text.find(BEGIN), doc_text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{DOC}: the markers {BEGIN!r} and {END!r} are missing")
    return doc_text[:start + len(BEGIN)] + "\n" + table(schema) + "\n" + doc_text[end:]


def main(argv) -> int:
    current = DOC.read_text(encoding="utf-8")
    wanted = generated(current, load_schema())
    if "--check" in argv:
        if current != wanted:
            print(f"{DOC.relative_to(ROOT)} differs from {SCHEMA.relative_to(ROOT)}; run: {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
