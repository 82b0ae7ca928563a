"""The measurements the accessibility and layout tests take in the browser."""
from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_axe = Axe()


def axe_violations(page) -> list[str]:
    """axe-core's violations of the WCAG 2.0/2.1 A and AA rules, one line per rule with its nodes.
    Folded panels and menus are opened first so what they hold is checked too."""
    page.evaluate("() => document.querySelectorAll('details').forEach(el => { el.open = true; })")
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}, "resultTypes": ["violations"]})
    found = []
    for rule in results.response["violations"]:
        nodes = "; ".join(f"{' '.join(n['target'][0] if isinstance(n['target'][0], list) else n['target'])}"
                          f" ({n.get('failureSummary', '').splitlines()[-1].strip() if n.get('failureSummary') else ''})"
                          for n in rule["nodes"][:4])
        found.append(f"{rule['id']} ×{len(rule['nodes'])}: {nodes}")
    return found


def overflow(page) -> int:
    """How many pixels the page is wider than the window (it scrolls sideways when > 0)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
