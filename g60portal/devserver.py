"""`make run`: the whole site on this machine, stopped cleanly with Ctrl-C.

Starts the embedded PostgreSQL (unless DATABASE_URL is set), migrates, collects static
files, loads the demo content, makes sure the demo login exists, then runs the task
workers, the periodic jobs and gunicorn on 127.0.0.1:PORT until interrupted.

It supervises them: a child that exits is started again after a pause (1 s, doubling up
to 30 s while it keeps failing), with a line saying so; one child's death never stops
the others. Production runs the same processes under systemd (deploy/).
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from g60portal import embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent
PY = sys.executable


def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def say(line):
    print(line, flush=True)


def manage(env, *args):
    subprocess.run([PY, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


RESTART_FIRST_WAIT = 1.0
RESTART_MAX_WAIT = 30.0
HEALTHY_AFTER = 30.0  # seconds up after which a child's next exit starts the waits over


def services(port, workers=3):
    """The long-running processes: name -> command."""
    commands = {
        f"worker-{n}": [PY, "manage.py", "run_worker", "--queue-name", "*"]
        for n in range(1, workers + 1)
    }
    return commands | {
        "periodic": [PY, "manage.py", "run_periodic"],
        "web": [
            PY,
            "-m",
            "gunicorn",
            "g60portal.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--no-control-socket",
            "--access-logfile",
            "-",
        ],
    }


class Child:
    """One supervised process: started again after an exit, with a growing pause."""

    def __init__(self, name, command, env, log=print):
        self.name, self.command, self.env, self.log = name, command, env, log
        self.proc = None
        self.started_at = 0.0
        self.wait = RESTART_FIRST_WAIT
        self.restart_at = None
        self.restarts = 0

    def start(self):
        # Own process group: Ctrl-C reaches the supervisor only, which stops them in order.
        self.proc = subprocess.Popen(
            self.command, cwd=BASE_DIR, env=self.env, start_new_session=True
        )
        self.started_at = time.monotonic()
        self.restart_at = None
        return self.proc

    def check(self, now=None):
        """Notice an exit and schedule the restart; restart when its time has come."""
        now = time.monotonic() if now is None else now
        if self.restart_at is not None:
            if now >= self.restart_at:
                self.restarts += 1
                self.start()
                self.log(f"restarted {self.name} (pid {self.proc.pid}, restart {self.restarts})")
            return
        code = self.proc.poll()
        if code is None:
            return
        if now - self.started_at >= HEALTHY_AFTER:
            self.wait = RESTART_FIRST_WAIT
        self.log(
            f"{self.name} (pid {self.proc.pid}) exited with code {code}; "
            f"restarting it in {self.wait:.0f} s"
        )
        self.restart_at = now + self.wait
        self.wait = min(self.wait * 2, RESTART_MAX_WAIT)


def stop_all(procs):
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for name, proc in procs.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{name} (pid {proc.pid}) did not stop in time; killing it", file=sys.stderr)
            proc.kill()
            proc.wait()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--workers",
        type=int,
        # Three on 2 cores: deliveries wait on the mail server and the database more than
        # they compute, so a third worker keeps them up with a full submission load.
        default=int(os.environ.get("G60_WORKERS", "3")),
        help="task worker processes (default: G60_WORKERS or 3; docs/leads.md says why)",
    )
    parser.add_argument(
        "--no-setup",
        action="store_true",
        help="skip migrate, collectstatic and the demo content (the database is ready)",
    )
    args = parser.parse_args(argv)

    if not port_is_free(args.port):
        print(
            f"error: port {args.port} on 127.0.0.1 is busy; stop what uses it "
            f"(see: ss -ltnp 'sport = :{args.port}') or run: make run PORT={args.port + 1}",
            file=sys.stderr,
        )
        return 1

    env = dict(os.environ)
    env.setdefault("SITE_URL", f"http://127.0.0.1:{args.port}")
    using_db = False
    children = {}
    interrupted = False

    def on_signal(signum, frame):
        nonlocal interrupted
        interrupted = True

    try:
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = embedded_db.acquire()
            using_db = True
            print(f"Embedded PostgreSQL is running (data in {embedded_db.PGDATA}).")
        if not args.no_setup:
            manage(env, "migrate", "--noinput")
            manage(env, "createcachetable")
            manage(env, "collectstatic", "--noinput", "--verbosity", "0")
            manage(env, "seed_demo")
            manage(env, "ensure_demo_login")

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        for name, command in services(args.port, args.workers).items():
            children[name] = Child(name, command, env, log=say)
            children[name].start()
            say(f"started {name} (pid {children[name].proc.pid})")
        say(f"\nG60 Portal is running on http://127.0.0.1:{args.port}/  (Ctrl-C stops it)\n")
        while not interrupted:
            for child in children.values():
                child.check()
            time.sleep(0.5)
        return 0
    except embedded_db.EmbeddedDatabaseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"error: {' '.join(exc.cmd[1:])} failed (exit {exc.returncode})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        print("\nStopping…", flush=True)
        stop_all({name: c.proc for name, c in children.items() if c.proc is not None})
        if using_db:
            embedded_db.release()
            if not embedded_db.is_running():
                print("Embedded PostgreSQL stopped.")


if __name__ == "__main__":
    sys.exit(main())
