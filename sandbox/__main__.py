"""`python -m sandbox`: run the Slack sandbox standalone until interrupted."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from sandbox.sample_users import sample_users
from sandbox.server import start_sandbox
from sandbox.slack import DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="A local stand-in for Slack.")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3031, help="port to serve on (0 picks a free one)")
    parser.add_argument("--app-url", default=None, help="the app's request URL, e.g. http://127.0.0.1:3000/slack/events")
    parser.add_argument("--signing-secret", default=DEFAULT_SIGNING_SECRET, help="secret deliveries are signed with")
    parser.add_argument("--bot-token", default=DEFAULT_BOT_TOKEN, help="the xoxb- token the app must present")
    parser.add_argument("--no-sample-users", action="store_true", help="seed only the admin")
    parser.add_argument("--state", type=Path, default=None,
                        help="keep the workspace in this JSON file across restarts (default: in memory)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Start the sandbox and block until Ctrl-C."""
    args = parse_args(argv)
    running = start_sandbox(args.app_url, signing_secret=args.signing_secret, bot_token=args.bot_token,
                            host=args.host, port=args.port, state_path=args.state)
    if not args.no_sample_users:
        running.slack.workspace.seed_users(sample_users())
    print(f"Slack sandbox UI:   {running.ui_url}")
    print(f"Web API base URL:   {running.base_url}")
    print(f"Bot token:          {args.bot_token}")
    print(f"Delivering to:      {args.app_url or '(no app URL set)'}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


if __name__ == "__main__":
    main()
