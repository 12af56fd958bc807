"""Builder speed in headless Chromium, on a 100-node workflow: time until it is drawn and until a
click on a node shows its config; frame times while dragging a node (and how many events the drag
sends); input latency while typing into a config field (and what the saves cost on the websocket).
Run: `python -m benchmarks.builder_speed` (starts the app in prod mode on a fresh SQLite database)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from benchmarks.viewer_latency import CHROMIUM, CHROMIUM_ARGS, start_app
from wayvo_app.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
# Counts drawn nodes and frame intervals in the page (performance.now() milliseconds).
FRAMES_JS = """() => { window.__frames = []; let last = performance.now();
  const tick = (now) => { window.__frames.push(now - last); last = now;
    if (window.__recording) requestAnimationFrame(tick); };
  window.__recording = true; requestAnimationFrame(tick); }"""
# Keydown → the next frame after the input shows the key: what a typist feels.
TYPING_JS = """(id) => { window.__lat = []; const el = document.getElementById(id);
  el.addEventListener('keydown', (e) => { const t0 = performance.now();
    requestAnimationFrame(() => requestAnimationFrame(() => window.__lat.push(performance.now() - t0))); }); }"""


def big_document(count: int = 100) -> dict:
    """A trigger and `count - 1` steps: a chain with a Condition every 10 steps branching off."""
    nodes = [{"id": "t", "type": "trigger", "position": {"x": 0, "y": 0},
              "data": {"label": "Trigger", "type": "trigger", "config": {"triggerType": "Manual"}}}]
    edges = []
    previous = "t"
    for i in range(1, count):
        column, row = divmod(i, 20)
        position = {"x": column * 320, "y": row * 130}
        if i % 10 == 0:
            config = {"actionType": "Condition", "condition": "{{Trigger.amount}} > " + str(i)}
        elif i % 3 == 0:
            config = {"actionType": "Sleep", "duration": "1s"}
        else:
            config = {"actionType": "HTTP Request", "httpMethod": "POST",
                      "endpoint": "https://shop.example/orders/{{Trigger.orderId}}/" + str(i),
                      "httpBody": '{"step": ' + str(i) + ', "amount": {{Trigger.amount}}}'}
        node_id = f"n{i}"
        nodes.append({"id": node_id, "type": "action", "position": position,
                      "data": {"label": f"Step {i}", "type": "action", "config": config}})
        handle = "true" if previous.startswith("n") and int(previous[1:]) % 10 == 0 else None
        edge = {"id": f"e{i}", "source": previous, "target": node_id}
        if handle:
            edge["sourceHandle"] = handle
        edges.append(edge)
        previous = node_id
    return {"name": f"Speed {count} nodes", "nodes": nodes, "edges": edges}


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#user_name", "owner")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/workflows")


def measure_open(page, base: str, workflow_id: str, count: int) -> dict:
    started = time.perf_counter()
    page.goto(f"{base}/workflows/{workflow_id}")
    page.wait_for_function(f"document.querySelectorAll('.react-flow__node').length >= {count}", polling="raf",
                           timeout=30000)
    drawn = time.perf_counter()
    page.locator('.react-flow__node[data-id="n5"] .wv-bn-head').click()
    page.locator('#node-label[value="Step 5"]').wait_for(timeout=30000)
    answered = time.perf_counter()
    return {"drawn_ms": (drawn - started) * 1000, "interactive_ms": (answered - started) * 1000}


def measure_drag(page) -> dict:
    sent: list = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(payload)))
    page.reload()
    page.locator('#builder[data-phase="ready"]').wait_for()
    page.click(".react-flow__controls-fitview")
    node = page.locator('.react-flow__node[data-id="n7"]')
    box = node.bounding_box()
    page.wait_for_timeout(300)
    sent.clear()
    page.evaluate(FRAMES_JS)
    x, y = box["x"] + 30, box["y"] + 12
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 91):
        page.mouse.move(x + step * 3, y + step * 2)
        page.wait_for_timeout(8)
    page.mouse.up()
    page.evaluate("window.__recording = false")
    frames = page.evaluate("window.__frames")[2:]  # the first frames measure the setup
    page.wait_for_timeout(500)
    moves = sum(1 for frame in sent if "nodes_moved" in str(frame))
    frames.sort()
    return {"frames": len(frames), "frame_p50_ms": statistics.median(frames),
            "frame_p95_ms": frames[int(len(frames) * 0.95) - 1], "frame_max_ms": frames[-1],
            "events_during_drag": len(sent), "move_events": moves}


def _saved_endpoint(api: tuple[str, str, dict], text: str) -> bool:
    base, workflow_id, headers = api
    doc = httpx.get(f"{base}/api/workflows/{workflow_id}", headers=headers, timeout=10).json()
    node = next(n for n in doc["nodes"] if n["id"] == "n4")
    return node["data"]["config"]["endpoint"].endswith(text)


def measure_typing(page, api: tuple[str, str, dict]) -> dict:
    received: list[int] = []
    sent: list = []
    page.on("websocket", lambda ws: (ws.on("framereceived", lambda p: received.append(len(p))),
                                     ws.on("framesent", lambda p: sent.append(p))))
    page.reload()
    page.locator('#builder[data-phase="ready"]').wait_for()
    page.locator('.react-flow__node[data-id="n4"] .wv-bn-head').click()
    page.locator("#cfg-endpoint").wait_for()
    page.evaluate(TYPING_JS, "cfg-endpoint")
    page.click("#cfg-endpoint")
    page.keyboard.press("End")
    received.clear()
    sent.clear()
    text = "?customer=acme&expand=items,payments&region=eu"
    for char in text:
        page.keyboard.type(char)
        page.wait_for_timeout(25)  # a fast typist: 40 keys per second
    typed = time.perf_counter()
    while not _saved_endpoint(api, text):  # the draft in the database has every key
        if time.perf_counter() - typed > 15:
            raise SystemExit("the typed text was not saved within 15 s")
        time.sleep(0.02)
    saved = time.perf_counter()
    page.wait_for_timeout(300)  # lets the sync API deliver the websocket frame events
    latencies = sorted(page.evaluate("window.__lat"))
    value = page.locator("#cfg-endpoint").input_value()
    return {"keys": len(text), "input_p50_ms": statistics.median(latencies),
            "input_p95_ms": latencies[int(len(latencies) * 0.95) - 1], "input_max_ms": latencies[-1],
            "events_sent": len(sent), "bytes_received": sum(received), "frames_received": len(received),
            "saved_after_last_key_ms": (saved - typed) * 1000, "text_intact": value.endswith(text)}


def run(count: int, repeats: int, port: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="wayvo-builder-bench-"))
    proc, base, _ = start_app(port, workdir)
    try:
        login = httpx.post(f"{base}/api/auth/login", json={"userName": "owner", "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['token']}"}
        created = httpx.post(f"{base}/api/workflows", json=big_document(count), headers=headers, timeout=30)
        created.raise_for_status()
        workflow_id = created.json()["id"]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            page.set_default_timeout(30000)
            _sign_in(page, base)
            measure_open(page, base, workflow_id, count)  # warm-up: caches, compiled JS
            opens = [measure_open(page, base, workflow_id, count) for _ in range(repeats)]
            drag = measure_drag(page)
            typing = measure_typing(page, (base, workflow_id, headers))
            browser.close()
        return {"nodes": count, "repeats": repeats,
                "open_drawn_ms_median": statistics.median(o["drawn_ms"] for o in opens),
                "open_drawn_ms_max": max(o["drawn_ms"] for o in opens),
                "open_interactive_ms_median": statistics.median(o["interactive_ms"] for o in opens),
                "open_interactive_ms_max": max(o["interactive_ms"] for o in opens),
                "drag": drag, "typing": typing}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--port", type=int, default=3191)
    args = parser.parse_args()
    result = run(args.nodes, args.repeats, args.port)
    drag, typing = result["drag"], result["typing"]
    print(f"\nBuilder speed, {result['nodes']}-node workflow, headless Chromium 1280x800 ({args.repeats} opens)")
    print(f"  open → all nodes drawn       median {result['open_drawn_ms_median']:7.0f} ms   "
          f"max {result['open_drawn_ms_max']:7.0f} ms")
    print(f"  open → click answered        median {result['open_interactive_ms_median']:7.0f} ms   "
          f"max {result['open_interactive_ms_max']:7.0f} ms   (target < 2000 ms)")
    print(f"  drag (90 moves)              frames p50 {drag['frame_p50_ms']:5.1f} ms  p95 {drag['frame_p95_ms']:5.1f} ms"
          f"  max {drag['frame_max_ms']:5.1f} ms; events sent {drag['events_during_drag']}"
          f" (moves: {drag['move_events']})")
    print(f"  typing ({typing['keys']} keys, 40/s)      keydown→paint p50 {typing['input_p50_ms']:5.1f} ms"
          f"  p95 {typing['input_p95_ms']:5.1f} ms  max {typing['input_max_ms']:5.1f} ms; events sent "
          f"{typing['events_sent']}, {typing['frames_received']} frames / {typing['bytes_received']} bytes "
          f"received; saved {typing['saved_after_last_key_ms']:.0f} ms after the last key; "
          f"text intact: {typing['text_intact']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "builder_speed.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
