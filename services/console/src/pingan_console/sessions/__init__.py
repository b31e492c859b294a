"""Signing in and out: the session store, the login routes and the CSRF check."""
