"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol (plain JSON and SSE
streaming), scripted per test: what the "model" answers, or how the endpoint misbehaves."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK_CHARS = 4  # characters per streamed delta, so answers arrive in many pieces


@dataclass
class Reply:
    """How the endpoint answers the next requests.

    content: the model's answer, or a function of the request body (the parsed JSON) returning it.
    status: HTTP status; anything but 200 sends an OpenAI-style error object.
    raw_body: sent verbatim instead of a completion (the SSE data line when streaming): malformed output.
    delay: seconds to wait before answering at all.
    stall_after: when streaming, stop after this many deltas and hang (until the server closes).
    chunk_delay: when streaming, seconds between deltas (a slow model).
    """

    content: str | Callable[[dict], str] = ""
    status: int = 200
    raw_body: str | None = None
    delay: float = 0.0
    stall_after: int | None = None
    chunk_delay: float = 0.0


class FakeOpenAI:
    def __init__(self) -> None:
        self.reply = Reply()
        self.requests: list[dict] = []
        self.received: list[float] = []  # time.monotonic() when each request arrived
        self.hung_up = threading.Event()  # set when the client closed a stream before it ended
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def script(self, reply: Reply) -> None:
        self.reply = reply
        self.requests.clear()
        self.received.clear()
        self.hung_up.clear()

    def __enter__(self) -> "FakeOpenAI":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._released.set()  # wake handlers that are hanging on purpose
        self._server.shutdown()
        self._server.server_close()

    def wait(self, seconds: float) -> None:
        self._released.wait(seconds)


def _completion(model: str, content: str) -> dict:
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _chunk(model: str, delta: dict, finish: str | None = None) -> str:
    data = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args) -> None:  # keep test output clean
            pass

        def do_POST(self) -> None:
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, "application/json", json.dumps({"error": {"message": "not found"}}))
                return
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            fake.requests.append(body)
            fake.received.append(time.monotonic())
            reply = fake.reply
            if reply.delay:
                fake.wait(reply.delay)
            try:
                self._answer(reply, body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout): expected
                fake.hung_up.set()

        def _answer(self, reply: Reply, body: dict) -> None:
            model = body.get("model", "")
            if reply.status != 200:
                error = {"error": {"message": "scripted failure", "type": "server_error", "code": reply.status}}
                self._send(reply.status, "application/json", json.dumps(error))
                return
            content = reply.content(body) if callable(reply.content) else reply.content
            if not body.get("stream"):
                text = reply.raw_body if reply.raw_body is not None else json.dumps(_completion(model, content))
                self._send(200, "application/json", text)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            if reply.raw_body is not None:
                self._write(f"data: {reply.raw_body}\n\n")
            else:
                self._write(_chunk(model, {"role": "assistant", "content": ""}))
                pieces = [content[i:i + CHUNK_CHARS] for i in range(0, len(content), CHUNK_CHARS)]
                for number, piece in enumerate(pieces):
                    if reply.stall_after is not None and number == reply.stall_after:
                        fake.wait(60)
                        return
                    self._write(_chunk(model, {"content": piece}))
                    if reply.chunk_delay:
                        fake.wait(reply.chunk_delay)
                self._write(_chunk(model, {}, "stop"))
            self._write("data: [DONE]\n\n")

        def _send(self, status: int, content_type: str, text: str) -> None:
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _write(self, text: str) -> None:
            self.wfile.write(text.encode("utf-8"))
            self.wfile.flush()

    return Handler
