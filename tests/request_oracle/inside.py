"""The request oracle's side inside Docker (run by python:3.13-slim; standard library only).

    python3 inside.py echo NAME PORT...             an echoing backend called NAME
    python3 inside.py drive NAME PORT... --work DIR  the same, plus the DNS server and the client

The echoing backend answers every request with what it received, as JSON: its own name, the
port, the request line's target, the HTTP version and the headers in order.

The DNS server answers every A query with the address of instance A, or, once the client has
flipped it for a case, of instance B. nginx's `resolver` points at it, so whether nginx asked
again after the flip shows which instance answers the next request.

The client walks the cases nginx starts one by one (tests/test_request_oracle.py writes them):
it waits for DIR/N.up, sends the case's requests to nginx's own address (as a published port
does: the connection arrives on nginx's network address, not on 127.0.0.1) and writes what came
back to DIR/N.out, then DIR/N.done, and nginx moves on to the next case.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import socketserver
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME = "?"
TTL = 600  # seconds, as Docker's embedded DNS answers
FLIPPED: set[str] = set()  # the nginx addresses whose DNS answers are now B's
ADDRESSES: dict[str, str] = {}


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real backend allows

    def handle_one_request(self) -> None:  # every method, without a do_X for each
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline or not self.parse_request():
                self.close_connection = True
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            # The request line's own target: http.server folds a leading `//` into `/` in self.path.
            target = self.raw_requestline.decode("latin-1").split(" ")[1]
            body = json.dumps(
                {
                    "instance": NAME,
                    "port": self.server.server_address[1],
                    "target": target,
                    "method": self.command,
                    "version": self.request_version,
                    "headers": [[k, v] for k, v in self.headers.items()],
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except (ConnectionError, TimeoutError):
            self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


def serve_echo(ports: list[int]) -> None:
    for port in ports:
        server = ThreadingHTTPServer(("0.0.0.0", port), Echo)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()


class Dns(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        if len(data) < 12:
            return
        qid, _flags, _qd = struct.unpack("!HHH", data[:6])
        end = 12
        while end < len(data) and data[end]:
            end += data[end] + 1
        question = data[12 : end + 5]
        qtype = struct.unpack("!H", data[end + 1 : end + 3])[0] if end + 3 <= len(data) else 0
        which = "B" if self.client_address[0] in FLIPPED else "A"
        answers = b""
        if qtype == 1:  # A; AAAA and the rest get no answer, so nginx uses IPv4 only
            answers = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, TTL, 4) + socket.inet_aton(ADDRESSES[which])
        header = struct.pack("!HHHHHH", qid, 0x8180, 1, 1 if answers else 0, 0, 0)
        sock.sendto(header + question + answers, self.client_address)


def serve_dns() -> None:
    server = socketserver.ThreadingUDPServer(("0.0.0.0", 53), Dns)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()


def send(nginx: str, req: dict) -> dict:
    """One request as a browser sends it; what came back, or how the connection failed."""
    conn = http.client.HTTPConnection(nginx, req["port"], timeout=5)
    try:
        conn.putrequest(req["method"], req["target"], skip_host=True, skip_accept_encoding=True)
        if req.get("host") is not None:
            conn.putheader("Host", req["host"])
        for k, v in req.get("headers", []):
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        out: dict = {"status": resp.status, "headers": [[k, v] for k, v in resp.getheaders()]}
        if resp.getheader("Content-Type") == "application/json":
            with contextlib.suppress(ValueError):
                out["echo"] = json.loads(body)
        return out
    except (TimeoutError, ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected, OSError) as e:
        return {"status": None, "error": type(e).__name__}
    finally:
        conn.close()


def drive_lane(work: str, nginx: str, cases: list[dict]) -> None:
    while True:  # nginx's container is started once our DNS server is up
        try:
            nginx_ip = socket.gethostbyname(nginx)
            break
        except OSError:
            time.sleep(0.05)
    for case in cases:
        n = case["id"]
        up = os.path.join(work, f"{n}.up")
        while not os.path.exists(up):
            time.sleep(0.02)
        with open(up, encoding="utf-8") as f:
            started = f.read().strip()
        results: list[dict] = []
        if started == "ok":
            for req in case["requests"]:
                first = send(nginx, req)
                if req.get("flip"):
                    # The name's address changes; after `valid` nginx asks again, if it asks at all.
                    FLIPPED.add(nginx_ip)
                    time.sleep(req["flip"])
                    first["after_flip"] = send(nginx, req)
                    FLIPPED.discard(nginx_ip)
                results.append(first)
        with open(os.path.join(work, f"{n}.out"), "w", encoding="utf-8") as f:
            json.dump({"started": started, "results": results}, f)
        open(os.path.join(work, f"{n}.done"), "w").close()


def drive(work: str) -> None:
    """Each lane (an nginx container with its own cases) is driven by a thread of its own."""
    with open(os.path.join(work, "cases.json"), encoding="utf-8") as f:
        plan = json.load(f)
    threads = [threading.Thread(target=drive_lane, args=(work, lane["nginx"], lane["cases"])) for lane in plan["lanes"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    open(os.path.join(work, "all.done"), "w").close()


def main(argv: list[str]) -> None:
    global NAME
    os.umask(0)  # the host's test removes what is written here
    mode, NAME = argv[0], argv[1]
    rest = argv[2:]
    work = None
    if "--work" in rest:
        i = rest.index("--work")
        work = rest[i + 1]
        rest = rest[:i] + rest[i + 2 :]
    serve_echo([int(p) for p in rest])
    if mode == "drive":
        assert work is not None
        ADDRESSES["A"] = socket.gethostbyname(socket.gethostname())
        while not os.path.exists(os.path.join(work, "cases.json")):  # written once our address is known
            time.sleep(0.05)
        with open(os.path.join(work, "cases.json"), encoding="utf-8") as f:
            ADDRESSES["B"] = socket.gethostbyname(json.load(f)["other"])
        serve_dns()
        open(os.path.join(work, "dns.ready"), "w").close()
        drive(work)
        return
    open(f"/tmp/{NAME}.ready", "w").close()
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main(sys.argv[1:])
