"""The request edge: sign-in protections, 2FA, sessions, bad requests, settings and /healthz."""
