#!/usr/bin/env python3
"""Checks JSON documents against a JSON Schema, for the subset of Draft 2020-12 that
docs/plan.schema.json uses (python3's standard library has no validator).

  usage: schema_check.py SCHEMA FILE...     prints "FILE: ok", or each problem as
                                            "FILE: PATH: message"; exit 1 when any is invalid

Keywords understood: $schema, $id, $defs, $ref (to "#/$defs/NAME"), $comment, title,
description, type (a name or a list), enum, const, properties, required,
additionalProperties (true, false or a schema), patternProperties, minProperties,
maxProperties, items, minItems, maxItems, uniqueItems, minLength, pattern, minimum, maximum,
exclusiveMinimum, exclusiveMaximum, allOf, anyOf, oneOf, not. A schema that uses any other
keyword is refused (exit 2) rather than half checked. As the draft says, an integer is a
number without a fraction (1.0 is an integer), booleans are not numbers, and const/enum
compare 1 and 1.0 as equal but never true and 1.
"""
import json
import math
import re
import sys

KNOWN = {"$schema", "$id", "$defs", "$ref", "$comment", "title", "description", "type", "enum", "const",
         "properties", "required", "additionalProperties", "patternProperties", "minProperties",
         "maxProperties", "items", "minItems", "maxItems", "uniqueItems", "minLength", "pattern", "minimum",
         "maximum", "exclusiveMinimum", "exclusiveMaximum", "allOf", "anyOf", "oneOf", "not"}
TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}


class SchemaError(Exception):
    pass


def check_schema(s, where="#"):
    """Refuses a schema with a keyword this checker does not know."""
    if isinstance(s, bool):
        return
    if not isinstance(s, dict):
        raise SchemaError("%s: a schema must be an object or a boolean" % where)
    for k, v in s.items():
        if k not in KNOWN:
            raise SchemaError("%s: keyword '%s' is not supported by this checker" % (where, k))
        if k == "type":
            for t in (v if isinstance(v, list) else [v]):
                if t not in TYPES:
                    raise SchemaError("%s: unknown type '%s'" % (where, t))
        if k in ("properties", "patternProperties", "$defs"):
            for name, sub in v.items():
                check_schema(sub, "%s/%s/%s" % (where, k, name))
        elif k in ("additionalProperties", "items", "not"):
            check_schema(v, "%s/%s" % (where, k))
        elif k in ("allOf", "anyOf", "oneOf"):
            for i, sub in enumerate(v):
                check_schema(sub, "%s/%s/%d" % (where, k, i))
        elif k == "$ref" and not v.startswith("#/$defs/"):
            raise SchemaError("%s: only local references to #/$defs/ are supported" % where)
        elif k == "pattern":
            re.compile(v)


def type_of(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "integer" if math.isfinite(v) and v == int(v) else "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def has_type(v, t):
    k = type_of(v)
    return k == t or (t == "number" and k == "integer")


def equal(a, b):
    """JSON equality: 1 == 1.0, but true != 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return type(a) == type(b) and a == b


def closest(results, path):
    """The problems of the schema that came closest, which say the most: one that took the value's
    type (its problems lie deeper than path), then the one with the fewest problems; at most 3."""
    return min(results, key=lambda r: (any(p == path for p, _ in r), len(r)))[:3]


def short(v):
    t = json.dumps(v)
    return t if len(t) <= 60 else t[:57] + "..."


class Checker:
    def __init__(self, root):
        self.root = root

    def resolve(self, ref):
        s = self.root
        for part in ref[2:].split("/"):
            s = s[part]
        return s

    def check(self, s, v, path, errs):
        """Appends (path, message) for each problem of v against s."""
        if s is True:
            return
        if s is False:
            errs.append((path, "no value is allowed here"))
            return
        if "$ref" in s:
            self.check(self.resolve(s["$ref"]), v, path, errs)
        if "type" in s:
            ts = s["type"] if isinstance(s["type"], list) else [s["type"]]
            if not any(has_type(v, t) for t in ts):
                errs.append((path, "must be %s, not %s" % (" or ".join(ts), type_of(v))))
                return
        if "const" in s and not equal(v, s["const"]):
            errs.append((path, "must be %s, not %s" % (short(s["const"]), short(v))))
        if "enum" in s and not any(equal(v, e) for e in s["enum"]):
            errs.append((path, "must be one of %s, not %s" % (short(s["enum"]), short(v))))
        if isinstance(v, str):
            if "minLength" in s and len(v) < s["minLength"]:
                errs.append((path, "must have at least %d characters" % s["minLength"]))
            if "pattern" in s and not re.search(s["pattern"], v):
                errs.append((path, "%s does not match %s" % (short(v), s["pattern"])))
        if type_of(v) in ("integer", "number"):
            if "minimum" in s and v < s["minimum"]:
                errs.append((path, "must be at least %s" % s["minimum"]))
            if "maximum" in s and v > s["maximum"]:
                errs.append((path, "must be at most %s" % s["maximum"]))
            if "exclusiveMinimum" in s and v <= s["exclusiveMinimum"]:
                errs.append((path, "must be more than %s" % s["exclusiveMinimum"]))
            if "exclusiveMaximum" in s and v >= s["exclusiveMaximum"]:
                errs.append((path, "must be less than %s" % s["exclusiveMaximum"]))
        if isinstance(v, dict):
            self.check_object(s, v, path, errs)
        if isinstance(v, list):
            if "minItems" in s and len(v) < s["minItems"]:
                errs.append((path, "must have at least %d items" % s["minItems"]))
            if "maxItems" in s and len(v) > s["maxItems"]:
                errs.append((path, "must have at most %d items" % s["maxItems"]))
            if s.get("uniqueItems"):
                for i in range(len(v)):
                    if any(equal(v[i], v[j]) for j in range(i)):
                        errs.append(("%s[%d]" % (path, i), "repeats an earlier item"))
            if "items" in s:
                for i, x in enumerate(v):
                    self.check(s["items"], x, "%s[%d]" % (path, i), errs)
        for sub in s.get("allOf", []):
            self.check(sub, v, path, errs)
        if "anyOf" in s:
            results = [self.run(sub, v, path) for sub in s["anyOf"]]
            if all(results):
                errs.extend(closest(results, path))
                errs.append((path, "matches none of anyOf's %d schemas" % len(results)))
        if "oneOf" in s:
            results = [self.run(sub, v, path) for sub in s["oneOf"]]
            n = sum(1 for r in results if not r)
            if n != 1:
                if n == 0:
                    errs.extend(closest(results, path))
                errs.append((path, "matches %d of oneOf's %d schemas, not exactly one" % (n, len(results))))
        if "not" in s and not self.run(s["not"], v, path):
            errs.append((path, "matches the schema it must not match"))

    def check_object(self, s, v, path, errs):
        for k in s.get("required", []):
            if k not in v:
                errs.append((path, "missing key '%s'" % k))
        if "minProperties" in s and len(v) < s["minProperties"]:
            errs.append((path, "must have at least %d keys" % s["minProperties"]))
        if "maxProperties" in s and len(v) > s["maxProperties"]:
            errs.append((path, "must have at most %d keys" % s["maxProperties"]))
        props = s.get("properties", {})
        pats = s.get("patternProperties", {})
        for k, x in v.items():
            sub = "%s.%s" % (path, k) if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", k) else "%s[%s]" % (path, json.dumps(k))
            matched = False
            if k in props:
                matched = True
                self.check(props[k], x, sub, errs)
            for p, ps in pats.items():
                if re.search(p, k):
                    matched = True
                    self.check(ps, x, sub, errs)
            if not matched and "additionalProperties" in s:
                if s["additionalProperties"] is False:
                    errs.append((sub, "unknown key"))
                else:
                    self.check(s["additionalProperties"], x, sub, errs)

    def run(self, s, v, path):
        errs = []
        self.check(s, v, path, errs)
        return errs


def main():
    if len(sys.argv) < 3:
        sys.stderr.write("usage: schema_check.py SCHEMA FILE...\n")
        return 2
    try:
        schema = json.load(open(sys.argv[1]))
        check_schema(schema)
    except (OSError, ValueError, SchemaError) as e:
        sys.stderr.write("%s: %s\n" % (sys.argv[1], e))
        return 2
    c = Checker(schema)
    bad = 0
    for f in sys.argv[2:]:
        try:
            doc = json.load(open(f), parse_constant=lambda x: sys.exit("%s: %s is not JSON" % (f, x)))
        except (OSError, ValueError) as e:
            print("%s: %s" % (f, e))
            bad += 1
            continue
        errs = c.run(schema, doc, "$")
        if errs:
            bad += 1
            for p, m in errs[:20]:
                print("%s: %s: %s" % (f, p, m))
            if len(errs) > 20:
                print("%s: ... and %d more" % (f, len(errs) - 20))
        else:
            print("%s: ok" % f)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
