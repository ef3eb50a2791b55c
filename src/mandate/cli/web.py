"""Web and database commands: serve, manage (any Django management command), demo."""

from __future__ import annotations

import typer

from mandate.cli.django_setup import setup_django


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on (0.0.0.0 for every interface)."),
        port: int = typer.Option(8000, help="Port to listen on."),
        workers: int = typer.Option(0, help="Web worker processes (default: MANDATE_WEB_WORKERS, else 2 a core "
                                            "plus one)."),
        threads: int = typer.Option(1, help="Threads in each worker process."),
        timeout: int = typer.Option(300, help="Seconds a request may take before its worker is restarted (imports "
                                              "still run inside requests)."),
        access_log: bool = typer.Option(False, "--access-log", help="Print one line a request."),
        dev: bool = typer.Option(False, "--dev", help="Django's development server instead, reloading on every "
                                                      "code change (one process; never for real use)."),
    ) -> None:
        """Serve the web app: gunicorn with several workers, static files by WhiteNoise (collected into the data
        folder first). Run `mandate worker` beside it for the background jobs."""
        import os

        if not dev:
            os.environ["MANDATE_STATIC_MANIFEST"] = "1"  # hashed, compressed static files (settings.STORAGES)
        setup_django()
        from django.core.management import call_command

        if dev:
            # Static files are served by the app itself here (no DEBUG needed: DEBUG pages can show personal data).
            call_command("runserver", f"{host}:{port}", use_reloader=True, insecure_serving=True)
            return
        from django.db import connections

        call_command("collectstatic", interactive=False, verbosity=0)
        connections.close_all()  # gunicorn forks its workers: none may inherit this process's connection
        count = workers or int(os.environ.get("MANDATE_WEB_WORKERS", "0")) or 2 * (os.cpu_count() or 1) + 1
        run_gunicorn({"bind": f"{host}:{port}", "workers": count, "threads": threads, "timeout": timeout,
                      "graceful_timeout": 20, "accesslog": "-" if access_log else None,
                      "proc_name": "mandate", "control_socket_disable": True, "forwarded_allow_ips": os.environ.get("MANDATE_FORWARDED_ALLOW_IPS",
                                                                                    "127.0.0.1")})

    @app.command("worker")
    def worker(
        processes: int = typer.Option(1, help="Worker processes on this machine (each runs one job at a time)."),
        queues: str = typer.Option("default,mail", help="Queues to take jobs from, comma-separated."),
        interval: float = typer.Option(1.0, help="Seconds to wait before looking again when the queue is empty."),
        batch: bool = typer.Option(False, "--batch", help="Run every job waiting now, then stop."),
    ) -> None:
        """Run background jobs (voting papers, mail, ...) from the queue in the database. Any number of workers,
        on any number of machines sharing the database, may run at once: each job runs once."""
        if processes > 1:
            raise typer.Exit(_several_workers(processes, queues, interval, batch))
        setup_django()
        run_worker(queues, interval, batch)
    @app.command(
        "manage",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def manage(ctx: typer.Context) -> None:
        """Run a Django management command, for example `mandate manage migrate`."""
        import sys

        from django.core.management import execute_from_command_line

        setup_django(check_database=bool(ctx.args) and ctx.args[0] not in {"help", "--help", "check"})
        execute_from_command_line([sys.argv[0], *ctx.args])

    @app.command("demo")
    def demo(
        if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing if the demo is already loaded."),
        add: bool = typer.Option(False, "--add", help="Load beside other data already in the database."),
        seed: int = typer.Option(2024, help="Random seed; the same seed builds the same organisation."),
        staff: int = typer.Option(5300, help="How many staff the employer has."),
    ) -> None:
        """Build the ONS-like demo organisation, its unions and the dispute (seeded, deterministic)."""
        setup_django()
        from mandate.demo.scenario import load_demo

        raise typer.Exit(load_demo(seed=seed, staff=staff, if_empty=if_empty, add=add))


def run_gunicorn(options: dict[str, object]) -> None:
    """gunicorn's documented custom application: the options given, the app from mandate.platform.wsgi."""
    from gunicorn.app.base import BaseApplication

    class MandateApplication(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self) -> object:
            from mandate.platform.wsgi import application

            return application

    MandateApplication().run()


def run_worker(queues: str, interval: float, batch: bool) -> None:
    """One worker process: django-tasks-db's worker, with a thread that finds jobs whose worker stopped."""
    import os
    import socket
    import threading

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from mandate.platform import jobs

    def reaper() -> None:
        while True:
            try:
                jobs.reap()
            except Exception:  # noqa: BLE001 (the database may be away for a moment; try again next round)
                jobs.logger.warning("could not look for lost jobs", exc_info=True)
            finally:
                connection.close()
            stop.wait(max(1.0, settings.JOB_STALE_SECONDS / 4))

    stop = threading.Event()
    jobs.reap()
    if not batch:
        threading.Thread(target=reaper, name="reaper", daemon=True).start()
    worker_id = f"{socket.gethostname()[:40]}-{os.getpid()}"
    call_command("db_worker", queue_name=queues, interval=interval, batch=batch, reload=False,
                 worker_id=worker_id, startup_delay=not batch, verbosity=1)


def _several_workers(processes: int, queues: str, interval: float, batch: bool) -> int:
    """Start `processes` single workers and wait for them; Ctrl+C or SIGTERM stops them all."""
    import signal
    import subprocess
    import sys

    command = [sys.executable, "-m", "mandate.cli", "worker", "--queues", queues, "--interval", str(interval)]
    children = [subprocess.Popen(command + (["--batch"] if batch else [])) for _ in range(processes)]

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    # Ctrl+C reaches the children from the terminal already; a second SIGINT would make each drop its job.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return max(child.wait() for child in children)
