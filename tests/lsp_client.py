"""A small LSP client for tests and benchmarks: JSON-RPC over a subprocess's stdio, with
Content-Length framing, request ids, and a timeout on every wait (a test never hangs)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

TIMEOUT = 60.0  # seconds: generous (a loaded machine loads cfn-lint slowly), never infinite


class LspError(Exception):
    pass


class LspClient:
    def __init__(self, cwd: str | Path, args: list[str] | None = None, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(args or [sys.executable, "-m", "linter", "server"], cwd=str(cwd),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env={**os.environ, **(env or {})})
        self.next_id = 0
        self.responses: dict[int, dict[str, Any]] = {}
        self.notifications: list[dict[str, Any]] = []
        self.cond = threading.Condition()
        self.stderr: list[bytes] = []
        self.closed = False
        self.requests_from_server: queue.Queue[dict[str, Any]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()

    # -- wire ------------------------------------------------------------------------------
    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def _read(self) -> None:
        out = self.proc.stdout
        try:
            while True:
                length = None
                while True:
                    line = out.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if length is None:
                    continue
                message = json.loads(out.read(length))
                self._dispatch(message)
        finally:
            with self.cond:
                self.closed = True
                self.cond.notify_all()

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message and "method" in message:  # a request from the server: answer it
            self.requests_from_server.put(message)
            self._send({"id": message["id"], "result": None})
            return
        with self.cond:
            if "id" in message:
                self.responses[message["id"]] = message
            else:
                self.notifications.append(message)
            self.cond.notify_all()

    def _drain_stderr(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line)

    # -- API -------------------------------------------------------------------------------
    def request(self, method: str, params: Any = None, timeout: float = TIMEOUT) -> Any:
        self.next_id += 1
        rid = self.next_id
        self._send({"id": rid, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        with self.cond:
            while rid not in self.responses:
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    raise LspError(f"no answer to {method} within {timeout} s; stderr: {self.err()}")
                self.cond.wait(left)
            message = self.responses.pop(rid)
        if "error" in message:
            raise LspError(f"{method}: {message['error']}")
        return message.get("result")

    def notify(self, method: str, params: Any = None) -> None:
        self._send({"method": method, "params": params})

    def wait(self, method: str, where: Callable[[dict[str, Any]], bool] = lambda p: True,
             timeout: float = TIMEOUT) -> dict[str, Any]:
        """The params of the first notification `method` not yet taken for which `where` holds
        (the notification is taken: the next wait sees only later ones)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i, note in enumerate(self.notifications):
                    if note.get("method") == method and where(note.get("params")):
                        del self.notifications[i]
                        return note.get("params")
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    raise LspError(f"no {method} within {timeout} s; stderr: {self.err()}")
                self.cond.wait(left)

    def diagnostics(self, uri: str, version: int | None = None, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """The next diagnostics published for `uri` (for `version`, when given)."""
        params = self.wait("textDocument/publishDiagnostics",
                           lambda p: p["uri"] == uri and (version is None or p.get("version") == version), timeout)
        return params["diagnostics"]

    def err(self) -> str:
        return b"".join(self.stderr).decode("utf-8", "replace")[-2000:]

    def initialize(self, root: str | Path, capabilities: dict[str, Any] | None = None) -> dict[str, Any]:
        uri = Path(root).resolve().as_uri()
        result = self.request("initialize", {
            "processId": os.getpid(), "rootUri": uri, "workspaceFolders": [{"uri": uri, "name": "ws"}],
            "capabilities": capabilities if capabilities is not None else {
                "general": {"positionEncodings": ["utf-16"]},
                "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}},
                "textDocument": {"publishDiagnostics": {"versionSupport": True}}}})
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str, language: str = "yaml", version: int = 1) -> str:
        uri = path.resolve().as_uri()
        self.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": language, "version": version, "text": text}})
        return uri

    def change(self, uri: str, text: str, version: int) -> None:
        self.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                "contentChanges": [{"text": text}]})

    def close(self, timeout: float = 20.0) -> int:
        """shutdown, exit; the exit status (the process is killed if it does not end)."""
        try:
            if self.proc.poll() is None:
                self.request("shutdown", None, timeout)
                self.notify("exit")
            return self.proc.wait(timeout)
        except (LspError, OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait(timeout)
            return -9
        finally:
            for stream in (self.proc.stdin, self.proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass


def apply_edits(text: str, edits: list[dict[str, Any]]) -> str:
    """Apply LSP TextEdits (UTF-16 positions) to `text`, last first."""
    lines = text.splitlines(keepends=True) or [""]

    def offset(pos: dict[str, int]) -> int:
        before = sum(len(line) for line in lines[:pos["line"]])
        line = lines[pos["line"]] if pos["line"] < len(lines) else ""
        units = 0
        for i, ch in enumerate(line):
            if units >= pos["character"]:
                return before + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return before + len(line.rstrip("\r\n")) if pos["line"] < len(lines) else len(text)

    spans = sorted(((offset(e["range"]["start"]), offset(e["range"]["end"]), e["newText"]) for e in edits),
                   reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text
