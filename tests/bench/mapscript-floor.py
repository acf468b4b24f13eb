"""B3's warm floor: MapServer's own mapscript drawing maps in one long-running process.

Started by tests/bench/render.ts (`npm run bench:render`) with the Debian system Python, which has the
`python3-mapscript` package (the bench installs it with apt-get when it is missing). It reads requests as JSON
lines on stdin and answers each with one JSON line on stdout, in order:

  request   {"id": 7, "mapfile": "/tmp/…/site-3-150.map", "out": "/tmp/…/site-3-150-ms.png"}
            or {"id": 7, "text": "MAP … END", "out": "…"} (a mapfile's text instead of its path)
  answer    {"id": 7, "ms": 83.1, "loadMs": 0.0, "drawMs": 61.2, "saveMs": 21.9, "reused": true}
            or {"id": 7, "error": "…"}

A mapfile is loaded once with mapscript.mapObj (or mapscript.fromstring for text) and the map object is kept for the
next request that names the same file or text, as a map server keeps its maps loaded; its PostGIS layers have
PROCESSING "CLOSE_CONNECTION=DEFER", so their connections stay open in MapServer's pool between draws. `ms` is load
(0 when reused) + map.draw() + saving the PNG with the map's output format, timed here with perf_counter.
An empty line or end of input ends the process.
"""

import hashlib
import json
import sys
import time

import mapscript

maps = {}


def answer(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def handle(req):
    out = req["out"]
    if "mapfile" in req:
        key = "file:" + req["mapfile"]
    else:
        key = "text:" + hashlib.sha1(req["text"].encode("utf-8")).hexdigest()
    t0 = time.perf_counter()
    m = maps.get(key)
    reused = m is not None
    if m is None:
        m = mapscript.mapObj(req["mapfile"]) if "mapfile" in req else mapscript.fromstring(req["text"])
        maps[key] = m
    t1 = time.perf_counter()
    image = m.draw()
    t2 = time.perf_counter()
    image.save(out)
    t3 = time.perf_counter()
    return {
        "id": req.get("id"),
        "ms": (t3 - t0) * 1000,
        "loadMs": (t1 - t0) * 1000,
        "drawMs": (t2 - t1) * 1000,
        "saveMs": (t3 - t2) * 1000,
        "reused": reused,
    }


def main():
    answer({"ready": True, "version": mapscript.msGetVersion()})
    for line in sys.stdin:
        line = line.strip()
        if not line:
            break
        req = None
        try:
            req = json.loads(line)
            answer(handle(req))
        except Exception as e:  # noqa: BLE001 -- every failure goes back to the bench as an answer
            errors = ""
            try:
                errors = mapscript.msGetErrorString("; ") or ""
                mapscript.msResetErrorList()
            except Exception:  # noqa: BLE001
                pass
            answer({"id": req.get("id") if isinstance(req, dict) else None, "error": f"{e} {errors}".strip()})


if __name__ == "__main__":
    main()
