#!/usr/bin/env python3
"""Loads the TailKit dashboard in headless Chromium and reports what the page drew, as JSON on stdout.

Drives Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: file descriptors 3 and 4,
messages ending in NUL), with the standard library only, so that `swift test` can run it on a fresh Debian.

  dashboard_browser_check.py --chromium /usr/bin/chromium --url http://127.0.0.1:PORT/ \
      [--append-to RUN/log.jsonl --line '{"event":"period",...}' --metric eval/top1 --run r0] \
      [--screenshot page.png] [--timeout 60]

Steps: open the page; wait until the charts are drawn (the first-render time the page records is reported as
`first_render_ms`); read the counts of SVG elements; when --append-to is given, append --line to that file (as
a training process would) and wait until the --metric chart's line for --run has one point more, without a
reload; optionally save a full-page screenshot.
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time

# What the page shows, read in the page: chart counts and the points of every curve.
PROBE = """(() => {
  const q = s => document.querySelectorAll(s).length;
  const data = document.body ? document.body.dataset : {};  // null while the page is being replaced
  const points = {};
  for (const p of document.querySelectorAll('svg.chart path.series')) {
    const m = p.closest('svg').getAttribute('data-metric');
    points[m + '|' + p.getAttribute('data-run') + '|' + (p.getAttribute('stroke-dasharray') || '')] = +p.getAttribute('data-points');
  }
  return JSON.stringify({
    status: (document.getElementById('status') || {}).textContent || '',
    first_render_ms: +(data.firstRenderMs || -1),
    periods: +(data.periods || 0),
    charts: q('svg.chart'), series: q('svg.chart path.series'), runs: q('#runs .run'),
    class_points: q('svg#longtail circle.class-point'), moves: q('svg#longtail line.move'),
    confusion_cells: q('svg#confusion rect.cell'), bars: q('svg.bars rect.bar'),
    metrics: [...document.querySelectorAll('svg.chart')].map(s => s.getAttribute('data-metric')),
    notes: [...document.querySelectorAll('#runs .note')].map(n => n.textContent),
    config_rows: q('table.config tbody tr'), points: points,
  });
})()"""


class DevTools:
    """One Chromium process and a page session on it."""

    def __init__(self, chromium, width, height):
        self.profile = tempfile.TemporaryDirectory(prefix="tailkit-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def child_fds():
            # Through fds above 4 first: the pipe ends themselves may be 3 or 4.
            os.dup2(to_chrome_r, 100)
            os.dup2(from_chrome_w, 101)
            os.dup2(100, 3)
            os.dup2(101, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars", "--remote-debugging-pipe",
             f"--user-data-dir={self.profile.name}", f"--window-size={width},{height}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=child_fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buffer = b""
        self.next_id = 0
        self.session = None

    def send(self, method, params=None, session=True, timeout=30):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self.receive(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
        raise TimeoutError(f"{method}: no answer in {timeout} s")

    def receive(self, deadline):
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer")
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe (did it start?)")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def open_page(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self):
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.profile.cleanup()


def wait_for(tools, condition, timeout):
    """Probes the page every 100 ms until condition(probe) holds; returns the last probe and whether it held."""
    deadline = time.monotonic() + timeout
    probe = {}
    while time.monotonic() < deadline:
        probe = json.loads(tools.evaluate(PROBE) or "{}")
        if condition(probe):
            return probe, True
        time.sleep(0.1)
    return probe, False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--append-to")
    parser.add_argument("--line")
    parser.add_argument("--metric", default="eval/top1")
    parser.add_argument("--run", default="r0")
    parser.add_argument("--wait-confusion", action="store_true", help="also wait until the confusion matrix is drawn")
    parser.add_argument("--screenshot")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()

    tools = DevTools(args.chromium, args.width, args.height)
    out = {}
    try:
        tools.open_page()
        started = time.monotonic()
        tools.send("Page.navigate", {"url": args.url})
        probe, ok = wait_for(tools, lambda p: p.get("first_render_ms", -1) >= 0 and p.get("charts", 0) > 0
                             and (p.get("confusion_cells", 0) > 0 or not args.wait_confusion), args.timeout)
        out["load_wall_ms"] = round((time.monotonic() - started) * 1000)
        out["loaded"] = ok
        out["before"] = probe
        if ok and args.append_to:
            key = f"{args.metric}|{args.run}|"
            before = probe["points"].get(key, 0)
            with open(args.append_to, "a") as log:
                log.write(args.line.rstrip("\n") + "\n")
            appended = time.monotonic()
            probe, live = wait_for(tools, lambda p: p["points"].get(key, 0) == before + 1, args.timeout)
            out["live_update"] = live
            out["live_update_ms"] = round((time.monotonic() - appended) * 1000)
            out["after"] = probe
        if args.screenshot:
            metrics = tools.send("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            tools.send("Emulation.setDeviceMetricsOverride", {"width": args.width, "height": int(size["height"]),
                                                              "deviceScaleFactor": 1, "mobile": False})
            time.sleep(0.5)
            shot = tools.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
            with open(args.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
            out["screenshot"] = args.screenshot
    finally:
        tools.close()
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
