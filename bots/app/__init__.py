"""What runs: settings, the wiring of every part into one aiohttp app, the CLI and the process roles."""
