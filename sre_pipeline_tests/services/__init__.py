"""Real services for integration tests: installed from Debian when missing, started on
127.0.0.1 on a free port, stopped by PID. Under ``CI=true`` a service that cannot be had is a
failure, never a skip."""
