"""The composition root: settings, the wiring of every part (`wiring.open_app`), the runner, the CLI and the
benchmark. Nothing imports it; it imports everything."""
