"""Web and database commands: serve, manage (any Django management command), demo."""

from __future__ import annotations

import typer

from mandate.cli.django_setup import setup_django


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on."),
        port: int = typer.Option(8000, help="Port to listen on."),
    ) -> None:
        """Serve the web app (Django's development server; use a WSGI server such as gunicorn in production)."""
        setup_django()
        from django.core.management import call_command

        # Static files are served by the app itself here (no DEBUG needed, as DEBUG pages can show personal data).
        call_command("runserver", f"{host}:{port}", use_reloader=False, insecure_serving=True)

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
