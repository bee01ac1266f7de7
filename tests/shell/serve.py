#!/usr/bin/python3
# serve.py - the exported server as a client meets it: every bad request the
# issue lists gets its 4xx and a JSON error while the server keeps serving;
# the token; the request log and /feedback; /metadata; /metrics with the
# predictions, the live accuracy and each input's drift; SIGUSR1 reopens the
# log; SIGTERM drains and exits 0. Run by serve.sh (TAP); standard library
# only.
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SRC = os.environ["top_srcdir"]
BUILD = os.environ["top_builddir"]
AIWB = os.path.join(BUILD, "src", "aiwb")
DATA = os.path.join(SRC, "datasets")
TOKEN = "s3cret"

tests = []


def ok(cond, name, detail=""):
    tests.append((bool(cond), name, detail))


def start(exe, *args):
    proc = subprocess.Popen([exe, "--port", "0", "--threads", "2"] + list(args),
                            stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    if "http://" not in line:
        raise RuntimeError("the server did not start: " + line + proc.stderr.read())
    port = int(line.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
    return proc, port


def raw(port, data, read_timeout=10.0, pause=None):
    """Send DATA (bytes, or a list of pieces with PAUSE seconds between them)
    and return what the server answers until it closes or goes quiet."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(read_timeout)
    pieces = data if isinstance(data, list) else [data]
    for i, piece in enumerate(pieces):
        s.sendall(piece)
        if pause and i + 1 < len(pieces):
            time.sleep(pause)
    out = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
            if b"\r\n\r\n" in out:
                head, _, body = out.partition(b"\r\n\r\n")
                length = [int(h.split(b":")[1]) for h in head.split(b"\r\n")
                          if h.lower().startswith(b"content-length:")]
                if length and len(body) >= length[0]:
                    break
    except socket.timeout:
        pass
    s.close()
    return out


def request(port, method, path, body=None, token=TOKEN, headers=None):
    b = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    head = "%s %s HTTP/1.1\r\nHost: x\r\n" % (method, path)
    if token is not None:
        head += "Authorization: Bearer %s\r\n" % token
    for k, v in (headers or {}).items():
        head += "%s: %s\r\n" % (k, v)
    if body is not None:
        head += "Content-Type: application/json\r\nContent-Length: %d\r\n" % len(b)
    out = raw(port, head.encode() + b"\r\n" + b)
    status = int(out.split(b" ", 2)[1]) if out.startswith(b"HTTP/1.1 ") else 0
    body_text = out.partition(b"\r\n\r\n")[2].decode(errors="replace")
    return status, body_text


def json_error(status, body, want_status, *words):
    try:
        j = json.loads(body)
    except ValueError:
        return False
    return (status == want_status and j.get("status") == want_status
            and all(w in j.get("error", "") for w in words))


ROW = {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}


def main():
    tmp = tempfile.mkdtemp(prefix="aiwb-serve-")
    ws = os.path.join(tmp, "w.db")
    script = "\n".join([
        "load iris %s/iris.csv" % DATA,
        "train logistic on iris target=species with standardize as clf",
        "export clf to %s/clf" % tmp,
        "train ridge on iris target=petal_width as reg",
        "export reg to %s/reg" % tmp,
    ]) + "\n"
    r = subprocess.run([AIWB, "-w", ws, "-f", "-"], input=script, text=True,
                       capture_output=True, cwd=tmp)
    ok(r.returncode == 0, "two models train and export", r.stderr[-1500:])
    if r.returncode != 0:
        return finish(tmp)
    for f in ("aiwb-server", "model.bundle", "README.md", "aiwb-server.service", "LICENSE"):
        ok(os.path.exists(os.path.join(tmp, "clf", f)), "export writes %s" % f)
    readme = open(os.path.join(tmp, "clf", "README.md")).read()
    ok("curl -s localhost:8080/predict -d '{\"sepal_length\": 5.1" in readme,
       "the README's curl example holds a training row", readme[:600])
    ldd = subprocess.run(["ldd", os.path.join(tmp, "clf", "aiwb-server")], capture_output=True,
                         text=True).stdout
    libs = [l.split()[0] for l in ldd.splitlines() if "=>" in l]
    extra = [l for l in libs if not any(l.startswith(p) for p in
                                        ("libc.so", "libm.so", "libpthread", "linux-vdso",
                                         "libasan", "libubsan", "libstdc++", "libgcc_s",
                                         "libdl", "librt"))]
    ok(not extra and "gsl" not in ldd and "sqlite" not in ldd,
       "the server links nothing beyond libc, libm and pthread", ldd)

    log = os.path.join(tmp, "pred.jsonl")
    exe = os.path.join(tmp, "clf", "aiwb-server")
    proc, port = start(exe, "--token", TOKEN, "--log", log, "--max-body", "40000",
                       "--timeout", "700")

    st, body = request(port, "GET", "/health", token=None)
    ok(st == 200 and json.loads(body)["status"] == "ok", "/health answers without the token",
       body)
    st, body = request(port, "POST", "/predict", ROW, token=None)
    ok(json_error(st, body, 401), "no token: 401", body)
    st, body = request(port, "POST", "/predict", ROW, token="wrong")
    ok(json_error(st, body, 401), "a wrong token: 401", body)
    st, body = request(port, "POST", "/predict", ROW)
    ans = json.loads(body) if st == 200 else {}
    ok(st == 200 and ans.get("prediction") == "setosa" and
       abs(sum(ans.get("probabilities", {}).values()) - 1) < 1e-12 and "id" in ans,
       "one row: the class, its probabilities and a request id", body)
    first_id = ans.get("id")

    st, body = request(port, "POST", "/predict", b'{"sepal_length": 5.1,,}')
    ok(json_error(st, body, 400, "line 1 column 22"), "malformed JSON: 400 naming line and column",
       body)
    st, body = request(port, "POST", "/predict", dict(ROW, sepal_width="wide"))
    ok(json_error(st, body, 422, "sepal_width", "expected a number", "string"),
       "a string for a number: 422 naming the field", body)
    st, body = request(port, "POST", "/predict", [ROW, dict(ROW, petal_length=True)])
    ok(json_error(st, body, 422, "row 2", "petal_length"),
       "a wrong type in a batch: 422 naming the row and the field", body)
    st, body = request(port, "POST", "/predict", "just text")
    ok(json_error(st, body, 422, "expected an object"), "a JSON string, not rows: 422", body)
    st, body = request(port, "POST", "/predict", {"sepal_length": 5.1})
    ok(json_error(st, body, 422, "missing", "no imputer"),
       "missing fields where the model has no imputer: 422", body)
    st, body = request(port, "POST", "/predict", [ROW] * 600)
    ok(json_error(st, body, 413), "a body over --max-body: 413", body)
    out = raw(port, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
    ok(out.startswith(b"HTTP/1.1 431"), "a header too large: 431", out[:200])
    t0 = time.time()
    out = raw(port, [b"POST /predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                     TOKEN.encode() + b"\r\nContent-Length: 50\r\n\r\n{\"se",
                     b"pal"], pause=1.5)
    ok(out.startswith(b"HTTP/1.1 408") and time.time() - t0 < 5, "a slow client: 408",
       out[:200])
    st, body = request(port, "GET", "/nowhere")
    ok(json_error(st, body, 404), "an unknown path: 404", body)
    st, body = request(port, "GET", "/predict")
    ok(json_error(st, body, 405), "a wrong method: 405", body)
    st, body = request(port, "POST", "/feedback", {"label": "setosa"})
    ok(json_error(st, body, 422, "id"), "feedback without an id: 422", body)
    st, body = request(port, "POST", "/feedback", {"id": first_id, "label": "tulip"})
    ok(json_error(st, body, 422, "tulip", "classes"), "feedback with an unknown class: 422",
       body)

    st, body = request(port, "POST", "/predict", ROW)
    ok(st == 200, "after all of that, the server still answers", body)
    st, body = request(port, "POST", "/feedback", {"id": first_id, "label": "setosa"})
    fb = json.loads(body) if st == 200 else {}
    ok(st == 200 and fb.get("matched") is True and fb.get("recorded") is True,
       "feedback for a past prediction is matched and recorded", body)

    iris = []
    with open(os.path.join(DATA, "iris.csv")) as f:
        names = f.readline().strip().split(",")
        for line in f:
            vals = line.strip().split(",")
            iris.append({k: float(v) for k, v in zip(names[:4], vals[:4])})
    st, body = request(port, "POST", "/predict", iris)
    preds = json.loads(body).get("predictions", []) if st == 200 else []
    ok(st == 200 and len(preds) == 150 and preds[1]["id"] == json.loads(body)["id"] + ".1",
       "a batch of 150 rows: 150 predictions, each with its id", body[:300])
    st, body = request(port, "POST", "/predict",
                       [dict(r, petal_length=r["petal_length"] + 3) for r in iris])
    ok(st == 200, "a batch with petal_length shifted", body[:200])

    st, meta = request(port, "GET", "/metadata")
    meta = json.loads(meta) if st == 200 else {}
    ok(meta.get("model") == "clf" and meta.get("version") == 1 and
       [i["name"] for i in meta.get("inputs", [])] ==
       ["sepal_length", "sepal_width", "petal_length", "petal_width"] and
       meta.get("classes") == ["setosa", "versicolor", "virginica"] and
       meta.get("transforms") == ["standardize"] and meta.get("drift_reference") is True,
       "/metadata: the model, its version, inputs, classes and transforms", json.dumps(meta))

    st, metrics = request(port, "GET", "/metrics")
    want = ['aiwb_requests_total{code="401"} 2', 'aiwb_requests_total{code="422"}',
            "aiwb_predictions_total 302", 'aiwb_predicted_class_total{class="setosa"} ',
            "aiwb_feedback_matched_total 1", "aiwb_live_accuracy 1",
            'aiwb_feature_psi{feature="petal_length"}', "aiwb_request_duration_seconds_bucket"]
    missing = [w for w in want if w not in metrics]
    ok(st == 200 and not missing, "/metrics: requests by status, predictions by class, live "
       "accuracy, drift", "missing: %s\n%s" % (missing, metrics[-3000:]))
    psi = {}
    for line in metrics.splitlines():
        if line.startswith("aiwb_feature_psi{"):
            psi[line.split('"')[1]] = float(line.rsplit(" ", 1)[1])
    ok(psi.get("petal_length", 0) > 0.5 and
       max(psi.get(k, 9) for k in ("sepal_length", "sepal_width", "petal_width")) < 0.1,
       "the shifted input's PSI stands out (over 0.5), the others stay under 0.1", repr(psi))

    os.rename(log, log + ".1")
    proc.send_signal(signal.SIGUSR1)
    time.sleep(0.3)
    st, body = request(port, "POST", "/predict", ROW)
    ok(st == 200 and os.path.exists(log) and os.path.getsize(log) > 0,
       "SIGUSR1 reopens the log (rotation)")
    st, body = request(port, "POST", "/predict", {"features": [5.1, 3.5, 1.4, 0.2]})
    ok(st == 200 and json.loads(body).get("prediction") == "setosa",
       "the inputs by position: {\"features\": [...]}", body)

    # Drain: a request under way when SIGTERM comes still gets its answer.
    s = socket.create_connection(("127.0.0.1", port))
    b = json.dumps(ROW).encode()
    s.sendall(("POST /predict HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Content-Length: %d\r\n\r\n" % (TOKEN, len(b))).encode() + b[:10])
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    s.sendall(b[10:])
    s.settimeout(10)
    answer = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    except socket.timeout:
        pass
    s.close()
    rc = proc.wait(timeout=20)
    proc.stderr.close()
    ok(answer.startswith(b"HTTP/1.1 200") and rc == 0,
       "SIGTERM drains the request under way and exits 0", "rc %s, %r" % (rc, answer[:200]))

    records = [json.loads(l) for f in (log + ".1", log) for l in open(f)]
    preds = [r for r in records if "output" in r]
    feedback = [r for r in records if "feedback" in r]
    ok(len(preds) == 305 and preds[0]["id"] == first_id and preds[0]["input"] == ROW and
       preds[0]["output"]["prediction"] == "setosa",
       "the log holds every prediction with its id, input and output",
       "%d records; first %s" % (len(preds), preds[:1]))
    ok(preds[-2]["input"] == ROW,
       "a row given by position is logged keyed by the model's inputs", repr(preds[-2:]))
    ok(len(feedback) == 1 and feedback[0]["feedback"] == first_id and
       feedback[0]["label"] == "setosa", "the log holds the feedback", repr(feedback))

    # A model whose one-hot input is required: a missing or unseen level.
    proc, port = start(os.path.join(tmp, "reg", "aiwb-server"))
    row = dict(ROW, species="setosa")
    del row["petal_width"]
    st, body = request(port, "POST", "/predict", row, token=None)
    ok(st == 200 and isinstance(json.loads(body).get("prediction"), float),
       "regression: one number", body)
    st, body = request(port, "POST", "/predict", dict(row, species="rose"), token=None)
    ok(json_error(st, body, 422, "species", "rose", "not seen in training"),
       "an unseen level of a one-hot input: 422", body)
    del row["species"]
    st, body = request(port, "POST", "/predict", row, token=None)
    ok(json_error(st, body, 422, "species", "missing"), "a missing one-hot input: 422", body)
    proc.terminate()
    ok(proc.wait(timeout=20) == 0, "SIGTERM on an idle server: exit 0")
    proc.stderr.close()
    return finish(tmp)


def finish(tmp):
    print("1..%d" % len(tests))
    for i, (good, name, detail) in enumerate(tests, 1):
        print("%s %d - %s" % ("ok" if good else "not ok", i, name))
        if not good and detail:
            for line in str(detail).splitlines()[:20]:
                print("#   " + line)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
