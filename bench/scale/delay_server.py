#!/usr/bin/env python3
"""A FHIR server stand-in for bench/scale/run.sh: answers every request after a fixed delay.

    delay_server.py PORT DELAY_MS

A transaction Bundle (POST /fhir) gets a transaction-response with one "201 Created" entry per
request entry (a new id, version 1, an ETag); GET /fhir/metadata a minimal CapabilityStatement.
It stores nothing: the benchmark measures the adapter's side. One line per POST goes to standard
output, which the benchmark counts.
"""
import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DELAY = int(sys.argv[2]) / 1000.0
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        time.sleep(DELAY)
        self.answer(200, {"resourceType": "CapabilityStatement", "status": "active",
                          "fhirVersion": "4.0.1", "kind": "instance", "format": ["json"],
                          "date": "2026-12-07"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        bundle = json.loads(self.rfile.read(length) or b"{}")
        time.sleep(DELAY)
        entries = []
        for entry in bundle.get("entry", []):
            url = entry.get("request", {}).get("url", "Resource")
            kind = url.split("?")[0].split("/")[0]
            entries.append({"response": {"status": "201 Created",
                                         "location": f"{kind}/{uuid.uuid4()}/_history/1",
                                         "etag": 'W/"1"'}})
        with lock:
            print("POST", len(entries), flush=True)
        self.answer(200, {"resourceType": "Bundle", "type": "transaction-response",
                          "entry": entries})

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
