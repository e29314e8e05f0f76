"""A small to-do list for Docker lessons: Flask in front of PostgreSQL.

GET  /              the list (plain text for curl, HTML for a browser), with the container's
                    host name, so you can tell replicas apart behind a load balancer
POST /todos         add one: curl -d title='Buy milk' localhost:3000/todos
GET  /todos         the list as JSON
POST /todos/<id>/done  remove one (the browser's Done button)
DELETE /todos/<id>  remove one: curl -X DELETE localhost:3000/todos/1

The database comes from DATABASE_URL (default: postgresql://docker:docker@localhost:5432/todo),
the port from PORT (default 3000; gunicorn, which serves the app in the image, reads it too). The app connects for each request, so it keeps working when
the database restarts, and says why when it cannot reach it (HTTP 503).
"""
import html
import os
import re
import socket

import psycopg2
import psycopg2.errors
from flask import Flask, Response, jsonify, redirect, request

TITLE = "To-do list"
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://docker:docker@localhost:5432/todo")
PORT = int(os.environ.get("PORT", "3000"))
HOST = socket.gethostname()
SAFE_URL = re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", DATABASE_URL)  # the password hidden

app = Flask(__name__)
print(f"To-do app, database {SAFE_URL}", flush=True)


def connect():
    conn = psycopg2.connect(DATABASE_URL, connect_timeout=3)
    try:
        # Every time: the database may be a new, empty one since the last request.
        with conn, conn.cursor() as cur:
            cur.execute(
                "CREATE TABLE IF NOT EXISTS todos (id serial PRIMARY KEY, title text NOT NULL,"
                " created_at timestamptz NOT NULL DEFAULT now())"
            )
    except psycopg2.errors.UniqueViolation:
        pass  # another replica created it at the same moment
    except BaseException:
        conn.close()
        raise
    return conn


def query(sql, args=()):
    conn = connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else cur.rowcount
    finally:
        conn.close()


def wants_html():
    return request.accept_mimetypes.best_match(["text/plain", "text/html"]) == "text/html" and (
        request.accept_mimetypes["text/html"] > request.accept_mimetypes["text/plain"]
    )


@app.errorhandler(psycopg2.Error)
def database_error(error):
    what = "Cannot reach the database" if isinstance(error, psycopg2.OperationalError) else "Database error"
    text = f"{TITLE} (served by {HOST})\n\n{what}: {str(error).strip()}\nDATABASE_URL={SAFE_URL}\n"
    app.logger.error("%s: %s", what, str(error).strip())
    return Response(text, status=503, mimetype="text/plain")


@app.get("/")
def index():
    todos = query("SELECT id, title FROM todos ORDER BY id")
    if wants_html():
        items = "".join(
            f'<li>{html.escape(title)} <form method="post" action="/todos/{id}/done">'
            f"<button>Done</button></form></li>"
            for id, title in todos
        )
        return (
            f"<!doctype html><title>{html.escape(TITLE)}</title><h1>{html.escape(TITLE)}</h1>"
            f"<p>Served by <code>{html.escape(HOST)}</code></p><ul>{items}</ul>"
            '<form method="post" action="/todos"><input name="title" autofocus required>'
            "<button>Add</button></form>"
        )
    lines = [f"{TITLE} (served by {HOST})", ""]
    lines += [f"{id}. {title}" for id, title in todos] or ["(nothing to do yet)"]
    return Response("\n".join(lines) + "\n", mimetype="text/plain")


@app.get("/todos")
def list_todos():
    rows = query("SELECT id, title, created_at FROM todos ORDER BY id")
    return jsonify([{"id": id, "title": title, "created_at": created.isoformat()} for id, title, created in rows])


@app.post("/todos")
def add_todo():
    data = request.get_json(silent=True) or request.form
    title = (data.get("title") or "").strip()
    if not title:
        return Response("Give the to-do a title: curl -d title='Buy milk' localhost:3000/todos\n", status=400, mimetype="text/plain")
    [(id,)] = query("INSERT INTO todos (title) VALUES (%s) RETURNING id", (title,))
    if wants_html():
        return redirect("/", code=303)
    return Response(f"added {id}. {title}\n", status=201, mimetype="text/plain")


@app.post("/todos/<int:id>/done")
@app.delete("/todos/<int:id>")
def remove_todo(id):
    removed = query("DELETE FROM todos WHERE id = %s", (id,))
    if request.method == "POST":
        return redirect("/", code=303)
    return Response(f"removed {removed} to-do\n", status=200 if removed else 404, mimetype="text/plain")


if __name__ == "__main__":
    # The image runs it with gunicorn; `python3 app.py` is Flask's development server.
    app.run(host="0.0.0.0", port=PORT, threaded=True)
