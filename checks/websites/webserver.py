"""The ``web_server_version`` claim: the host runs the named web server at the named version.

``expect: {product: nginx|apache|any, version: "1.22"}``. With ``any``, the claim holds when
one of the web servers found runs a matching version. ``apache_version`` claims keep their
own check (``apache.version_matches``): the older type is an alias for ``product: apache``.
"""

from __future__ import annotations

from typing import Any

from checks.base import Check, CheckContext, CheckMeta, Outcome, param_error, text_param
from checks.system.installed import Installed
from checks.system.versions import Relation, relate
from checks.websites import apache, nginx_model
from posture.models import FactStatus, Severity, Status

PRODUCTS = {"apache": "Apache", "nginx": "nginx"}


def found_servers(ctx: CheckContext) -> dict[str, Installed | Outcome | None]:
    """Each product's installation (None: absent; an outcome: could not tell)."""
    return {"apache": apache.installed(ctx), "nginx": nginx_model.installed(ctx)}


def stopped(ctx: CheckContext, product: str) -> bool:
    """True only when the facts show the product is installed but no process of it runs
    (an unreadable process list decides nothing)."""
    if product == "nginx":
        running = nginx_model.masters(ctx)
        return isinstance(running, list) and not running \
            and ctx.fact("nginx.config").status is FactStatus.OK
    procs = ctx.fact("proc.list")
    if not procs.ok or not isinstance(procs.value, list):
        return False
    return not any(apache.is_apache(p.get("comm")) for p in procs.value if isinstance(p, dict))


def others_found(found: dict[str, Installed | Outcome | None], product: str) -> str:
    """" (nginx 1.22.1 runs)" naming the web servers present besides ``product``."""
    names = [f"{PRODUCTS[k]} {v.version}" for k, v in found.items()
             if k != product and isinstance(v, Installed)]
    return f" ({', '.join(names)} runs)" if names else ""


def _matches(ctx: CheckContext) -> Outcome:
    claimed = text_param(ctx, "version")
    if isinstance(claimed, Outcome):
        return claimed
    product = str(ctx.params.get("product") or "any").lower()
    if product not in (*PRODUCTS, "any"):
        return param_error(f"expect.product must be nginx, apache or any, got {product!r}")
    found = found_servers(ctx)
    wanted = list(PRODUCTS) if product == "any" else [product]
    for name in wanted:
        if isinstance(found[name], Outcome):
            return found[name]  # type: ignore[return-value]
    installed = {name: v for name in wanted if isinstance(v := found[name], Installed)}
    idle = sorted(name for name in installed if stopped(ctx, name))
    present = {name: v for name, v in installed.items() if name not in idle}
    evidence: dict[str, Any] = {"claimed": {"product": product, "version": claimed},
                                "actual": {k: v.as_evidence() for k, v in present.items()}}
    if idle:
        evidence["installed_not_running"] = {k: installed[k].as_evidence() for k in idle}
    label = PRODUCTS.get(product, "a web server")
    if not present:
        quiet = (f"; installed but not running: "
                 f"{', '.join(f'{PRODUCTS[k]} {installed[k].version}' for k in idle)}"
                 if idle else "")
        return Outcome(Status.FAIL, f"The statement claims {label} {claimed}, but no "
                       f"{'web server' if product == 'any' else label} runs on the "
                       f"host{others_found(found, product)}{quiet}.", evidence)
    relations = {name: relate(claimed, inst.version) for name, inst in present.items()}
    evidence["relations"] = {k: v.value for k, v in relations.items()}
    for name, relation in relations.items():
        if relation in (Relation.EQUAL, Relation.CLAIM_BROADER):
            return Outcome(Status.PASS, f"The host runs {PRODUCTS[name]} "
                           f"{present[name].version}, which matches the claimed {claimed}.",
                           evidence)
    running = ", ".join(f"{PRODUCTS[k]} {v.version}" for k, v in present.items())
    if all(r is Relation.DIFFERENT for r in relations.values()):
        return Outcome(Status.FAIL, f"The host runs {running}, not the claimed {label} "
                       f"{claimed}.", evidence)
    return Outcome(Status.ERROR, f"could not determine: the host reports {running}, which "
                   f"cannot confirm {claimed}.", evidence)


VERSION_MATCHES = Check(CheckMeta(
    id="web.server_version_matches",
    title="The web server is the claimed product and version",
    claim_types=("web_server_version",),
    severity=Severity.MEDIUM,
    rationale="A statement naming the wrong web server or version misleads readers about "
              "the software (and vulnerabilities) facing the internet.",
    remediation="Correct the statement to the server and version the host runs, or install "
                "the promised one.",
    references=("https://nginx.org/en/CHANGES", "https://httpd.apache.org/security_report.html"),
    needs=("apache.version", "nginx.config", "nginx.version", "pkg.versions", "proc.list"),
), _matches)
