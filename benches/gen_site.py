#!/usr/bin/env python3
"""Generate a synthetic crosswalk site (and a Hugo site with the same Markdown bodies).

    gen_site.py OUT_DIR N [--seed S] [--mappings DIR] [--no-cache-dir]

Writes into OUT_DIR:

  site/crosswalk.yaml                 frameworks in scope: iso27001, soc2, hipaa
  site/.crosswalk-cache/              empty: crosswalk remembers its input fingerprint here, and
                                      only if the folder exists (--no-cache-dir leaves it out)
  site/content/policies/*.md          N policies, 600-1,200 words each (headings, lists, a table,
                                      bold text), each citing 4-10 real controls across all
                                      frameworks
  site/content/evidence/*.yaml        3N evidence records, 50 per file, some of them stale
  site/content/evidence/files/*       one 1-4 KB artifact per record
  hugo/                               a minimal Hugo site whose content/ holds the same N bodies,
                                      with front matter `title` only

Standard library only. The output depends only on N and the seed, so two runs with the same
arguments write byte-identical files.
"""

import argparse
import datetime
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MAPPINGS = os.path.join(HERE, "..", "mappings", "frameworks")

# Frameworks whose control ids are cited. iso27001-2013 is left out: it is superseded and its ids
# exist only to produce migration hints.
FRAMEWORKS = [
    "iso27001",
    "soc2",
    "hipaa",
    "nist800-171r2",
    "nist800-171r3",
    "iso27017",
    "iso27018",
    "iso27701",
    "iso42001",
]
IN_SCOPE = ["iso27001", "soc2", "hipaa"]

EVIDENCE_PER_FILE = 50

VOCAB_NOUNS = """
access account activity administrator alert approval architecture asset assessment audit
authentication authorisation availability backup baseline boundary breach budget business
capacity certificate change classification cloud competence compliance configuration
confidentiality consent container contract control credential customer data database
decision deployment device disaster disposal document encryption endpoint environment
evidence exception exposure firewall framework governance hardening identity incident
information infrastructure integrity interface inventory key laptop ledger licence log
management measurement media metric monitoring network objective obligation operator
outsourcing owner password patch perimeter permission personnel plan platform policy
privilege procedure process processor programme provider record recovery register
regulator release remediation report repository requirement resilience retention review
risk role sanction schedule scope secret segment service session software staff standard
subcontractor supplier system telemetry tenant test threat token training transfer
vendor version vulnerability workforce workload
""".split()

VOCAB_VERBS = """
approves assesses authorises backs-up blocks classifies collects configures confirms
decommissions defines detects documents encrypts enforces escalates evaluates grants
hardens identifies implements inspects logs maintains monitors notifies patches protects
records reduces removes reports restores retains reviews revokes rotates scans segregates
signs supervises tests tracks trains updates validates verifies
""".split()

VOCAB_ADJ = """
accountable annual approved authorised automated available centralised confidential
critical current documented effective encrypted external formal independent internal
least-privileged managed mandatory monthly multi-factor named periodic personal privileged
production quarterly regulated relevant restricted risk-based secure sensitive shared
significant timely tracked trusted unauthorised verified weekly written
""".split()

VOCAB_ADV = """
promptly consistently securely annually quarterly automatically independently formally
regularly continuously demonstrably
""".split()

TOPICS = """
Access Control|Acceptable Use|Asset Management|Backup|Business Continuity|Change Management|
Configuration Management|Cryptography|Data Classification|Data Retention|Data Leakage Prevention|
Endpoint Security|Human Resources Security|Incident Management|Information Security|Key Management|
Legal and Regulatory Compliance|Logging and Monitoring|Mobile Device|Network Security|
Password Management|Patch Management|Physical Security|Privacy|Remote Working|Risk Management|
Secure Development|Security Awareness|Supplier Security|Threat Intelligence|Vulnerability Management|
Cloud Security|Identity Lifecycle|Media Handling|Clear Desk|Capacity Management|Segregation of Duties|
Secure Disposal|Artificial Intelligence Use|Records Management
""".replace("\n", "").split("|")

OWNERS = [
    "Chief Information Security Officer",
    "Head of IT Operations",
    "Head of Platform Engineering",
    "Head of People",
    "Data Protection Officer",
    "Head of Security & Compliance",
    "Chief Technology Officer",
    "Head of Legal",
    "Facilities Manager",
    "Engineering Manager, SRE",
]

ROLES = [
    "Information Security Committee",
    "System owners",
    "Line managers",
    "All staff",
    "Contractors",
    "The Security team",
    "The Platform team",
    "Internal Audit",
    "The Data Protection Officer",
    "The Service Desk",
]

SECTIONS = [
    "Purpose",
    "Scope",
    "Roles and responsibilities",
    "Policy statements",
    "Requirements",
    "Monitoring and measurement",
    "Exceptions",
    "Enforcement",
    "Related documents",
    "Review",
]

ARTIFACT_KINDS = ["csv", "txt", "json", "md"]

# Dates are spread so that, judged as of 2026-11-23 (the `--today` run.sh passes), roughly a fifth
# of the evidence has expired and a fifth of the policies are overdue for review.
BASE_DATE = datetime.date(2025, 6, 1)  # earliest "approved" / "collected" date
DATE_SPAN_DAYS = 535  # up to 2026-11-17


def parse_control_ids(path):
    """The control ids listed under a catalog's top-level `controls:` key.

    A deliberately simple line parser: the catalogs write every control as a list item whose first
    key is `id:`, at one indentation, so no YAML library is needed.
    """
    ids = []
    in_controls = False
    item_indent = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not line[0].isspace() and not line.startswith("-"):
                in_controls = line.startswith("controls:")
                continue
            if not in_controls:
                continue
            m = re.match(r"^(\s*)- id:\s*(.+?)\s*$", line)
            if not m:
                continue
            indent = len(m.group(1))
            if item_indent is None:
                item_indent = indent
            if indent != item_indent:
                continue
            value = m.group(2)
            if value[:1] in "\"'" and value[-1:] == value[:1]:
                value = value[1:-1]
            ids.append(value)
    return ids


def load_catalogs(mappings_dir):
    catalogs = {}
    for slug in FRAMEWORKS:
        path = os.path.join(mappings_dir, slug + ".yaml")
        ids = parse_control_ids(path)
        if not ids:
            sys.exit(f"gen_site.py: no control ids found in {path}")
        catalogs[slug] = ids
    return catalogs


class Text:
    """Deterministic pseudo-random compliance prose."""

    def __init__(self, rng):
        self.r = rng

    def sentence(self, words=None):
        r = self.r
        n = words or r.randint(8, 18)
        out = [r.choice(ROLES + ["The organisation", "Each owner", "The provider"])]
        out.append(r.choice(VOCAB_VERBS))
        while len(out) < n - 1:
            pick = r.random()
            if pick < 0.55:
                out.append(r.choice(VOCAB_NOUNS))
            elif pick < 0.85:
                out.append(r.choice(VOCAB_ADJ))
            elif pick < 0.93:
                out.append(r.choice(["and", "or", "for", "with", "under", "within", "before"]))
            else:
                out.append(r.choice(VOCAB_ADV))
        out.append(r.choice(VOCAB_NOUNS))
        s = " ".join(out)
        return s + "."

    def paragraph(self, sentences=None):
        n = sentences or self.r.randint(2, 5)
        return " ".join(self.sentence() for _ in range(n))

    def phrase(self, n):
        r = self.r
        words = [r.choice(VOCAB_ADJ)] + [r.choice(VOCAB_NOUNS) for _ in range(n - 1)]
        return " ".join(words)


def wrap(text, width=100):
    """Hard-wrap a paragraph the way the repository's own Markdown is written."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return "\n".join(lines)


def policy_body(t, title, refs, target_words):
    """A policy body of roughly `target_words` words."""
    r = t.r
    parts = [f"# {title}", ""]
    words = 0

    def add(block):
        nonlocal words
        parts.append(block)
        parts.append("")
        words += len(block.split())

    sections = SECTIONS[:]
    for i, name in enumerate(sections, 1):
        optional = name in ("Monitoring and measurement", "Exceptions", "Enforcement", "Related documents")
        if optional and words >= target_words - 150:
            continue
        add(f"## {i}. {name}")
        if name == "Roles and responsibilities":
            items = r.sample(ROLES, r.randint(3, 6))
            add("\n".join(f"- **{role}:** {t.sentence()}" for role in items))
        elif name == "Policy statements":
            add(wrap(t.paragraph(2)))
            for sub in range(1, r.randint(1, 3) + 1):
                add(f"### {i}.{sub} {t.phrase(3).capitalize()}")
                add("\n".join(f"{k}. {wrap(t.sentence())}" for k in range(1, r.randint(3, 5) + 1)))
                add(wrap(t.paragraph()))
        elif name == "Requirements":
            add(wrap(t.paragraph(2)))
            rows = ["| Control | Requirement | Frequency | Owner |", "|---|---|---|---|"]
            for ref in refs:
                rows.append(
                    f"| `{ref}` | {t.phrase(5).capitalize()} | "
                    f"{r.choice(['Continuous', 'Weekly', 'Monthly', 'Quarterly', 'Annually'])} | "
                    f"{r.choice(OWNERS)} |"
                )
            add("\n".join(rows))
        elif name == "Related documents":
            add("\n".join(f"- {r.choice(TOPICS)} Policy" for _ in range(r.randint(2, 5))))
        elif name == "Review":
            add(
                wrap(
                    f"This policy is reviewed at least **annually** by its owner and approved by the "
                    f"Information Security Committee. {t.sentence()}"
                )
            )
        else:
            add(wrap(t.paragraph()))
            if r.random() < 0.4:
                add(wrap(f"**Note:** {t.sentence()}"))
    # Pad up to the target with further requirement paragraphs under the statements.
    while words < target_words:
        add(wrap(t.paragraph()))
    return "\n".join(parts).rstrip() + "\n", words


def iso(d):
    return d.isoformat()


def yaml_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def pick_refs(r, catalogs, lo, hi):
    n = r.randint(lo, hi)
    refs = []
    seen = set()
    # Weight the frameworks in scope, but reach every framework across the site.
    weights = [4, 3, 2, 1, 1, 1, 1, 1, 1]
    while len(refs) < n:
        slug = r.choices(FRAMEWORKS, weights)[0]
        ref = f"{slug}:{r.choice(catalogs[slug])}"
        if ref not in seen:
            seen.add(ref)
            refs.append(ref)
    return refs


def artifact(r, t, kind, ev_id, size):
    if kind == "csv":
        lines = ["record,owner,decision,date,notes"]
        while sum(len(x) + 1 for x in lines) < size:
            d = BASE_DATE + datetime.timedelta(days=r.randrange(DATE_SPAN_DAYS))
            lines.append(
                f"{ev_id}-{len(lines):04d},{r.choice(OWNERS)},{r.choice(['keep', 'remove', 'change'])},"
                f"{iso(d)},{t.phrase(4)}"
            )
        return "\n".join(lines) + "\n"
    if kind == "json":
        items = []
        while sum(len(x) for x in items) < size - 40:
            items.append(
                f'    {{"id": "{ev_id}-{len(items):04d}", "status": "{r.choice(["pass", "fail", "n/a"])}", '
                f'"check": "{t.phrase(4)}"}}'
            )
        return '{\n  "evidence": "' + ev_id + '",\n  "results": [\n' + ",\n".join(items) + "\n  ]\n}\n"
    text = [f"# {ev_id}" if kind == "md" else f"{ev_id}", ""]
    while sum(len(x) + 1 for x in text) < size:
        text.append(wrap(t.paragraph(), 80))
        text.append("")
    return "\n".join(text)


HUGO_CONFIG = """\
baseURL = "http://localhost/"
languageCode = "en"
title = "Synthetic ISMS (Hugo comparison)"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
enableRobotsTXT = false
[markup.goldmark.renderer]
unsafe = false
"""

HUGO_BASEOF = """\
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ .Title }}</title></head>
<body>
<header><a href="{{ "/" | relURL }}">{{ site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
"""

HUGO_SINGLE = """\
{{ define "main" }}<article><h1>{{ .Title }}</h1>
{{ .Content }}</article>{{ end }}
"""

HUGO_LIST = """\
{{ define "main" }}<h1>{{ .Title }}</h1>
<ul>{{ range .Pages }}
<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}
</ul>{{ end }}
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("n", type=int, help="number of policies (evidence records: 3N)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--mappings", default=DEFAULT_MAPPINGS, help="folder of framework catalogs")
    ap.add_argument(
        "--no-cache-dir",
        action="store_true",
        help="do not create site/.crosswalk-cache/ (crosswalk's opt-in folder for its input fingerprint)",
    )
    args = ap.parse_args()
    if args.n < 1:
        sys.exit("gen_site.py: N must be at least 1")

    catalogs = load_catalogs(args.mappings)
    r = random.Random(args.seed)
    t = Text(r)
    site = os.path.join(args.out_dir, "site")
    hugo = os.path.join(args.out_dir, "hugo")
    width = max(5, len(str(args.n)))

    write(
        os.path.join(site, "crosswalk.yaml"),
        "title: Synthetic ISMS benchmark\n"
        "organisation: Benchmark Ltd\n"
        f"frameworks: [{', '.join(IN_SCOPE)}]\n"
        "due_soon: 30 days\n",
    )
    if not args.no_cache_dir:
        os.makedirs(os.path.join(site, ".crosswalk-cache"), exist_ok=True)
    write(os.path.join(hugo, "config.toml"), HUGO_CONFIG)
    write(os.path.join(hugo, "layouts", "_default", "baseof.html"), HUGO_BASEOF)
    write(os.path.join(hugo, "layouts", "_default", "single.html"), HUGO_SINGLE)
    write(os.path.join(hugo, "layouts", "_default", "list.html"), HUGO_LIST)
    write(os.path.join(hugo, "content", "_index.md"), '---\ntitle: "Home"\n---\n')
    write(os.path.join(hugo, "content", "policies", "_index.md"), '---\ntitle: "Policies"\n---\n')

    total_words = 0
    for i in range(1, args.n + 1):
        topic = r.choice(TOPICS)
        title = f"{topic} Policy {i:0{width}d}"
        refs = pick_refs(r, catalogs, 4, 10)
        approved = BASE_DATE + datetime.timedelta(days=r.randrange(DATE_SPAN_DAYS))
        # The target leaves room for the closing Review section, so bodies land in 600-1,200 words.
        body, words = policy_body(t, title, refs, r.randint(600, 1120))
        total_words += words
        front = [
            "---",
            f"id: POL-{i:0{width}d}",
            f"title: {yaml_str(title)}",
            f"owner: {r.choice(OWNERS)}",
            f'version: "{r.randint(1, 6)}.{r.randint(0, 9)}"',
            f"approved: {iso(approved)}",
            f"review_every: {r.choice(['12 months', '12 months', '24 months'])}",
            f"classification: {r.choice(['public', 'internal', 'internal'])}",
            f"summary: {yaml_str(t.sentence(12))}",
            "controls:",
            *(f"  - {ref}" for ref in refs),
            "---",
            "",
        ]
        name = f"pol-{i:0{width}d}.md"
        write(os.path.join(site, "content", "policies", name), "\n".join(front) + body)
        write(
            os.path.join(hugo, "content", "policies", name),
            f"---\ntitle: {yaml_str(title)}\n---\n\n" + body,
        )

    n_ev = 3 * args.n
    ev_width = max(6, len(str(n_ev)))
    files_dir = os.path.join(site, "content", "evidence", "files")
    os.makedirs(files_dir, exist_ok=True)
    group = []
    artifact_bytes = 0

    def flush(index):
        write(
            os.path.join(site, "content", "evidence", f"evidence-{index:0{ev_width}d}.yaml"),
            "\n".join(group),
        )
        group.clear()

    for j in range(1, n_ev + 1):
        ev_id = f"EV-{j:0{ev_width}d}"
        kind = r.choice(ARTIFACT_KINDS)
        rel = f"content/evidence/files/ev-{j:0{ev_width}d}.{kind}"
        data = artifact(r, t, kind, ev_id, r.randint(1024, 4096))
        artifact_bytes += len(data)
        write(os.path.join(site, rel), data)
        collected = BASE_DATE + datetime.timedelta(days=r.randrange(DATE_SPAN_DAYS))
        refs = pick_refs(r, catalogs, 1, 4)
        group.append(
            "\n".join(
                [
                    f"- id: {ev_id}",
                    f"  title: {yaml_str(t.phrase(5).capitalize())}",
                    f"  owner: {r.choice(OWNERS)}",
                    f"  collected: {iso(collected)}",
                    f"  valid_for: {r.choice(['6 months', '12 months', '12 months', '24 months', '24 months'])}",
                    f"  classification: {r.choice(['public', 'internal', 'internal'])}",
                    f"  description: {yaml_str(t.sentence())}",
                    f"  controls: [{', '.join(refs)}]",
                    f"  file: {rel}",
                    "",
                ]
            )
        )
        if len(group) == EVIDENCE_PER_FILE:
            flush((j - 1) // EVIDENCE_PER_FILE + 1)
    if group:
        flush((n_ev - 1) // EVIDENCE_PER_FILE + 1)

    print(
        f"gen_site.py: {args.n} policies ({total_words // args.n} words on average), "
        f"{n_ev} evidence records in {-(-n_ev // EVIDENCE_PER_FILE)} files, "
        f"{artifact_bytes // 1024} KiB of artifacts -> {args.out_dir}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
