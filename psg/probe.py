"""Tell whether an optional service is reachable: `python -m psg.probe postgres|redis URL`.

Exit status 0 when it answers within two seconds, 1 otherwise. `make test` uses it to decide
which parts of the suite can run on this machine.
"""

import sys


def postgres(url):
    import psycopg

    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=2) as conn:
        conn.execute("SELECT 1")


def redis(url):
    import redis as redis_client

    redis_client.Redis.from_url(url, socket_connect_timeout=2).ping()


def main(argv):
    if len(argv) != 3 or argv[1] not in {"postgres", "redis"}:
        print("usage: python -m psg.probe postgres|redis URL", file=sys.stderr)
        return 2
    try:
        {"postgres": postgres, "redis": redis}[argv[1]](argv[2])
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
