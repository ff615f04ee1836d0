"""The baseline of the HTTP benchmark: a minimal Flask "hello world".

Served by waitress (``python bench/hello.py PORT THREADS``) or by gunicorn
(``gunicorn bench.hello:app``), the same app both ways.
"""

import sys

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, World!"


if __name__ == "__main__":
    import waitress

    waitress.serve(app, host="127.0.0.1", port=int(sys.argv[1]), threads=int(sys.argv[2]),
                   _quiet=True)
