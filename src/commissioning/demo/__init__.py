"""The demo: a synthetic health economy, its people and their work, loaded through the
services (never by writing rows directly) so that the demo is what a real user would have
made. An entry point, above the site, the API and every app; nothing imports it but the
command line."""
