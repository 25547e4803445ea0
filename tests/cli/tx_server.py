#!/usr/bin/env python3
"""A minimal FHIR R4 terminology server for `silta validate --tx` integration tests.

The FHIR server peer (Medplum's router) implements no terminology operations, and no terminology
server can be installed here, so this answers the two operations Silta asks, as FHIR R4 defines
them (https://hl7.org/fhir/R4/valueset-operation-validate-code.html and
valueset-operation-expand.html), from the CodeSystem and ValueSet files of a folder:

  GET  [base]/metadata                      CapabilityStatement (readiness probe)
  POST [base]/ValueSet/$validate-code       Parameters: url | valueSet, code, system, display
  POST [base]/ValueSet/$expand              Parameters: url | valueSet, count

Value sets: compose.include by whole system or by concept list, valueSet imports, excludes.
Anything else (filters, a system it does not hold) is an OperationOutcome with an HTTP error, as
a real server refuses what it cannot evaluate. Every request is appended to --log (one line:
method, path, code), so tests can see what reached the server.

  tx_server.py --port N --data DIR [--base /fhir] [--log FILE] [--hang]
--hang answers the metadata probe but never an operation (for time-out tests).
"""

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Refusal(Exception):
    def __init__(self, status, code, text):
        super().__init__(text)
        self.status, self.code, self.text = status, code, text


def load(folder):
    code_systems, value_sets = {}, {}
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            resource = json.load(f)
        kind = resource.get("resourceType")
        if kind == "CodeSystem":
            concepts = {}

            def walk(items):
                for c in items:
                    concepts[c["code"]] = c.get("display", "")
                    walk(c.get("concept", []))

            walk(resource.get("concept", []))
            code_systems[resource["url"]] = concepts
        elif kind == "ValueSet":
            value_sets[resource["url"]] = resource
    return code_systems, value_sets


class Terminology:
    def __init__(self, code_systems, value_sets):
        self.code_systems, self.value_sets = code_systems, value_sets

    def resolve(self, url):
        vs = self.value_sets.get(url.split("|")[0])
        if vs is None:
            raise Refusal(404, "not-found", "Unknown value set " + url)
        return vs

    def include_set(self, include, depth):
        members = None
        system = include.get("system")
        if system:
            if include.get("filter"):
                raise Refusal(422, "not-supported", "filters are not supported")
            concepts = self.code_systems.get(system)
            if concepts is None:
                raise Refusal(404, "not-found", "Unknown code system " + system)
            if include.get("concept"):
                members = {(system, c["code"]): concepts.get(c["code"], c.get("display", ""))
                           for c in include["concept"] if c["code"] in concepts}
            else:
                members = {(system, code): display for code, display in concepts.items()}
        for url in include.get("valueSet", []):
            imported = self.expand(self.resolve(url), depth + 1)
            members = imported if members is None else {
                k: v for k, v in members.items() if k in imported}
        return members or {}

    def expand(self, vs, depth=0):
        if depth > 10:
            raise Refusal(422, "processing", "value set imports nested too deep")
        compose = vs.get("compose", {})
        members = {}
        for include in compose.get("include", []):
            members.update(self.include_set(include, depth))
        for exclude in compose.get("exclude", []):
            for key in self.include_set(exclude, depth):
                members.pop(key, None)
        return members


def parameters(body):
    if body.get("resourceType") != "Parameters":
        raise Refusal(400, "invalid", "expected a Parameters resource")
    values = {}
    for p in body.get("parameter", []):
        for key, value in p.items():
            if key.startswith("value") or key == "resource":
                values[p["name"]] = value
    return values


def value_set_of(args, tx):
    if "valueSet" in args:
        return args["valueSet"]
    if "url" in args:
        return tx.resolve(args["url"])
    raise Refusal(400, "required", "no url and no valueSet")


def validate_code(args, tx):
    vs = value_set_of(args, tx)
    code, system, display = args.get("code"), args.get("system"), args.get("display")
    if not code:
        raise Refusal(400, "required", "no code")
    members = tx.expand(vs)
    found = [(k, v) for k, v in members.items()
             if k[1] == code and (not system or k[0] == system)]
    out = []
    if not found:
        where = " from system '%s'" % system if system else ""
        out.append({"name": "result", "valueBoolean": False})
        out.append({"name": "message", "valueString": "The code '%s'%s is not in the value set '%s'"
                    % (code, where, vs.get("url", "(inline)"))})
    else:
        shown = found[0][1]
        ok = not display or display.strip().lower() == shown.strip().lower()
        out.append({"name": "result", "valueBoolean": ok})
        if shown:
            out.append({"name": "display", "valueString": shown})
        if not ok:
            out.append({"name": "message", "valueString": "Wrong display '%s' for code '%s', "
                        "expected '%s'" % (display, code, shown)})
    return {"resourceType": "Parameters", "parameter": out}


def expand(args, tx):
    vs = dict(value_set_of(args, tx))
    members = sorted(tx.expand(vs).items())
    count = args.get("count")
    total = len(members)
    if isinstance(count, int):
        members = members[:count]
    vs.pop("compose", None)
    vs["expansion"] = {
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "total": total,
        "contains": [{"system": s, "code": c, **({"display": d} if d else {})}
                     for (s, c), d in members],
    }
    return vs


def make_handler(options, tx, log_lock):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *unused):
            pass

        def record(self, what):
            if options.log:
                with log_lock, open(options.log, "a", encoding="utf-8") as f:
                    f.write(what + "\n")

        def send(self, status, resource):
            data = json.dumps(resource).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def refuse(self, refusal):
            self.send(refusal.status, {"resourceType": "OperationOutcome", "issue": [
                {"severity": "error", "code": refusal.code, "diagnostics": refusal.text}]})

        def do_GET(self):
            self.record("GET " + self.path)
            if self.path.split("?")[0] == options.base + "/metadata":
                self.send(200, {"resourceType": "CapabilityStatement", "status": "active",
                                "kind": "instance", "fhirVersion": "4.0.1",
                                "format": ["json"]})
            else:
                self.refuse(Refusal(404, "not-found", "no such route"))

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            if options.hang:
                time.sleep(3600)
            path = self.path.split("?")[0]
            try:
                args = parameters(json.loads(raw or b"{}"))
                self.record("POST %s %s" % (path, args.get("code", "")))
                if path == options.base + "/ValueSet/$validate-code":
                    self.send(200, validate_code(args, tx))
                elif path == options.base + "/ValueSet/$expand":
                    self.send(200, expand(args, tx))
                else:
                    raise Refusal(404, "not-found", "no such operation")
            except Refusal as r:
                self.refuse(r)
            except (ValueError, KeyError, TypeError) as e:
                self.refuse(Refusal(400, "invalid", "bad request: %s" % e))

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--base", default="/fhir")
    parser.add_argument("--log")
    parser.add_argument("--hang", action="store_true")
    options = parser.parse_args()
    tx = Terminology(*load(options.data))
    server = ThreadingHTTPServer(("127.0.0.1", options.port),
                                 make_handler(options, tx, threading.Lock()))
    server.daemon_threads = True
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
