"""SIGKILL the real server in the middle of saves through the editor, then restart it: the
database passes ``PRAGMA integrity_check`` and every save that was answered is there."""

from __future__ import annotations

import http.client
import random
import sqlite3
import threading
import time

from tests.live_server import LiveSite, WebClient

KILLS = 4
WRITERS = 3


class Writer(threading.Thread):
    """Saves its own post again and again through the editor, noting each answered save."""

    def __init__(self, site: LiveSite, number: int, post_id: int, stop: threading.Event):
        super().__init__(daemon=True)
        self.site, self.number, self.post_id, self.stop = site, number, post_id, stop
        self.answered: list[str] = []  # bodies of saves the server confirmed (303)
        self.client = WebClient(site, timeout=10)
        self.client.login()

    def run(self) -> None:
        count = 0
        while not self.stop.is_set():
            count += 1
            body = f"Writer {self.number}, save {count}: {random.random()}\n\n" + "text " * 200
            try:
                token, version = self.client.edit_form(self.post_id)
                answer = self.client.save_post(
                    self.post_id, token, version, f"Post of writer {self.number}", body
                )
            except (OSError, AttributeError, http.client.HTTPException):  # the server is down
                time.sleep(0.05)
                continue
            if answer.status == 303:
                self.answered.append(body)


def check_database(site: LiveSite, writers: list[Writer]) -> None:
    with sqlite3.connect(site.database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        for writer in writers:
            stored = {
                row[0] for row in conn.execute(
                    "SELECT body FROM revisions WHERE post_id = ?", (writer.post_id,)
                )
            }
            lost = [body[:40] for body in writer.answered if body not in stored]
            assert not lost, f"answered saves missing after SIGKILL: {lost}"
    conn.close()


def test_sigkill_during_saves_loses_no_answered_save(tmp_path):
    site = LiveSite(tmp_path, threads=4).set_up().start()
    try:
        author = WebClient(site)
        author.login()
        post_ids = [author.create_post(f"Post of writer {n}", "First.") for n in range(WRITERS)]
        total = 0
        for _ in range(KILLS):
            stop = threading.Event()
            writers = [Writer(site, n, post_ids[n], stop) for n in range(WRITERS)]
            for writer in writers:
                writer.start()
            time.sleep(random.uniform(0.8, 2.0))
            site.kill()  # in the middle of saves: the writers never stop on their own
            stop.set()
            for writer in writers:
                writer.join(timeout=30)
            site.start()
            check_database(site, writers)
            total += sum(len(w.answered) for w in writers)
        print(f"{total} answered saves across {KILLS} kills")
        assert total >= KILLS * WRITERS, "too few saves were answered to test anything"
        # The site still works after the last restart.
        assert WebClient(site).get("/").status == 200
    finally:
        site.stop()
