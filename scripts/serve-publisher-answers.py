#!/usr/bin/env python3
"""Serves a directory of recorded crates.io API answers (NAME.json) as
`/api/v1/crates/NAME` on a loopback port, for `MINAUDIT_CRATES_IO_API=http://127.0.0.1:PORT/`.
Unknown crates answer 404, as crates.io does.

usage: serve-publisher-answers.py DIR PORT
"""

import http.server
import os
import sys

DIR = sys.argv[1]


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.removeprefix("/api/v1/crates/")
        path = os.path.join(DIR, f"{name}.json")
        if "/" in name or not os.path.isfile(path):
            self.send_response(404)
            self.end_headers()
            return
        body = open(path, "rb").read()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
