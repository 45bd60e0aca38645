#!/usr/bin/env python3
"""The spec's JSON Schema (docs/scaleplan.schema.json) against the loader.

  usage: schema_check.py YAML2JSON SRCDIR [BIN]

YAML2JSON is the test tool built from tests/yaml2json.c: it converts a YAML file
to JSON as the YAML language server reads it (YAML 1.2 core schema), and with
--load runs the spec loader alone. BIN (optional) is scaleplan, for the starter
spec of 'scaleplan init'. Four checks, each counted:

 1. the schema itself: every keyword is one this validator knows (so none is
    silently skipped) and every pattern compiles;
 2. every example (each file of a folder on its own) and every golden spec
    (tests/golden/*.yaml) and the starter spec are valid against the schema,
    and the loader accepts them;
 3. the bad corpus (tests/bad/*.yaml, each refused by 'scaleplan validate',
    which tests/corpus.sh checks): the schema refuses every case listed in
    SCHEMA_REFUSES; accepts every case of NOT_EXPRESSIBLE, where the error is
    one a schema cannot state (the reason is given); and the converter refuses
    every case of NOT_JSON (bytes or YAML with no JSON form). Every case is in
    exactly one list, so a new case must be placed;
 4. the loader's key tables (the arrays of allowed keys passed to sp_ld_keys in
    model/load*.c) and the schema's closed objects (additionalProperties false)
    are the same sets of keys: a key in one and not the other fails;
 5. probes: each number and boolean of the single-file examples (once per key
    path) is replaced in turn by values around the loader's bounds (PROBES: -1,
    0, 0.5, 1, 1.5, 24.5, 99, 100, 101, 1000001, a string, a boolean) and by
    every bound the schema states and one either side, and the schema and the
    loader must give the same verdict on each spec, unless the loader's error
    is one of CROSS_FIELD (a comparison of two values, which a schema cannot
    state).

Python's standard library has no JSON Schema validator: validate() below is
draft-07 for the keywords the schema uses.
"""
import json
import os
import re
import subprocess
import sys

# ---- the bad corpus, by what the schema can say about it --------------------

SCHEMA_REFUSES = {
    # a value out of range, of the wrong type or not in an enum; an unknown or
    # missing key; a key of another model, kind or backend
    "availability-range", "bad-month", "bool-wrong", "budget-negative", "cache-hit-rate-one", "class-unknown",
    "currency-bad", "datastore-missing", "driver-bad-season", "driver-both-growths",
    "driver-growth-below-minus-one", "driver-key-for-other-model", "driver-model-unknown", "egress-negative",
    "gpu-goodput-range", "gpu-kind-typo", "gpu-missing-keys", "gpu-tier-term", "gpu-wrong-kind-keys", "hit-rate-percent",
    "invalid-name", "many-errors", "max-deletes-bad", "missing-work", "month-13", "months-fraction",
    "months-out-of-range", "negative-rate", "percent-in-value", "provider-rest-secret-header",
    "provider-unknown", "quantile-as-percent", "quantile-zero", "quoted-number", "region-share-range",
    "sharding-missing-max", "state-etcd-bad-endpoint", "state-etcd-no-endpoints", "state-http-bad",
    "state-local-etcd-key", "top-is-list", "top-is-scalar", "typo-did-you-mean", "unit-in-value",
    "unknown-service-key", "unknown-top-key", "utilization-range", "wrong-type-map",
    "wrong-type-string-number", "wrong-version",
    # scaling.balancing not one of its enum's values
    "balancing-unknown",
    # the file also has an error of the first kind: scaleplan: 2 (after the BOM)
    "utf8-bom-error",
    # the loader stops at the depth (64 levels); the schema sees a list where 'scaleplan: 1' belongs
    "yaml-deep-nesting",
}

NOT_EXPRESSIBLE = {
    # a spec may be split over the files of a folder: a file need not hold every section
    "missing-horizon": "a required section may be in another file of a split spec",
    "missing-regions": "a required section may be in another file of a split spec",
    "missing-version": "a required section may be in another file of a split spec",
    # references by name, resolved once every name is known
    "undefined-cache": "a reference to a name defined elsewhere in the spec",
    "undefined-call-target": "a reference to a name defined elsewhere in the spec",
    "undefined-driver": "a reference to a name defined elsewhere in the spec",
    "call-to-queue": "which keys a call takes depends on the kind of its target, found by name",
    "datastore-call-per-request": "which keys a call takes depends on the kind of its target, found by name",
    "service-call-reads": "which keys a call takes depends on the kind of its target, found by name",
    "gpu-call-training": "which keys a call takes depends on the kind of its target, found by name",
    "queue-worker-is-cache": "a queue's worker must name a service: a reference by name",
    "duplicate-name-across-kinds": "one namespace over services, caches, datastores, queues and GPU workloads",
    "duplicate-region": "names unique among list items (uniqueItems compares whole items)",
    # the dependency graph
    "cycle": "a cycle of calls and queues, found in the dependency graph",
    "queue-cycle": "a cycle of calls and queues, found in the dependency graph",
    "self-call": "a cycle of calls and queues, found in the dependency graph",
    # comparisons between two values (draft-07 has no $data)
    "max-below-min": "max compared with min",
    "driver-logistic-ceiling": "ceiling compared with start",
    "driver-uncertainty-order": "p10 compared with p90",
    "driver-piecewise-order": "months compared from one list item to the next",
    "slo-at-floor": "the latency floor computed from cpu_ms_per_request and the quantile",
    "unreachable-slo": "the latency floor computed from cpu_ms_per_request and the quantile",
    # the price catalog the spec names
    "currency-catalog": "the currency of the price catalog, a separate file",
    "instance-unknown": "the instance types of the price catalog, a separate file",
    # bytes: the schema sees values, not the file's encoding
    "utf16-be-bom": "the encoding of the file (YAML parsers read UTF-16; the loader reads UTF-8 only)",
    "utf16-le-bom": "the encoding of the file (YAML parsers read UTF-16; the loader reads UTF-8 only)",
}

NOT_JSON = {
    "binary-garbage": "control bytes: not YAML",
    "empty-file": "no document",
    "only-comments": "no document",
    "invalid-utf8": "invalid UTF-8: not YAML",
    "nul-byte": "a NUL byte: not YAML",
    "utf8-bad-start-byte": "invalid UTF-8: not YAML",
    "utf8-overlong": "invalid UTF-8: not YAML",
    "utf8-stray-continuation": "invalid UTF-8: not YAML",
    "utf8-surrogate": "invalid UTF-8: not YAML",
    "utf8-truncated": "invalid UTF-8: not YAML",
    "utf8-truncated-line-end": "invalid UTF-8: not YAML",
    "utf16-be-no-bom": "UTF-16 without a byte-order mark: NUL bytes",
    "utf16-le-no-bom": "UTF-16 without a byte-order mark: NUL bytes",
    "utf32-le-bom": "UTF-32, which the YAML parser does not read",
    "yaml-alias": "an alias (the loader refuses them; the language server would expand it)",
    "yaml-bad-indent": "invalid YAML",
    "yaml-tab-indent": "invalid YAML",
    "yaml-unclosed-flow": "invalid YAML",
    "yaml-two-documents": "two documents in one file",
    "yaml-duplicate-key": "a key twice in one mapping (JSON keeps one)",
    "yaml-nonscalar-key": "a mapping key that is a list",
    "setting-twice": "a section set twice in one file: a duplicate key",
}

# probes the loader refuses with one of these, and the schema accepts: rules
# between two values of the spec
CROSS_FIELD = [
    "is below 'min'",                       # scaling max < min
    "must be above 'start'",                # a logistic ceiling
    "must not exceed 'p90'",                # uncertainty p10 > p90
    "is unreachable",                       # a latency target under the floor
    "must not be below 'retry_wait_min_s'",
    "cannot be reached: ",                  # peak_to_average against the profile's peak hours
]
PROBES = [-1, 0, 0.5, 1, 1.5, 24.5, 99, 100, 101, 1000001, "x", True]
BOOL_PROBES = [False, True, "yes", 1]

# ---- a draft-07 validator for the keywords the schema uses -------------------

ANNOTATIONS = {"$schema", "$comment", "title", "description", "default", "definitions", "examples"}
ASSERTIONS = {
    "$ref", "type", "enum", "const", "properties", "required", "additionalProperties", "patternProperties",
    "propertyNames", "items", "minItems", "maxItems", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "minLength", "pattern", "allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependencies",
}


def type_ok(v, t):
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "string":
        return isinstance(v, str)
    if t == "boolean":
        return isinstance(v, bool)
    if t == "null":
        return v is None
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "integer":
        return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())
    raise ValueError("unknown type %r" % t)


def equal(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


class Validator:
    def __init__(self, root):
        self.root = root

    def resolve(self, ref):
        if not ref.startswith("#/"):
            raise ValueError("only local references are supported: %s" % ref)
        node = self.root
        for part in ref[2:].split("/"):
            node = node[part]
        return node

    def errors(self, v, s, path="$"):
        """Every error of value v against schema s, as 'path: message'."""
        if s is True:
            return []
        if s is False:
            return ["%s: not allowed here" % path]
        out = []
        if "$ref" in s:
            return self.errors(v, self.resolve(s["$ref"]), path)
        t = s.get("type")
        if t is not None:
            ts = t if isinstance(t, list) else [t]
            if not any(type_ok(v, x) for x in ts):
                return ["%s: %s is not of type %s" % (path, json.dumps(v), "/".join(ts))]
        if "enum" in s and not any(equal(v, e) for e in s["enum"]):
            out.append("%s: %s is not one of %s" % (path, json.dumps(v), s["enum"]))
        if "const" in s and not equal(v, s["const"]):
            out.append("%s: %s is not %s" % (path, json.dumps(v), json.dumps(s["const"])))
        if type_ok(v, "number"):
            if "minimum" in s and v < s["minimum"]:
                out.append("%s: %s is below %s" % (path, v, s["minimum"]))
            if "maximum" in s and v > s["maximum"]:
                out.append("%s: %s is above %s" % (path, v, s["maximum"]))
            if "exclusiveMinimum" in s and v <= s["exclusiveMinimum"]:
                out.append("%s: %s is not above %s" % (path, v, s["exclusiveMinimum"]))
            if "exclusiveMaximum" in s and v >= s["exclusiveMaximum"]:
                out.append("%s: %s is not below %s" % (path, v, s["exclusiveMaximum"]))
        if isinstance(v, str):
            if "minLength" in s and len(v) < s["minLength"]:
                out.append("%s: %s is too short" % (path, json.dumps(v)))
            if "pattern" in s and not re.search(s["pattern"], v):
                out.append("%s: %s does not match %s" % (path, json.dumps(v), s["pattern"]))
        if isinstance(v, list):
            if "minItems" in s and len(v) < s["minItems"]:
                out.append("%s: fewer than %d items" % (path, s["minItems"]))
            if "maxItems" in s and len(v) > s["maxItems"]:
                out.append("%s: more than %d items" % (path, s["maxItems"]))
            if "items" in s:
                for i, x in enumerate(v):
                    out += self.errors(x, s["items"], "%s[%d]" % (path, i))
        if isinstance(v, dict):
            props = s.get("properties", {})
            pats = s.get("patternProperties", {})
            for k in s.get("required", []):
                if k not in v:
                    out.append("%s: missing required key '%s'" % (path, k))
            for k, x in v.items():
                sub = "%s.%s" % (path, k)
                if "propertyNames" in s:
                    out += self.errors(k, s["propertyNames"], "%s (key)" % sub)
                matched = False
                if k in props:
                    matched = True
                    out += self.errors(x, props[k], sub)
                for p, ps in pats.items():
                    if re.search(p, k):
                        matched = True
                        out += self.errors(x, ps, sub)
                if not matched and "additionalProperties" in s:
                    ap = s["additionalProperties"]
                    if ap is False:
                        out.append("%s: unknown key '%s'" % (path, k))
                    else:
                        out += self.errors(x, ap, sub)
            for k, dep in s.get("dependencies", {}).items():
                if k not in v:
                    continue
                if isinstance(dep, list):
                    for d in dep:
                        if d not in v:
                            out.append("%s: '%s' needs '%s'" % (path, k, d))
                else:
                    out += self.errors(v, dep, path)
        for sub in s.get("allOf", []):
            out += self.errors(v, sub, path)
        if "anyOf" in s and not any(not self.errors(v, x, path) for x in s["anyOf"]):
            out.append("%s: matches none of anyOf" % path)
        if "oneOf" in s:
            n = sum(1 for x in s["oneOf"] if not self.errors(v, x, path))
            if n != 1:
                out.append("%s: matches %d of oneOf, not exactly 1" % (path, n))
        if "not" in s and not self.errors(v, s["not"], path):
            out.append("%s: matches a schema it must not" % path)
        if "if" in s:
            if not self.errors(v, s["if"], path):
                if "then" in s:
                    out += self.errors(v, s["then"], path)
            elif "else" in s:
                out += self.errors(v, s["else"], path)
        return out


def schema_problems(s, path="#"):
    """Keywords this validator does not know, and patterns that do not compile."""
    out = []
    if isinstance(s, bool):
        return out
    if not isinstance(s, dict):
        return ["%s: a schema must be an object or a boolean" % path]
    for k in s:
        if k not in ANNOTATIONS and k not in ASSERTIONS:
            out.append("%s: unknown keyword '%s'" % (path, k))
    for k in ("pattern",):
        if k in s:
            try:
                re.compile(s[k])
            except re.error as e:
                out.append("%s: bad pattern: %s" % (path, e))
    for k in ("properties", "patternProperties", "definitions"):
        for name, sub in s.get(k, {}).items():
            if k == "patternProperties":
                try:
                    re.compile(name)
                except re.error as e:
                    out.append("%s: bad pattern %s: %s" % (path, name, e))
            out += schema_problems(sub, "%s/%s/%s" % (path, k, name))
    for k in ("additionalProperties", "propertyNames", "items", "not", "if", "then", "else"):
        if k in s and not isinstance(s[k], list):
            out += schema_problems(s[k], "%s/%s" % (path, k))
    for k in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(s.get(k, [])):
            out += schema_problems(sub, "%s/%s/%d" % (path, k, i))
    for name, dep in s.get("dependencies", {}).items():
        if not isinstance(dep, list):
            out += schema_problems(dep, "%s/dependencies/%s" % (path, name))
    return out


def closed_objects(s, path="#", out=None):
    """(path, set of property names) of every object schema with additionalProperties false."""
    if out is None:
        out = []
    if not isinstance(s, dict):
        return out
    if s.get("additionalProperties") is False:
        out.append((path, frozenset(s.get("properties", {}))))
    for k in ("properties", "patternProperties", "definitions"):
        for name, sub in s.get(k, {}).items():
            closed_objects(sub, "%s/%s/%s" % (path, k, name), out)
    for k in ("additionalProperties", "propertyNames", "items", "not", "if", "then", "else"):
        if k in s:
            closed_objects(s[k], "%s/%s" % (path, k), out)
    for k in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(s.get(k, [])):
            closed_objects(sub, "%s/%s/%d" % (path, k, i), out)
    for name, dep in s.get("dependencies", {}).items():
        closed_objects(dep, "%s/dependencies/%s" % (path, name), out)
    return out


# ---- the loader's key tables -------------------------------------------------

ARRAY_RE = re.compile(r"static\s+const\s+char\s*\*\s*const\s+(\w+)\s*\[\s*\]\s*=\s*\{(.*?)\}\s*;", re.S)
DEFINE_RE = re.compile(r"^#define\s+(\w+)\s+((?:.*\\\n)*.*)$", re.M)
USE_RES = [re.compile(r"\bsp_ld_keys\s*\(\s*[^,]+,\s*[^,]+,\s*(\w+)\s*,"),
           re.compile(r"\bopen_component\s*\(\s*[^,]+,\s*[^,]+,\s*[^,]+,\s*[^,]+,\s*(\w+)\s*,")]


def loader_tables(srcdir):
    """(file:line name, set of keys) of every array of allowed keys in model/load*.c."""
    tables = []
    mdir = os.path.join(srcdir, "model")
    for fn in sorted(os.listdir(mdir)):
        if not (fn.startswith("load") and fn.endswith(".c")):
            continue
        text = open(os.path.join(mdir, fn), encoding="utf-8").read()
        macros = {m.group(1): m.group(2).replace("\\\n", " ") for m in DEFINE_RE.finditer(text)}
        used = set()
        for r in USE_RES:
            used |= set(r.findall(text))
        for m in ARRAY_RE.finditer(text):
            if m.group(1) not in used:
                continue
            body = m.group(2)
            for name, val in macros.items():
                body = re.sub(r"\b%s\b" % name, val, body)
            keys = re.findall(r'"([^"]*)"', body)
            line = text.count("\n", 0, m.start()) + 1
            tables.append(("model/%s:%d %s" % (fn, line, m.group(1)), frozenset(keys)))
    return tables


# ---- running --------------------------------------------------------------------

class Counter:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self):
        self.passed += 1

    def bad(self, case, msg):
        self.failed += 1
        print("FAIL schema/%s: %s" % (case, msg))


def to_json(tool, path):
    """(value, None) or (None, the converter's error)."""
    p = subprocess.run([tool, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        return None, p.stderr.decode("utf-8", "replace").strip()
    return json.loads(p.stdout.decode("utf-8")), None


def loads(tool, path):
    p = subprocess.run([tool, "--load", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode == 0, p.stdout.decode("utf-8", "replace")


def leaves(v, path=()):
    """(path, value) of every number and boolean under v."""
    if isinstance(v, dict):
        for k, x in v.items():
            yield from leaves(x, path + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from leaves(x, path + (i,))
    elif isinstance(v, (bool, int, float)):
        yield path, v


NAMED = {"drivers", "services", "caches", "datastores", "queues", "tags", "headers"}


def shape(path):
    """A path with the names of named entries and the list indices left out."""
    out = []
    for i, p in enumerate(path):
        if isinstance(p, int):
            out.append("[]")
        elif i > 0 and path[i - 1] in NAMED:
            out.append("*")
        else:
            out.append(p)
    return ".".join(out)


def replaced(doc, path, value):
    d = json.loads(json.dumps(doc))
    node = d
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return d


def key_bounds(val, schema, path):
    """The bounds the schema states for the value at path, and one either side."""
    node, parent = schema, None
    for p in path:
        while isinstance(node, dict) and "$ref" in node:
            node = val.resolve(node["$ref"])
        if not isinstance(node, dict):
            return set()
        parent = node
        if isinstance(p, int):
            node = node.get("items", {})
        elif p in node.get("properties", {}):
            node = node["properties"][p]
        else:
            node = node.get("additionalProperties", {})
    subs = [node]
    # a rule of one case (a logistic driver's start) sits in the object's allOf
    for rule in (parent or {}).get("allOf", []):
        for k in ("then", "else"):
            x = rule.get(k, {}).get("properties", {}).get(path[-1])
            if isinstance(x, dict):
                subs.append(x)
    out = set()
    for x in subs:
        for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            if k in x:
                out.update((x[k] - 1, x[k], x[k] + 1))
    return out


def probe(tool, val, schema, specs, c):
    import tempfile
    import shutil
    tmp = tempfile.mkdtemp(prefix="sp-probe.")
    try:
        runs = []  # (case, what, file, schema verdict)
        seen = set()
        numbers_of = {}
        for case, f in specs:
            doc, err = to_json(tool, f)
            if err or "null" in json.dumps(doc):
                continue
            for path, v in leaves(doc):
                key = shape(path)
                if key in seen:
                    continue
                seen.add(key)
                if key not in numbers_of:
                    b = sorted(x for x in key_bounds(val, schema, path) if x not in PROBES)
                    numbers_of[key] = PROBES + b
                for pv in (BOOL_PROBES if isinstance(v, bool) else numbers_of[key]):
                    d = replaced(doc, path, pv)
                    fn = os.path.join(tmp, "p%d.yaml" % len(runs))
                    with open(fn, "w", encoding="utf-8") as out:
                        json.dump(d, out)
                    runs.append((case, "%s = %s" % (key, json.dumps(pv)), fn, not val.errors(d, schema)))
        if not runs:
            c.bad("probe", "no spec to probe")
            return
        verdicts = []
        for i in range(0, len(runs), 200):
            p = subprocess.run([tool, "--load-each"] + [r[2] for r in runs[i:i + 200]], stdout=subprocess.PIPE)
            verdicts += p.stdout.decode("utf-8", "replace").splitlines()
        if len(verdicts) != len(runs):
            c.bad("probe", "the loader gave %d verdicts for %d specs" % (len(verdicts), len(runs)))
            return
        bad = 0
        for (case, what, _, schema_ok), v in zip(runs, verdicts):
            loader_ok = v == "ok"
            msg = v.split("\t", 1)[1] if "\t" in v else ""
            if schema_ok == loader_ok or (schema_ok and any(x in msg for x in CROSS_FIELD)):
                continue
            bad += 1
            if bad <= 20:
                c.bad("probe", "%s, %s: the schema %s it, the loader %s" % (
                    case, what, "accepts" if schema_ok else "refuses",
                    "accepts it" if loader_ok else "refuses it: " + msg))
        if bad > 20:
            c.bad("probe", "%d more disagreements" % (bad - 20))
        if not bad:
            c.ok()
        print("schema: %d probes over %d key paths" % (len(runs), len(seen)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    if len(sys.argv) not in (3, 4):
        sys.stderr.write("usage: schema_check.py YAML2JSON SRCDIR [BIN]\n")
        return 2
    tool, src = sys.argv[1], sys.argv[2]
    binary = sys.argv[3] if len(sys.argv) == 4 else None
    c = Counter()
    schema = json.load(open(os.path.join(src, "docs", "scaleplan.schema.json"), encoding="utf-8"))
    val = Validator(schema)

    # 1. the schema itself
    probs = schema_problems(schema)
    if schema.get("$schema") != "http://json-schema.org/draft-07/schema#":
        probs.append("$schema is not draft-07")
    if probs:
        for p in probs:
            c.bad("self", p)
    else:
        c.ok()

    # 2. good specs: valid against the schema, and loaded
    good = []  # (case, file or folder for the loader, files for the schema)
    ex = os.path.join(src, "examples")
    for n in sorted(os.listdir(ex)):
        p = os.path.join(ex, n)
        if n == "ci":  # CI workflow files (tests/e2e-ci.sh runs them), not a spec
            continue
        if os.path.isdir(p):
            files = sorted(os.path.join(p, f) for f in os.listdir(p) if f.endswith((".yaml", ".yml")))
            good.append(("examples/" + n, p, files))
        elif n.endswith((".yaml", ".yml")):
            good.append(("examples/" + n, p, [p]))
    gd = os.path.join(src, "tests", "golden")
    for n in sorted(os.listdir(gd)):
        if n.endswith(".yaml"):
            good.append(("golden/" + n, os.path.join(gd, n), [os.path.join(gd, n)]))
    tmp = None
    if binary:
        import tempfile
        tmp = tempfile.mkdtemp(prefix="sp-schema.")
        starter = os.path.join(tmp, "scaleplan.yaml")
        r = subprocess.run([binary, "init", starter], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if r.returncode != 0:
            c.bad("starter", "scaleplan init failed: %s" % r.stderr.decode())
        else:
            good.append(("starter (scaleplan init)", starter, [starter]))
    for case, path, files in good:
        ok, out = loads(tool, path)
        if not ok:
            c.bad(case, "the loader refuses it:\n" + out)
            continue
        fine = True
        for f in files:
            v, err = to_json(tool, f)
            if err:
                c.bad(case, err)
                fine = False
                continue
            errs = val.errors(v, schema)
            if errs:
                c.bad(case, "%s: the schema refuses it:\n  %s" % (os.path.basename(f), "\n  ".join(errs)))
                fine = False
        if fine:
            c.ok()
    if tmp:
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)

    # 3. the bad corpus
    bd = os.path.join(src, "tests", "bad")
    cases = sorted(n[:-5] for n in os.listdir(bd) if n.endswith(".yaml"))
    listed = {}
    for name, lst in (("SCHEMA_REFUSES", SCHEMA_REFUSES), ("NOT_EXPRESSIBLE", NOT_EXPRESSIBLE), ("NOT_JSON", NOT_JSON)):
        for k in lst:
            if k in listed:
                c.bad(k, "listed in both %s and %s" % (listed[k], name))
            listed[k] = name
    for k in sorted(set(listed) - set(cases)):
        c.bad(k, "listed in %s but tests/bad/%s.yaml does not exist" % (listed[k], k))
    for case in cases:
        where = listed.get(case)
        v, err = to_json(tool, os.path.join(bd, case + ".yaml"))
        errs = val.errors(v, schema) if err is None else None
        if where is None:
            verdict = ("the converter refuses it (%s)" % err) if err else (
                "the schema refuses it:\n  " + "\n  ".join(errs) if errs else "the schema accepts it")
            c.bad("bad/" + case, "not in SCHEMA_REFUSES, NOT_EXPRESSIBLE or NOT_JSON; %s" % verdict)
        elif where == "NOT_JSON":
            if err:
                c.ok()
            else:
                c.bad("bad/" + case, "listed in NOT_JSON, but it converts to JSON")
        elif err:
            c.bad("bad/" + case, "listed in %s, but the converter refuses it: %s" % (where, err))
        elif where == "SCHEMA_REFUSES":
            if errs:
                c.ok()
            else:
                c.bad("bad/" + case, "listed in SCHEMA_REFUSES, but the schema accepts it")
        else:
            if errs:
                c.bad("bad/" + case, "listed in NOT_EXPRESSIBLE, but the schema refuses it (move it to "
                      "SCHEMA_REFUSES):\n  " + "\n  ".join(errs))
            else:
                c.ok()

    # 4. the loader's key tables and the schema's closed objects
    tables = loader_tables(src)
    objects = closed_objects(schema)
    if len(tables) < 20:
        c.bad("keys", "found only %d key tables in model/load*.c: the parser no longer reads them" % len(tables))
    obj_sets = {s for _, s in objects}
    tab_sets = {s for _, s in tables}
    for where, keys in tables:
        if keys in obj_sets:
            c.ok()
            continue
        best = min(objects, key=lambda o: len(o[1] ^ keys))
        c.bad("keys", "%s {%s} has no object in the schema with the same keys; closest %s: only in the loader: %s; "
              "only in the schema: %s" % (where, ", ".join(sorted(keys)), best[0], sorted(keys - best[1]),
                                          sorted(best[1] - keys)))
    for where, keys in objects:
        if keys in tab_sets:
            c.ok()
            continue
        best = min(tables, key=lambda t: len(t[1] ^ keys))
        c.bad("keys", "schema %s {%s} is no key table of the loader; closest %s: only in the schema: %s; only in "
              "the loader: %s" % (where, ", ".join(sorted(keys)), best[0], sorted(keys - best[1]),
                                  sorted(best[1] - keys)))

    # 5. probes around every bound
    probe(tool, val, schema, [(case, files[0]) for case, path, files in good
                              if case.startswith("examples/") and path == files[0]], c)

    print("schema: %d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
