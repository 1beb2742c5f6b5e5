"""The `cdp` command: up, events, profiles, segments, traits, consent, privacy, audit."""

from __future__ import annotations

import typer

from cdp.cli import audit, breach, consent, events, privacy, profiles, segments, traits, up

app = typer.Typer(help="The CDP suite's command line.", no_args_is_help=True, add_completion=False)
app.command(name="up", help="Start the whole suite on 127.0.0.1 (SQLite under the data dir).")(
    up.up
)
events_app = typer.Typer(help="Send and import customer events.", no_args_is_help=True)
events_app.command(name="send", help="Send a JSON-lines file of Segment-spec messages.")(
    events.send
)
app.add_typer(events_app, name="events")
profiles_app = typer.Typer(help="Read profiles by any identifier.", no_args_is_help=True)
profiles_app.command(
    name="get", help="Show a profile: traits with provenance, identities, timeline."
)(profiles.get)
app.add_typer(profiles_app, name="profiles")
app.add_typer(segments.app, name="segments")
app.add_typer(traits.app, name="traits")
app.add_typer(consent.app, name="consent")
privacy.app.add_typer(breach.app, name="breach")
app.add_typer(privacy.app, name="privacy")
app.add_typer(audit.app, name="audit")


if __name__ == "__main__":
    app()
