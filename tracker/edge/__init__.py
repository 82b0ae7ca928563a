"""The request edge, around every page of the project: sign-in protections and logging (`security`:
client address behind the proxy, lockouts, idle timeout, security headers), two-factor sign-in
(`two_factor`), `/session`, the user's time zone per request (`timezones`), requests refused before
any view (`bad_requests`), error pages (`errors`) and `/healthz` (`health`).

An installed app (`tracker.edge`) so that its sign-in receivers connect at start-up. May import the
domain core of agreements (policy, zones); never its capabilities or faces.
"""
