#!/usr/bin/env python3
"""Runs the CI examples (examples/ci/) as their CI would, for tests/e2e-ci.sh (standard library only).

The workflow file is read as JSON, converted by build/tests/yaml2json (no YAML library here).

  ci_steps.py github JSON --event pull_request|push --store DIR --origin REPO --tool-src DIR
                    [--approve ENVIRONMENT]
      One run of a GitHub Actions workflow: every job in the order the file lists them, each job's steps
      in order. The event, the repository and the commit come from the environment, as a runner sets
      them (GITHUB_EVENT_PATH, GITHUB_SHA, GITHUB_REF, GITHUB_REPOSITORY, GITHUB_API_URL,
      GITHUB_WORKFLOW_REF, GITHUB_BASE_REF, GITHUB_HEAD_REF); secrets from SECRET_<NAME>.
      `run:` steps run as GitHub runs them: `bash --noprofile --norc -eo pipefail FILE`, with
      GITHUB_OUTPUT, GITHUB_PATH, GITHUB_ENV, GITHUB_STEP_SUMMARY, RUNNER_TEMP and a fresh HOME per job.
      `uses:` steps are done here, the documented way:
        actions/checkout@v4            the workflow's repository: git init, fetch GITHUB_REF from the
                                       origin (every branch and tag too with fetch-depth: 0, else
                                       --depth N, 1 by default), check out GITHUB_SHA detached;
                                       another repository (scaleplan's source): a link to --tool-src
        actions/upload-artifact@v4     the file or folder `path` copied to DIR/artifacts/RUN/NAME
        actions/download-artifact@v4   NAME of this run or of `run-id`, copied into `path` (default:
                                       the workspace); a missing artifact fails the step
      A job with `environment:` waits for a reviewer: it runs only with --approve ENVIRONMENT.
      `if:` is evaluated (contexts github, env, secrets, steps, needs; success(), failure(),
      always(), cancelled(); ==, !=, &&, ||, !); a key, action or expression this runner does not
      know is an error, so the example cannot drift from what is tested.

  ci_steps.py gitlab JSON --source merge_request_event|push --store DIR --origin REPO --tool-src DIR
                    [--play JOB]...
      One pipeline of a .gitlab-ci.yml: workflow:rules, then every job in the order the file lists
      them (which must be the order of their stages), with `extends:`, `rules:` (if, when), `needs:`,
      `variables:` (expanded), `artifacts:` (paths, when) passed to later jobs, manual jobs only with
      --play JOB. before_script and script run in one `bash --noprofile --norc -eo pipefail`, each
      line shown as the runner shows it. The checkout fetches CI_COMMIT_REF_FETCH (the ref the
      pipeline is for) with GIT_DEPTH, then checks out CI_COMMIT_SHA detached. The cache of
      scaleplan's source (`paths: [.scaleplan-src/]`) is restored as a link to --tool-src.

  ci_steps.py merged github|gitlab DIR MERGE_SHA NUMBER HEAD_SHA
      records that a pull (merge) request was merged as MERGE_SHA, its last commit HEAD_SHA.

  ci_steps.py serve PORT DIR [--forward REGEX=URL]...
      A loopback stand-in for the parts of the two forges' REST APIs the merge jobs read, answering as
      their documentation describes from what the runs above recorded in DIR:
        GitHub (Authorization: Bearer $STAND_GITHUB_TOKEN, else 401 "Bad credentials"):
          GET /repos/O/R/commits/SHA/pulls              the pull requests of a commit
          GET /repos/O/R/actions/workflows/FILE/runs    ?event=&head_sha=&status=&per_page=, newest first
        GitLab (PRIVATE-TOKEN: $STAND_GITLAB_TOKEN, else 401 "401 Unauthorized"):
          GET /api/v4/projects/ID/repository/commits/SHA/merge_requests
          GET /api/v4/projects/ID/merge_requests/IID/pipelines           newest first
          GET /api/v4/projects/ID/pipelines/PID/jobs?scope[]=success
          GET /api/v4/projects/ID/jobs/JOB/artifacts/PATH                the file, 404 when absent
      Requests whose path matches a --forward REGEX are passed to that server as they are (method,
      headers, body), so one API URL serves the comments (tests/servers/forge.py) and the Terraform
      state (tests/servers/tfstate.py) too, as one forge does. Each request is logged to stderr
      without its headers.
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CIError(Exception):
    pass


# ---- the store: runs, pipelines, merges, artifacts -----------------------------------------------
LOCK = threading.Lock()


def load_store(d):
    p = os.path.join(d, "store.json")
    if os.path.exists(p):
        with open(p) as f:
            return json.load(f)
    return {"next_id": 1000, "runs": [], "pulls": {}, "pipelines": [], "mrs": {}}


def save_store(d, s):
    p = os.path.join(d, "store.json")
    with open(p + ".tmp", "w") as f:
        json.dump(s, f, indent=1, sort_keys=True)
    os.replace(p + ".tmp", p)


def new_id(s):
    s["next_id"] += 1
    return s["next_id"]


def log(msg):
    sys.stdout.write(msg + "\n")
    sys.stdout.flush()


# ---- git checkout ---------------------------------------------------------------------------------
def git(cwd, *args):
    r = subprocess.run(["git"] + list(args), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise CIError("git %s: %s" % (" ".join(args), r.stdout.decode(errors="replace").strip()))


def checkout(ws, origin, ref, sha, depth, all_heads):
    os.makedirs(ws, exist_ok=True)
    git(ws, "init", "-q", ".")
    git(ws, "remote", "add", "origin", "file://" + origin)
    specs = []
    if all_heads:
        specs = ["+refs/heads/*:refs/remotes/origin/*", "+refs/tags/*:refs/tags/*"]
    if ref.startswith("refs/heads/"):
        specs.append("+%s:refs/remotes/origin/%s" % (ref, ref[len("refs/heads/"):]))
    else:
        specs.append("+%s:%s" % (ref, ref))
    git(ws, "fetch", "-q", *(["--depth", str(depth)] if depth else []), "origin", *specs)
    git(ws, "checkout", "-q", "--detach", sha)


# ---- GitHub expressions ---------------------------------------------------------------------------
TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||!|\(|\))|"
                   r"(?P<fn>(?:success|failure|always|cancelled)\(\))|"
                   r"(?P<id>[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*))")


def gh_eval(expr, ctx):
    """Evaluates a GitHub Actions expression over ctx (a dict of contexts, and 'status' for the functions)."""
    py, vals, pos = [], [], 0
    expr = expr.strip()
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise CIError("expression not understood here: %r (at %r)" % (expr, expr[pos:]))
        pos = m.end()
        if m.group("str"):
            vals.append(m.group("str")[1:-1].replace("''", "'"))
            py.append("_v[%d]" % (len(vals) - 1))
        elif m.group("num"):
            py.append(m.group("num"))
        elif m.group("op"):
            py.append({"&&": " and ", "||": " or ", "!": " not "}.get(m.group("op"), m.group("op")))
        elif m.group("fn"):
            st = ctx["status"]
            fn = m.group("fn")[:-2]
            vals.append({"success": st == "success", "failure": st == "failure", "always": True,
                         "cancelled": False}[fn])
            py.append("_v[%d]" % (len(vals) - 1))
        else:
            parts = m.group("id").split(".")
            if parts[0] in ("true", "false", "null") and len(parts) == 1:
                vals.append({"true": True, "false": False, "null": None}[parts[0]])
            else:
                if parts[0] not in ("github", "env", "secrets", "steps", "needs", "runner", "inputs", "vars"):
                    raise CIError("unknown context %r in %r" % (parts[0], expr))
                v = ctx.get(parts[0], {})
                for p in parts[1:]:
                    v = v.get(p, "") if isinstance(v, dict) else ""
                vals.append(v)
            py.append("_v[%d]" % (len(vals) - 1))
    # GitHub's && and || return an operand, as python's and/or do
    return eval("".join(py), {"__builtins__": {}}, {"_v": vals})


def gh_subst(text, ctx):
    def one(m):
        v = gh_eval(m.group(1), ctx)
        if v is True or v is False:
            return "true" if v else "false"
        return "" if v is None else str(v)
    return re.sub(r"\$\{\{(.*?)\}\}", one, str(text))


def gh_if(cond, ctx):
    cond = str(cond).strip()
    if cond.startswith("${{") and cond.endswith("}}"):
        cond = cond[3:-2]
    if not re.search(r"\b(success|failure|always|cancelled)\(\)", cond):
        cond = "success() && (%s)" % cond
    return bool(gh_eval(cond, ctx))


def need_keys(what, obj, known):
    for k in obj:
        if k not in known:
            raise CIError("%s: the key %r is not one this test knows (%s)" % (what, k, ", ".join(sorted(known))))


GH_TOP = {"name", "on", "permissions", "env", "defaults", "jobs", "concurrency"}
GH_JOB = {"name", "if", "runs-on", "needs", "concurrency", "env", "steps", "environment", "permissions",
          "timeout-minutes", "defaults"}
GH_STEP = {"name", "id", "if", "uses", "with", "run", "env", "shell", "working-directory"}
GH_USES = {
    "actions/checkout@v4": {"fetch-depth", "repository", "ref", "path"},
    "actions/upload-artifact@v4": {"name", "path", "retention-days"},
    "actions/download-artifact@v4": {"name", "run-id", "github-token", "path"},
}


def base_env(home, tmp):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECRET_")}
    env.update(HOME=home, RUNNER_TEMP=tmp, TMPDIR=tmp)
    return env


def run_github(wf, a):
    need_keys("workflow", wf, GH_TOP)
    events = wf.get("on", {})
    if a.event not in events:
        log("the workflow does not run on %s" % a.event)
        return 0
    shell = wf.get("defaults", {}).get("run", {}).get("shell")
    if shell != "bash":
        raise CIError("defaults.run.shell must be bash here (got %r)" % shell)
    with open(os.environ["GITHUB_EVENT_PATH"]) as f:
        event = json.load(f)
    store = load_store(a.store)
    run_id = new_id(store)
    save_store(a.store, store)
    secrets = {k[len("SECRET_"):]: v for k, v in os.environ.items() if k.startswith("SECRET_")}
    github = {"event_name": a.event, "event": event, "sha": os.environ["GITHUB_SHA"],
              "ref": os.environ["GITHUB_REF"], "repository": os.environ["GITHUB_REPOSITORY"],
              "api_url": os.environ["GITHUB_API_URL"], "run_id": str(run_id),
              "workflow_ref": os.environ["GITHUB_WORKFLOW_REF"],
              "base_ref": os.environ.get("GITHUB_BASE_REF", ""), "head_ref": os.environ.get("GITHUB_HEAD_REF", "")}
    wf_env = {}
    for k, v in wf.get("env", {}).items():
        wf_env[k] = gh_subst(v, {"github": github, "secrets": secrets, "env": wf_env})
    rundir = os.path.join(a.store, "runs", str(run_id))
    os.makedirs(rundir)
    needs_ctx, results, failed = {}, {}, False
    log("== run %d (%s) of %s" % (run_id, a.event, github["workflow_ref"]))
    for name, job in wf["jobs"].items():
        need_keys("job " + name, job, GH_JOB)
        if not str(job.get("runs-on", "")).startswith("ubuntu-"):
            raise CIError("job %s: runs-on must be an ubuntu runner" % name)
        needs = job.get("needs", [])
        needs = [needs] if isinstance(needs, str) else needs
        for n in needs:
            if n not in results:
                raise CIError("job %s needs %s, which the file lists after it or not at all" % (name, n))
        status = "success"
        if any(results[n] == "failure" for n in needs):
            status = "failure"
        elif any(results[n] != "success" for n in needs):
            status = "skipped"
        ctx = {"github": github, "secrets": secrets, "env": wf_env, "needs": needs_ctx, "status": status,
               "steps": {}, "runner": {}}
        go = gh_if(job.get("if", "success()"), ctx) if status != "skipped" or "if" in job else False
        if status == "skipped" and "always()" not in str(job.get("if", "")):
            go = False
        if not go:
            results[name] = "skipped"
            log("result %s skipped" % name)
            needs_ctx[name] = {"result": "skipped", "outputs": {}}
            continue
        envname = job.get("environment")
        if isinstance(envname, dict):
            envname = envname.get("name")
        if envname and envname not in a.approve:
            results[name] = "waiting"
            log("result %s waiting (environment %s: a reviewer must approve)" % (name, envname))
            needs_ctx[name] = {"result": "waiting", "outputs": {}}
            continue
        res, code = gh_job(name, job, a, github, secrets, wf_env, needs_ctx, rundir, run_id, store)
        results[name] = res
        needs_ctx[name] = {"result": res, "outputs": {}}
        failed = failed or res == "failure"
        log("result %s %s %d" % (name, res, code))
    store = load_store(a.store)
    conclusion = "failure" if failed else "success"
    wref = github["workflow_ref"].split("@")[0]
    store["runs"].append({"id": run_id, "event": a.event, "head_sha": (event.get("pull_request") or {}).get(
        "head", {}).get("sha", github["sha"]), "path": wref.split("/", 2)[2], "conclusion": conclusion,
        "status": "completed", "artifacts": sorted(os.listdir(os.path.join(rundir, "artifacts")))
        if os.path.isdir(os.path.join(rundir, "artifacts")) else []})
    save_store(a.store, store)
    log("run %d %s" % (run_id, conclusion))
    return 0


def read_kv(path):
    out = {}
    if not os.path.exists(path):
        return out
    lines = open(path).read().split("\n")
    i = 0
    while i < len(lines):
        l = lines[i]
        i += 1
        if "<<" in l and ("=" not in l or l.index("<<") < l.index("=")):
            k, d = l.split("<<", 1)
            val = []
            while i < len(lines) and lines[i] != d:
                val.append(lines[i])
                i += 1
            i += 1
            out[k] = "\n".join(val)
        elif "=" in l:
            k, v = l.split("=", 1)
            out[k] = v
    return out


def gh_job(name, job, a, github, secrets, wf_env, needs_ctx, rundir, run_id, store):
    jobdir = os.path.join(rundir, name)
    ws = os.path.join(jobdir, "workspace")
    home = os.path.join(jobdir, "home")
    tmp = os.path.join(jobdir, "tmp")
    for d in (ws, home, tmp):
        os.makedirs(d)
    job_env = dict(wf_env)
    ctx = {"github": github, "secrets": secrets, "env": job_env, "needs": needs_ctx, "steps": {},
           "runner": {"temp": tmp}, "status": "success"}
    for k, v in job.get("env", {}).items():
        job_env[k] = gh_subst(v, ctx)
    extra_path, set_env = [], {}
    summary = os.path.join(rundir, "summary-%s.md" % name)
    for i, step in enumerate(job["steps"], 1):
        need_keys("job %s step %d" % (name, i), step, GH_STEP)
        label = step.get("name") or step.get("uses") or step.get("run", "").split("\n")[0]
        if "if" in step and not gh_if(step["if"], ctx):
            log("-- %s: step %d skipped (%s)" % (name, i, label))
            continue
        log("-- %s: step %d: %s" % (name, i, label))
        senv = dict(job_env)
        senv.update(set_env)
        ctx["env"] = senv
        for k, v in step.get("env", {}).items():
            senv[k] = gh_subst(v, ctx)
        code = 0
        outputs = {}
        if "uses" in step:
            uses = step["uses"]
            if uses not in GH_USES:
                raise CIError("job %s step %d: 'uses: %s' is not an action this test performs" % (name, i, uses))
            w = {k: gh_subst(v, ctx) for k, v in step.get("with", {}).items()}
            need_keys("job %s step %d with" % (name, i), w, GH_USES[uses])
            try:
                gh_action(uses, w, ws, a, github, rundir, run_id)
            except CIError as e:
                log("Error: %s" % e)
                code = 1
        else:
            if "shell" in step and step["shell"] != "bash":
                raise CIError("job %s step %d: shell %r" % (name, i, step["shell"]))
            script = os.path.join(tmp, "step-%d.sh" % i)
            with open(script, "w") as f:
                f.write(gh_subst(step["run"], ctx))
            files = {}
            for v in ("GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_ENV", "GITHUB_STEP_SUMMARY"):
                files[v] = os.path.join(tmp, "%s-%d" % (v.lower(), i))
                open(files[v], "w").close()
            env = base_env(home, tmp)
            env.update(senv)
            env.update(files)
            env.update(GITHUB_WORKSPACE=ws, GITHUB_EVENT_NAME=github["event_name"], GITHUB_RUN_ID=str(run_id),
                       CI="true", GITHUB_ACTIONS="true")
            if extra_path:
                env["PATH"] = ":".join(reversed(extra_path)) + ":" + env["PATH"]
            cwd = os.path.join(ws, step.get("working-directory", ""))
            code = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], cwd=cwd,
                                  env=env).returncode
            outputs = read_kv(files["GITHUB_OUTPUT"])
            set_env.update(read_kv(files["GITHUB_ENV"]))
            extra_path += [l for l in open(files["GITHUB_PATH"]).read().split("\n") if l]
            with open(summary, "a") as f:
                f.write(open(files["GITHUB_STEP_SUMMARY"]).read())
        if "id" in step:
            ctx["steps"][step["id"]] = {"outputs": outputs, "outcome": "success" if code == 0 else "failure"}
        if code != 0:
            log("Error: Process completed with exit code %d." % code)
            log("-- %s: step %d failed (exit %d)" % (name, i, code))
            return "failure", code
    return "success", 0


def gh_action(uses, w, ws, a, github, rundir, run_id):
    if uses == "actions/checkout@v4":
        repo = w.get("repository", github["repository"])
        path = os.path.join(ws, w.get("path", ""))
        if repo != github["repository"]:
            # scaleplan's own source: the tree under test
            os.symlink(a.tool_src, path.rstrip("/"))
            log("checked out %s (the scaleplan source under test) into %s" % (repo, w.get("path", ".")))
            return
        checkout(path, a.origin, github["ref"], github["sha"], int(w.get("fetch-depth", 1)),
                 int(w.get("fetch-depth", 1)) == 0)
        log("checked out %s at %s" % (github["ref"], github["sha"][:12]))
    elif uses == "actions/upload-artifact@v4":
        src = os.path.join(ws, w["path"])
        if not os.path.exists(src):
            raise CIError("No files were found with the provided path: %s. No artifacts will be uploaded." % w["path"])
        dst = os.path.join(rundir, "artifacts", w["name"])
        if os.path.exists(dst):
            raise CIError("an artifact with the name %r already exists in this run" % w["name"])
        os.makedirs(dst)
        if os.path.isdir(src):
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy(src, dst)
        log("uploaded artifact %s of run %d" % (w["name"], run_id))
    elif uses == "actions/download-artifact@v4":
        rid = w.get("run-id") or str(run_id)
        if w.get("run-id") and not w.get("github-token"):
            raise CIError("run-id needs github-token")
        src = os.path.join(a.store, "runs", rid, "artifacts", w["name"])
        if not rid.isdigit() or not os.path.isdir(src):
            raise CIError("Unable to download artifact(s): Artifact not found for name: %s (run %r)" % (w["name"], rid))
        dst = os.path.join(ws, w.get("path", ""))
        shutil.copytree(src, dst, dirs_exist_ok=True)
        log("downloaded artifact %s of run %s" % (w["name"], rid))


# ---- GitLab -----------------------------------------------------------------------------------------
GL_RESERVED = {"stages", "variables", "workflow", "default", "include", "image", "services", "cache",
               "before_script", "after_script"}
GL_JOB = {"extends", "stage", "rules", "script", "before_script", "artifacts", "needs", "image", "cache",
          "variables", "resource_group", "allow_failure", "interruptible"}
GL_TOP = {"workflow", "stages", "variables"}


def expand(v, env):
    return re.sub(r"\$(?:\{(\w+)\}|(\w+))", lambda m: env.get(m.group(1) or m.group(2), ""), str(v))


def gl_rule(expr, env):
    """A GitLab rules:if: $VAR, "string", ==, !=, &&, ||, parentheses."""
    tok = re.compile(r'\s*(?:(?P<var>\$\w+)|(?P<str>"[^"]*"|\'[^\']*\')|(?P<op>==|!=|&&|\|\||\(|\)))')
    py, vals, pos = [], [], 0
    while pos < len(expr.rstrip()):
        m = tok.match(expr, pos)
        if not m:
            raise CIError("rules:if not understood here: %r" % expr)
        pos = m.end()
        if m.group("var"):
            vals.append(env.get(m.group("var")[1:]) or None)
            py.append("_v[%d]" % (len(vals) - 1))
        elif m.group("str"):
            vals.append(m.group("str")[1:-1])
            py.append("_v[%d]" % (len(vals) - 1))
        else:
            py.append({"&&": " and ", "||": " or "}.get(m.group("op"), m.group("op")))
    return bool(eval("".join(py), {"__builtins__": {}}, {"_v": vals}))


def merge(base, over):
    out = dict(base)
    for k, v in over.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def resolve(doc, name, seen=()):
    job = doc[name]
    if name in seen:
        raise CIError("extends loops at %s" % name)
    ext = job.get("extends", [])
    ext = [ext] if isinstance(ext, str) else ext
    out = {}
    for e in ext:
        if e not in doc:
            raise CIError("%s extends %s, which is not in the file" % (name, e))
        out = merge(out, resolve(doc, e, seen + (name,)))
    out = merge(out, {k: v for k, v in job.items() if k != "extends"})
    return out


def run_gitlab(doc, a):
    need_keys("file", {k: v for k, v in doc.items() if k in GL_RESERVED or not isinstance(v, dict)}, GL_TOP)
    stages = doc.get("stages", ["build", "test", "deploy"])
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECRET_")}
    env.update(CI_PIPELINE_SOURCE=a.source)
    for k, v in doc.get("variables", {}).items():
        env[k] = expand(v, env)
    wrules = doc.get("workflow", {}).get("rules")
    if wrules is not None and not any(gl_rule(r["if"], env) for r in wrules if "if" in r):
        log("no pipeline: workflow:rules exclude it")
        return 0
    store = load_store(a.store)
    pid = new_id(store)
    save_store(a.store, store)
    pdir = os.path.join(a.store, "pipelines", str(pid))
    os.makedirs(pdir)
    log("== pipeline %d (%s) at %s" % (pid, a.source, env["CI_COMMIT_SHA"][:12]))
    jobs, results, last_stage = [], {}, -1
    for name in doc:
        if name in GL_RESERVED or name.startswith("."):
            continue
        job = resolve(doc, name)
        need_keys("job " + name, job, GL_JOB)
        stage = job.get("stage", "test")
        if stage not in stages:
            raise CIError("job %s: stage %s is not in stages" % (name, stage))
        si = stages.index(stage)
        if si < last_stage:
            raise CIError("job %s: the file lists it after a job of a later stage" % name)
        last_stage = si
        jenv = dict(env)
        for k, v in job.get("variables", {}).items():
            jenv[k] = expand(v, jenv)
        when = None
        for r in job.get("rules", [{}]):
            need_keys("job %s rule" % name, r, {"if", "when"})
            if "if" not in r or gl_rule(r["if"], jenv):
                when = r.get("when", "on_success")
                break
        if when in (None, "never"):
            continue
        if when not in ("on_success", "manual"):
            raise CIError("job %s: when %s" % (name, when))
        jobs.append((name, job, jenv, when, si))
    pjobs, failed = [], False
    for name, job, jenv, when, si in jobs:
        needs = job.get("needs")
        if needs is None:
            deps = [n for n, _, _, _, s in jobs if s < si]
        else:
            deps = needs
        blocked = [d for d in deps if results.get(d) not in ("success", "allowed-failure", "manual")
                   or (results.get(d) == "manual" and needs is not None)]
        if blocked:
            results[name] = "skipped"
            log("result %s skipped (needs %s)" % (name, ", ".join(blocked)))
            continue
        if when == "manual" and name not in a.play:
            results[name] = "manual"
            log("result %s manual (not played)" % name)
            continue
        jid = new_id(store)
        code = gl_job(name, job, jenv, a, pdir, pid, jid, deps)
        res = "success" if code == 0 else ("allowed-failure" if job.get("allow_failure") else "failed")
        results[name] = res
        failed = failed or res == "failed"
        pjobs.append({"id": jid, "name": name, "status": "success" if code == 0 else "failed",
                      "stage": job.get("stage", "test")})
        log("result %s %s %d" % (name, res, code))
    store = load_store(a.store)
    store["next_id"] = max(store["next_id"], max([j["id"] for j in pjobs] + [pid]))
    store["pipelines"].append({"id": pid, "sha": env["CI_COMMIT_SHA"], "source": a.source,
                               "ref": env.get("CI_COMMIT_REF_NAME", ""), "mr_iid": env.get("CI_MERGE_REQUEST_IID"),
                               "status": "failed" if failed else "success", "jobs": pjobs})
    save_store(a.store, store)
    log("pipeline %d %s" % (pid, "failed" if failed else "success"))
    return 0


def gl_job(name, job, jenv, a, pdir, pid, jid, deps):
    jobdir = os.path.join(pdir, name)
    ws = os.path.join(jobdir, "workspace")
    home = os.path.join(jobdir, "home")
    tmp = os.path.join(jobdir, "tmp")
    for d in (home, tmp):
        os.makedirs(d)
    log("-- %s: job %d" % (name, jid))
    try:
        depth = int(jenv.get("GIT_DEPTH", 20))
        checkout(ws, a.origin, jenv["CI_COMMIT_REF_FETCH"], jenv["CI_COMMIT_SHA"], depth, False)
        cache = job.get("cache")
        if cache:
            if cache.get("paths") != [".scaleplan-src/"]:
                raise CIError("job %s: a cache this test does not know: %r" % (name, cache))
            os.symlink(a.tool_src, os.path.join(ws, ".scaleplan-src"))
            log("restored the cache %s (the scaleplan source under test)" % expand(cache.get("key", ""), jenv))
        for d in deps:
            src = os.path.join(pdir, "artifacts", d)
            if os.path.isdir(src):
                shutil.copytree(src, ws, dirs_exist_ok=True)
                log("downloaded the artifacts of %s" % d)
    except CIError as e:
        log("ERROR: %s" % e)
        return 1
    lines = list(job.get("before_script", [])) + list(job.get("script", []))
    script = os.path.join(tmp, "script.sh")
    with open(script, "w") as f:
        for l in lines:
            f.write("printf '%%s\\n' %s\n" % shquote("$ " + l.split("\n")[0]))
            f.write(l + "\n")
    env = base_env(home, tmp)
    env.update({k: v for k, v in jenv.items() if k not in ("HOME", "TMPDIR")})
    env.update(CI_JOB_ID=str(jid), CI_JOB_NAME=name, CI_PIPELINE_ID=str(pid), CI_PROJECT_DIR=ws, CI="true",
               GITLAB_CI="true")
    env.pop("CI_COMMIT_REF_FETCH", None)
    code = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], cwd=ws, env=env).returncode
    art = job.get("artifacts")
    if art and (code == 0 or art.get("when") == "always"):
        need_keys("job %s artifacts" % name, art, {"paths", "when", "expire_in"})
        dst = os.path.join(pdir, "artifacts", name)
        os.makedirs(dst, exist_ok=True)
        for p in art["paths"]:
            if os.path.exists(os.path.join(ws, p)):
                shutil.copy(os.path.join(ws, p), dst)
                if code == 0:
                    os.makedirs(os.path.join(a.store, "jobs", str(jid)), exist_ok=True)
                    shutil.copy(os.path.join(ws, p), os.path.join(a.store, "jobs", str(jid)))
            else:
                log("WARNING: %s: no matching files" % p)
        log("uploaded the artifacts of %s" % name)
    if code:
        log("ERROR: Job failed: exit code %d" % code)
    return code


def shquote(s):
    return "'" + s.replace("'", "'\\''") + "'"


# ---- the API stand-in ---------------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.command, self.path))

    def answer(self, status, body, ctype="application/json"):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def forward(self, url):
        u = urllib.parse.urlsplit(url)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        try:
            c.request(self.command, self.path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
        except OSError:
            self.close_connection = True
            return
        finally:
            c.close()
        self.send_response(r.status)
        mine = "http://%s:%d" % self.server.server_address[:2]
        for k, v in r.getheaders():
            if k.lower() in ("content-length", "connection", "transfer-encoding", "server", "date"):
                continue
            self.send_header(k, v.replace("%s://%s:%d" % (u.scheme, u.hostname, u.port), mine))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        for rx, url in self.server.forwards:
            if rx.search(self.path):
                return self.forward(url)
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        if self.command != "GET":
            return self.answer(405, {"message": "Method Not Allowed"})
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        with LOCK:
            s = load_store(self.server.dir)
        if u.path.startswith("/repos/"):
            if self.headers.get("Authorization") != "Bearer " + os.environ.get("STAND_GITHUB_TOKEN", "\0"):
                return self.answer(401, {"message": "Bad credentials",
                                         "documentation_url": "https://docs.github.com/rest"})
            m = re.fullmatch(r"/repos/([^/]+/[^/]+)/commits/([0-9a-f]{40})/pulls", u.path)
            if m:
                return self.answer(200, s["pulls"].get(m.group(2), []))
            m = re.fullmatch(r"/repos/([^/]+/[^/]+)/actions/workflows/([^/]+)/runs", u.path)
            if m:
                runs = [r for r in s["runs"] if os.path.basename(r["path"]) == m.group(2)]
                for key, field in (("event", "event"), ("head_sha", "head_sha"), ("status", "conclusion")):
                    if key in q:
                        runs = [r for r in runs if r[field] == q[key][0]]
                runs.sort(key=lambda r: -r["id"])
                per = min(int(q.get("per_page", ["30"])[0]), 100)
                return self.answer(200, {"total_count": len(runs), "workflow_runs": [
                    {"id": r["id"], "head_sha": r["head_sha"], "event": r["event"], "status": r["status"],
                     "conclusion": r["conclusion"], "path": r["path"]} for r in runs[:per]]})
            return self.answer(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})
        if u.path.startswith("/api/v4/"):
            if self.headers.get("PRIVATE-TOKEN") != os.environ.get("STAND_GITLAB_TOKEN", "\0"):
                return self.answer(401, {"message": "401 Unauthorized"})
            pre = r"/api/v4/projects/(?:42|acme%2Fshop)/"
            m = re.fullmatch(pre + r"repository/commits/([0-9a-f]{40})/merge_requests", u.path)
            if m:
                return self.answer(200, s["mrs"].get(m.group(1), []))
            m = re.fullmatch(pre + r"merge_requests/(\d+)/pipelines", u.path)
            if m:
                ps = [p for p in s["pipelines"] if p["mr_iid"] == m.group(1)]
                ps.sort(key=lambda p: -p["id"])
                return self.answer(200, [{"id": p["id"], "sha": p["sha"], "ref": p["ref"], "status": p["status"],
                                          "source": p["source"]} for p in ps])
            m = re.fullmatch(pre + r"pipelines/(\d+)/jobs", u.path)
            if m:
                ps = [p for p in s["pipelines"] if str(p["id"]) == m.group(1)]
                if not ps:
                    return self.answer(404, {"message": "404 Not found"})
                scope = q.get("scope[]", [])
                return self.answer(200, [{"id": j["id"], "name": j["name"], "status": j["status"],
                                          "stage": j["stage"]}
                                         for j in sorted(ps[0]["jobs"], key=lambda j: -j["id"])
                                         if not scope or j["status"] in scope])
            m = re.fullmatch(pre + r"jobs/(\d+)/artifacts/(.+)", u.path)
            if m:
                p = os.path.join(self.server.dir, "jobs", m.group(1), os.path.basename(m.group(2)))
                if not os.path.isfile(p):
                    return self.answer(404, {"message": "404 Not Found"})
                with open(p, "rb") as f:
                    return self.answer(200, f.read(), "application/octet-stream")
            return self.answer(404, {"message": "404 Not Found"})
        return self.answer(404, {"message": "Not Found"})

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_LOCK = do_UNLOCK = handle_any


def serve(port, d, forwards):
    srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.dir = d
    srv.forwards = [(re.compile(rx), url) for rx, url in forwards]
    srv.serve_forever()


# ---- main ---------------------------------------------------------------------------------------------
def main(argv):
    import argparse
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    for flavour in ("github", "gitlab"):
        s = sub.add_parser(flavour)
        s.add_argument("json")
        s.add_argument("--store", required=True)
        s.add_argument("--origin", required=True)
        s.add_argument("--tool-src", required=True)
        if flavour == "github":
            s.add_argument("--event", required=True)
            s.add_argument("--approve", action="append", default=[])
        else:
            s.add_argument("--source", required=True)
            s.add_argument("--play", action="append", default=[])
    s = sub.add_parser("merged")
    s.add_argument("forge", choices=["github", "gitlab"])
    s.add_argument("store")
    s.add_argument("merge_sha")
    s.add_argument("number", type=int)
    s.add_argument("head_sha")
    s = sub.add_parser("serve")
    s.add_argument("port", type=int)
    s.add_argument("store")
    s.add_argument("--forward", action="append", default=[])
    a = p.parse_args(argv)
    if a.cmd == "serve":
        serve(a.port, a.store, [f.rsplit("=", 1) for f in a.forward])
        return 0
    os.makedirs(a.store, exist_ok=True)
    if a.cmd == "merged":
        s = load_store(a.store)
        if a.forge == "github":
            s["pulls"][a.merge_sha] = [{"number": a.number, "state": "closed", "head": {"sha": a.head_sha},
                                        "merged_at": "2027-01-15T10:00:00Z", "merge_commit_sha": a.merge_sha}]
        else:
            s["mrs"][a.merge_sha] = [{"iid": a.number, "state": "merged", "sha": a.head_sha,
                                      "merge_commit_sha": a.merge_sha}]
        save_store(a.store, s)
        return 0
    with open(a.json) as f:
        doc = json.load(f)
    try:
        return run_github(doc, a) if a.cmd == "github" else run_gitlab(doc, a)
    except CIError as e:
        sys.stderr.write("ci_steps: error: %s\n" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
