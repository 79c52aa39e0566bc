"""`make run`: the whole site on this machine, stopped cleanly with Ctrl-C.

Starts the embedded PostgreSQL (unless DATABASE_URL is set), migrates, collects static
files, loads the demo content, makes sure the demo login exists, then runs the task
worker, the periodic jobs and gunicorn on 127.0.0.1:PORT until interrupted.
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


def manage(env, *args):
    subprocess.run([PY, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def services(port):
    """The long-running processes: name -> command."""
    return {
        "worker": [PY, "manage.py", "db_worker", "--queue-name", "*"],
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
    procs = {}
    interrupted = False

    def on_signal(signum, frame):
        nonlocal interrupted
        interrupted = True

    try:
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = embedded_db.acquire()
            using_db = True
            print(f"Embedded PostgreSQL is running (data in {embedded_db.PGDATA}).")
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        manage(env, "seed_demo")
        manage(env, "ensure_demo_login")

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        for name, command in services(args.port).items():
            # Own process group: Ctrl-C reaches this process only, which stops them in order.
            procs[name] = subprocess.Popen(command, cwd=BASE_DIR, env=env, start_new_session=True)
            print(f"started {name} (pid {procs[name].pid})")
        print(f"\nG60 Portal is running on http://127.0.0.1:{args.port}/  (Ctrl-C stops it)\n")
        while not interrupted:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    print(f"error: {name} exited with code {proc.returncode}", file=sys.stderr)
                    interrupted = True
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
        print("\nStopping…")
        stop_all(procs)
        if using_db:
            embedded_db.release()
            if not embedded_db.is_running():
                print("Embedded PostgreSQL stopped.")


if __name__ == "__main__":
    sys.exit(main())
