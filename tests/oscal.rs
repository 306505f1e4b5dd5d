//! `crosswalk oscal export` and `crosswalk oscal import`, judged from outside: every exported file
//! loads in compliance-trestle's OSCAL models and passes NIST's OSCAL 1.2.1 JSON schemas; a
//! Python reading of the export, with its own decoding of the id rule, agrees item by item with
//! the built-in YAML; importing every exported file into an empty site gives the same catalogs and
//! crosswalks (compared item by item) and exports to the same bytes; imports of other tools'
//! files (a fixture of ours, NIST's SP 800-53 LOW baseline) are used at once by `check`, `map`,
//! `frameworks` and `overlap`; bad files are named with their line and column.

mod common;

use common::{CONFIG, TODAY, run_in, run_python, snapshot};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

const NS: &str = "urn:crosswalk:oscal";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/oscal")
        .join(name)
}

fn builtin_mappings() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings")
}

/// `crosswalk ARGS...` run in `cwd`.
fn cw(cwd: &Path, args: &[&str]) -> common::Run {
    run_in(cwd, args)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Exports the site at `root` (or the built-in mappings alone) into `out`.
fn export(root: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec!["oscal", "export", "--root", s(root), "--out", s(out)];
    args.extend_from_slice(extra);
    cw(root, &args).assert_ok();
}

/// How many files of each kind the built-in mappings hold.
fn builtin_counts() -> (usize, usize) {
    let n = |sub: &str| {
        std::fs::read_dir(builtin_mappings().join(sub))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "yaml")
            })
            .count()
    };
    (n("frameworks"), n("crosswalks"))
}

/// Loads every file under DIR/catalogs and DIR/mappings in trestle's models (asserting each is
/// read, not None, and has no duplicate uuid) and validates it against NIST's JSON schema
/// (Python's `re` lacks \p{L} and \p{N}: they are replaced by equivalent classes). Checks the
/// catalog and collection uuids are the documented v5 uuids of their names.
const JUDGE_VALID: &str = r#"
import json, sys, pathlib, uuid, jsonschema
from trestle.oscal.catalog import Catalog
from trestle.oscal.mapping import MappingCollection
from trestle.core.duplicates_validator import DuplicatesValidator
out, schemas, ns = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
def fix(o):
    if isinstance(o, dict):
        return {k: (v.replace(r'\p{L}', r'[^\W\d_]').replace(r'\p{N}', r'\d') if k == 'pattern' and isinstance(v, str) else fix(v)) for k, v in o.items()}
    if isinstance(o, list):
        return [fix(x) for x in o]
    return o
def validator(name):
    return jsonschema.Draft7Validator(fix(json.load(open(schemas / name))))
space = uuid.uuid5(uuid.NAMESPACE_URL, ns)
def v5(*parts):
    return str(uuid.uuid5(space, json.dumps(list(parts), separators=(',', ':'), ensure_ascii=False)))
counts = {}
for sub, model, schema, key in [('catalogs', Catalog, 'oscal_catalog_schema.json', 'catalog'),
                                ('mappings', MappingCollection, 'oscal_mapping_schema.json', 'mapping-collection')]:
    v = validator(schema)
    files = sorted((out / sub).glob('*.json'))
    for f in files:
        m = model.oscal_read(f)
        assert m is not None, f
        assert DuplicatesValidator().model_is_valid(m, quiet=True), f'duplicate uuids in {f}'
        doc = json.load(open(f))
        errors = [(list(e.absolute_path), e.message[:300]) for e in v.iter_errors(doc)]
        assert not errors, (f, errors[:5])
        top = doc[key]
        props = {p['name']: p['value'] for p in top['metadata'].get('props', []) if p.get('ns') == ns}
        assert props['generator'] == 'crosswalk', f
        if key == 'catalog':
            assert top['uuid'] == v5('catalog', props['slug']), f
        else:
            assert top['uuid'] == v5('mapping-collection', props['from'] + '__' + props['to']), f
    counts[sub] = len(files)
print(counts['catalogs'], counts['mappings'])
"#;

/// The export read on its own terms and compared, item by item, with the built-in YAML it came
/// from: ids decoded by this script's own reading of the documented rule, titles, summaries,
/// elements, sources, and every row's relationship, rationale, confidence, source, note,
/// elements met (from the statement-level maps) and coverage, and the group rows.
const JUDGE_EXPORT_MATCHES_YAML: &str = r#"
import json, sys, pathlib, yaml
out, src, ns = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
def unesc(s):
    b, i = bytearray(), 0
    while i < len(s):
        if s[i] == '_':
            b.append(int(s[i + 1:i + 3], 16)); i += 3
        else:
            b += s[i].encode(); i += 1
    return b.decode()
def untoken(t):
    return unesc(t[1:]) if t.startswith('_') else t
def stmt(ref):
    c, e = ref.rsplit('_smt.', 1)
    return untoken(c), unesc(e)
def ours(props, name):
    return next((p['value'] for p in props or [] if p['name'] == name and p.get('ns') == ns), None)
def resources(bm):
    return [(ours(r.get('props'), 'source-id'), r.get('title'), (r.get('rlinks') or [{}])[0].get('href'), r.get('remarks'))
            for r in (bm or {}).get('resources', [])]
def yaml_sources(ss):
    return [(str(s['id']), s['title'], s.get('url'), s.get('note')) for s in ss]
cats = {}
for f in sorted((src / 'frameworks').glob('*.yaml')):
    c = yaml.safe_load(open(f))
    cats[c['slug']] = c
    j = json.load(open(out / 'catalogs' / (c['slug'] + '.json')))['catalog']
    m = j['metadata']
    assert (m['title'], m['version']) == (c['title'], str(c['edition'])), f
    assert ours(m.get('props'), 'superseded-by') == c.get('superseded_by'), f
    assert m.get('remarks') == c.get('counts'), f
    assert [p.get('name') for p in m.get('parties', [])] == ([c['publisher']] if c.get('publisher') else []), f
    assert resources(j.get('back-matter')) == yaml_sources(c['sources']), f
    assert [(untoken(g['id']), g['title'], ours(g.get('props'), 'counted') != 'false') for g in j['groups']] == \
           [(str(g['id']), g['title'], g.get('counted', True)) for g in c['groups']], f
    got = {}
    for g in j['groups']:
        for k in g.get('controls', []):
            parts = k.get('parts', [])
            over = [p['prose'] for p in parts if p['name'] == 'overview' and p.get('ns') == ns]
            items = [p for s in parts if s['name'] == 'statement' for p in s['parts']]
            props = k.get('props', [])
            label = [p['value'] for p in props if p['name'] == 'label' and 'ns' not in p]
            got[untoken(k['id'])] = (k['title'], untoken(g['id']), over[0] if over else None,
                                     ours(props, 'new') == 'true', ours(props, 'type'), ours(props, 'parent'),
                                     [(stmt(p['id'])[1], p['prose'], ours(p.get('props'), 'rests-on')) for p in items], label)
    want = {str(k['id']): (k['title'], str(k['group']), k.get('summary'), k.get('new', False), k.get('type'),
                           None if k.get('parent') is None else str(k['parent']),
                           [(str(e['id']), e['label'], e.get('rests_on')) for e in k.get('elements', [])], [str(k['id'])])
            for k in c['controls']}
    assert got == want, (f, [(k, got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)][:3])
REL = {'equal': 'equal-to', 'subset_of': 'subset-of', 'superset_of': 'superset-of', 'intersects': 'intersects-with'}
def elems(slug, cid):
    k = next(k for k in cats[slug]['controls'] if str(k['id']) == cid)
    return [str(e['id']) for e in k.get('elements', [])]
def met(lst, full, ids):
    if not ids:
        return None
    if lst is None:
        return set(ids) if full else set()
    return set(map(str, lst))
rows = 0
for f in sorted((src / 'crosswalks').glob('*.yaml')):
    x = yaml.safe_load(open(f))
    a, b = x['from'], x['to']
    mc = json.load(open(out / 'mappings' / f'{a}-to-{b}.json'))['mapping-collection']
    assert (ours(mc['metadata']['props'], 'from'), ours(mc['metadata']['props'], 'to')) == (a, b), f
    assert mc['provenance']['mapping-description'] == x.get('method', mc['provenance']['mapping-description']), f
    assert resources(mc.get('back-matter')) == yaml_sources(x['sources']), f
    [mp] = mc['mappings']
    assert ours(mp['source-resource']['props'], 'framework') == a and ours(mp['target-resource']['props'], 'framework') == b
    maps = mp['maps']
    ctl = lambda items: all(i['type'] == 'control' for i in items)
    level = [m for m in maps if ctl(m['sources']) and ctl(m['targets']) and len(m['sources']) == len(m['targets']) == 1]
    assert len(level) == len(x['mappings']), f
    first = str(x['sources'][0]['id'])
    stmt_met = {}
    for m in maps:
        if any(i['type'] == 'statement' for i in m['sources'] + m['targets']) and len(m['sources']) == len(m['targets']) == 1:
            s, t = m['sources'][0], m['targets'][0]
            if s['type'] == 'statement':
                c, e = stmt(s['id-ref']); key = (c, untoken(t['id-ref'])); side = 0
                assert m['relationship'] == 'subset-of'
            else:
                c, e = stmt(t['id-ref']); key = (untoken(s['id-ref']), c); side = 1
                assert m['relationship'] == 'superset-of'
            stmt_met.setdefault(key, (set(), set()))[side].add(e)
    for row, m in zip(x['mappings'], level):
        fr, to = str(row['from']), str(row['to'])
        assert (untoken(m['sources'][0]['id-ref']), untoken(m['targets'][0]['id-ref'])) == (fr, to), (f, row)
        assert m['relationship'] == REL[row['relationship']], (f, row)
        assert m.get('matching-rationale') == row.get('rationale'), (f, row)
        assert m['confidence-score'] == {'category': row.get('confidence', 'unspecified')}, (f, row)
        assert ours(m.get('props'), 'source') == str(row.get('source', first)), (f, row)
        assert m.get('remarks') == row.get('note'), (f, row)
        rel = row['relationship']
        fm = met(row.get('from_met'), rel in ('equal', 'subset_of'), elems(a, fr))
        tm = met(row.get('to_met'), rel in ('equal', 'superset_of'), elems(b, to))
        got = stmt_met.get((fr, to), (set(), set()))
        assert (fm or set(), tm or set()) == got, (f, row, got)
        n_to = len(elems(b, to))
        share = (len(tm) / n_to) if n_to else (1.0 if rel in ('equal', 'superset_of') else 0.0)
        assert abs(m['coverage']['target-coverage'] - round(share, 4)) < 1e-9, (f, row, m['coverage'])
        rows += 1
    groups = [m for m in maps if max(len(m['sources']), len(m['targets'])) > 1]
    assert len(groups) == len(x.get('groups', [])), f
    for g, m in zip(x.get('groups', []), groups):
        single_from = not isinstance(g['from'], list)
        one, many = (m['sources'], m['targets']) if single_from else (m['targets'], m['sources'])
        single = str(g['from'] if single_from else g['to'])
        assert {stmt(i['id-ref']) for i in one} == {(single, str(e)) for e in (g['from_met'] if single_from else g['to_met'])}, (f, g)
        assert [untoken(i['id-ref']) for i in many] == [str(c) for c in (g['to'] if single_from else g['from'])], (f, g)
        assert ours(m['props'], 'source') == g['source'] and m.get('remarks') == g.get('note'), (f, g)
print(rows)
"#;

/// Two folders of our YAML mapping files (built-in and imported) compared item by item: every
/// catalog's ids, titles, groups, summaries and elements, every crosswalk's sources and rows
/// (relationship, rationale, confidence, the elements met either way as the relationship and
/// lists give them, the row's source, its note) and group rows.
const JUDGE_SAME_YAML: &str = r#"
import sys, pathlib, yaml
a_dir, b_dir = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
def load(d, sub):
    return {f.name: yaml.safe_load(open(f)) for f in sorted((d / sub).glob('*.yaml'))}
def s(v):
    return None if v is None else str(v)
def catalog(c):
    return (c['slug'], c['title'], s(c['edition']), c.get('publisher'), c.get('counts'), c.get('superseded_by'),
            [(s(x['id']), x['title'], x.get('url'), x.get('note')) for x in c['sources']],
            [(s(g['id']), g['title'], g.get('counted', True)) for g in c['groups']],
            sorted((s(k['id']), k['title'], s(k['group']), k.get('summary'), k.get('new', False), k.get('type'), s(k.get('parent')),
                    [(s(e['id']), e['label'], e.get('rests_on')) for e in k.get('elements', [])]) for k in c['controls']))
ca, cb = load(a_dir, 'frameworks'), load(b_dir, 'frameworks')
assert sorted(ca) == sorted(cb), (sorted(ca), sorted(cb))
for name in ca:
    assert catalog(ca[name]) == catalog(cb[name]), name
ids = {c['slug']: {s(k['id']): [s(e['id']) for e in k.get('elements', [])] for k in c['controls']} for c in ca.values()}
def met(lst, full, elements):
    if not elements:
        return full
    return set(elements) if lst is None and full else set(map(str, lst or []))
def crosswalk(x):
    first = s(x['sources'][0]['id'])
    rows = []
    for r in x['mappings']:
        rel = r['relationship']
        rows.append((s(r['from']), s(r['to']), rel, r.get('rationale'), r.get('confidence'),
                     met(r.get('from_met'), rel in ('equal', 'subset_of'), ids[x['from']][s(r['from'])]),
                     met(r.get('to_met'), rel in ('equal', 'superset_of'), ids[x['to']][s(r['to'])]),
                     s(r.get('source', first)), r.get('note')))
    side = lambda v: [s(i) for i in v] if isinstance(v, list) else s(v)
    groups = [(side(g['from']), side(g['to']), g.get('rationale'), g.get('confidence'), [s(e) for e in g.get('from_met') or []],
               [s(e) for e in g.get('to_met') or []], s(g['source']), g.get('note')) for g in x.get('groups', [])]
    return (x['from'], x['to'], s(x['from_edition']), s(x['to_edition']), x.get('method'),
            [(s(v['id']), v['title'], v.get('url'), v.get('note')) for v in x['sources']], rows, groups)
xa, xb = load(a_dir, 'crosswalks'), load(b_dir, 'crosswalks')
assert sorted(xa) == sorted(xb), (sorted(xa), sorted(xb))
n = 0
for name in xa:
    A, B = crosswalk(xa[name]), crosswalk(xb[name])
    for i, (p, q) in enumerate(zip(A, B)):
        if p != q and isinstance(p, list):
            diff = [(u, v) for u, v in zip(p, q) if u != v][:2]
            raise AssertionError((name, i, len(p), len(q), diff))
        assert p == q, (name, i, p, q)
    n += len(A[6]) + len(A[7])
print(len(ca), len(xa), n)
"#;

fn judge(code: &str, args: &[&Path], extra: &[&str]) -> String {
    let mut a: Vec<&OsStr> = args.iter().map(|p| p.as_os_str()).collect();
    a.extend(extra.iter().map(OsStr::new));
    run_python(code, &a)
}

#[test]
fn every_exported_file_is_valid_oscal_that_says_what_the_yaml_says() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("oscal");
    export(tmp.path(), &out, &[]);
    let printed = judge(JUDGE_VALID, &[&out, &data("schemas")], &[NS]);
    let (cats, xs) = builtin_counts();
    assert_eq!(
        printed.trim(),
        format!("{cats} {xs}"),
        "every catalog and crosswalk is exported"
    );
    let rows: usize = judge(
        JUDGE_EXPORT_MATCHES_YAML,
        &[&out, &builtin_mappings()],
        &[NS],
    )
    .trim()
    .parse()
    .unwrap();
    assert!(rows > 1000, "{rows} rows compared");
}

#[test]
fn exports_are_the_same_bytes_every_time() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    export(tmp.path(), &a, &[]);
    // Another day, another folder: nothing depends on the clock or the path.
    let r = common::run_with_env(
        tmp.path(),
        &[
            "oscal",
            "export",
            "--root",
            s(tmp.path()),
            "--out",
            s(&b),
            "--today",
            "2031-01-01",
        ],
        &[],
    );
    r.assert_ok();
    assert_eq!(snapshot(&a), snapshot(&b));
    let text = std::fs::read_to_string(a.join("catalogs/soc2.json")).unwrap();
    assert!(text.contains("\"last-modified\": \"1970-01-01T00:00:00Z\""));
    // Exporting again over an export replaces it.
    export(tmp.path(), &a, &["--last-modified", "2026-05-01"]);
    let text = std::fs::read_to_string(a.join("catalogs/soc2.json")).unwrap();
    assert!(text.contains("\"last-modified\": \"2026-05-01T00:00:00Z\""));
    let r = common::run_with_env(
        tmp.path(),
        &["oscal", "export", "--root", s(tmp.path()), "--out", s(&b)],
        &[("SOURCE_DATE_EPOCH", "1767225600")],
    );
    r.assert_ok();
    let text = std::fs::read_to_string(b.join("mappings/soc2-to-iso27001.json")).unwrap();
    assert!(text.contains("\"last-modified\": \"2026-01-01T00:00:00Z\""));
    cw(
        tmp.path(),
        &[
            "oscal",
            "export",
            "--out",
            s(&b),
            "--last-modified",
            "yesterday",
        ],
    )
    .assert_code(2)
    .assert_stderr_has("is not a date");
}

#[test]
fn export_refuses_a_folder_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("mine");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "keep me").unwrap();
    cw(tmp.path(), &["oscal", "export", "--out", s(&out)])
        .assert_failed()
        .assert_stderr_has("was not written by crosswalk");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn only_errors_in_mapping_files_stop_an_export() {
    let tmp = tempfile::tempdir().unwrap();
    let site = empty_site(tmp.path());
    let out = tmp.path().join("oscal");
    // A policy naming an unknown control is the site's problem, not the export's.
    common::write_file(
        &site,
        "content/policies/p.md",
        &common::policy("POL-1", "Policy", "public", &["soc2:CC9.9"]),
    );
    cw(&site, &["check", "--root", s(&site), "--today", TODAY]).assert_failed();
    export(&site, &out, &[]);
    // A crosswalk naming an unknown control stops it, and the last export stays as it was.
    let before = snapshot(&out);
    common::write_file(
        &site,
        "mappings/crosswalks/soc2__iso27001.yaml",
        "from: soc2\nto: iso27001\nfrom_edition: \"2017\"\nto_edition: \"2022\"\nsources:\n  - id: s\n    title: S\nmappings:\n  - from: CC9.9\n    to: A.5.15\n    relationship: intersects\n    note: n\n",
    );
    cw(
        &site,
        &["oscal", "export", "--root", s(&site), "--out", s(&out)],
    )
    .assert_failed()
    .assert_stderr_has("mappings/crosswalks/soc2__iso27001.yaml:9:")
    .assert_stderr_has("`CC9.9` is not a control of soc2");
    assert_eq!(snapshot(&out), before);
}

/// Imports `file` into the site at `root`.
fn import(root: &Path, file: &Path, extra: &[&str]) -> common::Run {
    let mut args = vec!["oscal", "import", s(file), "--root", s(root)];
    args.extend_from_slice(extra);
    cw(root, &args)
}

#[test]
fn a_round_trip_through_an_empty_site_keeps_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    export(tmp.path(), &first, &[]);
    let site = tmp.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    for sub in ["catalogs", "mappings"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(first.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            import(&site, &f, &[])
                .assert_ok()
                .assert_stdout_has("wrote mappings/");
        }
    }
    let printed = judge(
        JUDGE_SAME_YAML,
        &[&builtin_mappings(), &site.join("mappings")],
        &[],
    );
    let (cats, xs) = builtin_counts();
    assert!(
        printed.starts_with(&format!("{cats} {xs} ")),
        "every catalog and crosswalk compared: {printed}"
    );
    // The imported site is a site: it checks clean and exports to the very same bytes.
    std::fs::write(site.join("crosswalk.yaml"), CONFIG).unwrap();
    cw(&site, &["check", "--root", s(&site), "--today", TODAY]).assert_ok();
    let second = tmp.path().join("second");
    export(&site, &second, &[]);
    common::assert_same_files(
        &snapshot(&first),
        &snapshot(&second),
        "export, import, export",
    );
}

/// A site with SOC 2 in scope and nothing else.
fn empty_site(tmp: &Path) -> PathBuf {
    let site = tmp.join("site");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("crosswalk.yaml"), CONFIG).unwrap();
    site
}

fn json_of(r: &common::Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", r.stdout))
}

#[test]
fn another_tools_catalog_and_mapping_are_used_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let site = empty_site(tmp.path());
    let slug = "example-cloud-security-baseline";
    import(&site, &data("example-baseline-catalog.json"), &[])
        .assert_ok()
        .assert_stdout_has(&format!(
            "wrote mappings/frameworks/{slug}.yaml: 4 controls in 2 groups"
        ))
        .assert_stdout_has("2 withdrawn left out")
        .assert_stdout_has("public domain");
    let yaml =
        std::fs::read_to_string(site.join(format!("mappings/frameworks/{slug}.yaml"))).unwrap();
    // Public domain (its metadata says so): the statement's first sentence is the summary.
    assert!(
        yaml.contains("summary: Keep a written security policy that leadership has approved.\n")
    );
    assert!(yaml.contains(
        "label: \"Review the policy every [Assignment: review interval] and after major changes.\""
    ));
    assert!(
        !yaml.contains("Publish it to staff"),
        "only the first sentence"
    );
    assert!(!yaml.contains("nobody opens"), "guidance is never taken");
    assert!(!yaml.contains("Retired"), "withdrawn controls are left out");
    assert!(
        yaml.contains("title: Governance / Policy"),
        "nested groups are flattened"
    );
    assert!(
        yaml.contains("parent: \"gov-1\""),
        "an enhancement names its control"
    );

    // Without saying which framework the source resource is, the mapping cannot be placed.
    let mapping = data("example-baseline-to-soc2.json");
    let r = import(&site, &mapping, &[]);
    r.assert_failed();
    let at = format!(
        "{}:19:55: error: cannot tell which framework the source resource",
        mapping.display()
    );
    r.assert_stderr_has(&at).assert_stderr_has("--source SLUG");
    import(&site, &mapping, &["--source", slug])
        .assert_ok()
        .assert_stdout_has(&format!(
            "wrote mappings/crosswalks/{slug}__soc2.yaml: 3 rows, 1 group rows"
        ))
        .assert_stdout_has("1 maps with relationship no-relationship left out");

    cw(&site, &["check", "--root", s(&site), "--today", TODAY]).assert_ok();
    let m = json_of(
        cw(
            &site,
            &[
                "map",
                &format!("{slug}:gov-1"),
                "--root",
                s(&site),
                "--format",
                "json",
            ],
        )
        .assert_ok(),
    );
    let related = m["related"].as_array().unwrap();
    assert_eq!(related.len(), 1, "{m:#}");
    assert_eq!(related[0]["control"], "soc2:CC6.1");
    assert_eq!(related[0]["relationship"], "intersects");
    assert_eq!(related[0]["source"], "Example baseline working notes");
    // ops-1 is equivalent to CC7.3, so it meets both of CC7.3's elements.
    let m = json_of(
        cw(
            &site,
            &[
                "map",
                "soc2:CC7.3",
                "--root",
                s(&site),
                "--to",
                slug,
                "--format",
                "json",
            ],
        )
        .assert_ok(),
    );
    assert_eq!(m["related"][0]["control"], format!("{slug}:ops-1"), "{m:#}");
    assert_eq!(m["related"][0]["relationship"], "equal");
    for e in m["elements"].as_array().unwrap() {
        assert!(
            e["met_by"].to_string().contains(&format!("{slug}:ops-1")),
            "{m:#}"
        );
    }
    let o = json_of(cw(&site, &["overlap", "--root", s(&site), "--format", "json"]).assert_ok());
    let pair = o["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["from"] == slug && p["to"] == "soc2")
        .unwrap_or_else(|| panic!("no {slug} -> soc2 pair: {o:#}"));
    assert_eq!(pair["controls"], 4, "{pair}");
    let crosswalk =
        std::fs::read_to_string(site.join(format!("mappings/crosswalks/{slug}__soc2.yaml")))
            .unwrap();
    // The group map (ops-2 against CC7.1 and CC7.2 together), a statement-level map (element a
    // of ops-2 wholly met by CC7.2), a percentage confidence of 0.9 (high).
    assert!(
        crosswalk.contains("  - from: \"ops-2\"\n    to: [\"CC7.1\", \"CC7.2\"]\n"),
        "{crosswalk}"
    );
    assert!(crosswalk.contains("    from_met: [\"a\"]\n"), "{crosswalk}");
    assert!(crosswalk.contains("    to: \"CC6.1\"\n    relationship: intersects\n    rationale: semantic\n    confidence: high\n    to_met: [\"1\"]\n"), "{crosswalk}");
}

#[test]
fn nist_sp_800_53_low_baseline_imports_into_an_empty_site() {
    let tmp = tempfile::tempdir().unwrap();
    let site = empty_site(tmp.path());
    let nist = data("NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog-min.json");
    // What the file holds, counted by Python: every control and enhancement not withdrawn, with
    // its title.
    let listed = run_python(
        r#"
import json, sys
cat = json.load(open(sys.argv[1]))['catalog']
def walk(controls):
    for c in controls:
        if any(p['name'] == 'status' and p['value'] == 'withdrawn' for p in c.get('props', [])):
            continue
        yield c
        yield from walk(c.get('controls', []))
def groups(gs):
    for g in gs:
        yield g
        yield from groups(g.get('groups', []))
for g in groups(cat.get('groups', [])):
    for c in walk(g.get('controls', [])):
        print(c['id'] + '\t' + c['title'])
"#,
        &[nist.as_os_str()],
    );
    let controls: Vec<(&str, &str)> = listed
        .lines()
        .map(|l| l.split_once('\t').unwrap())
        .collect();
    assert!(controls.len() > 100, "{}", controls.len());
    import(&site, &nist, &["--slug", "nist80053-low"])
        .assert_ok()
        .assert_stdout_has(&format!("{} controls in 18 groups", controls.len()))
        .assert_stdout_has("titles only");
    cw(&site, &["check", "--root", s(&site), "--today", TODAY]).assert_ok();
    let f = json_of(
        cw(
            &site,
            &["frameworks", "--root", s(&site), "--format", "json"],
        )
        .assert_ok(),
    );
    let fw = f
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["slug"] == "nist80053-low")
        .unwrap_or_else(|| panic!("{f:#}"));
    assert_eq!(fw["controls"], controls.len());
    assert_eq!(fw["edition"], "5.1.1+u4");
    // Every control, in the file's order, with its title.
    let yaml =
        std::fs::read_to_string(site.join("mappings/frameworks/nist80053-low.yaml")).unwrap();
    let ours: Vec<(String, String)> = yaml
        .split("\n  - id: ")
        .skip(1)
        .filter(|b| b.contains("\n    group: "))
        .map(|b| {
            let id = b.lines().next().unwrap().trim_matches('"').to_string();
            let title = b
                .lines()
                .nth(1)
                .unwrap()
                .trim_start()
                .trim_start_matches("title: ");
            (id, title.trim_matches('"').to_string())
        })
        .collect();
    let theirs: Vec<(String, String)> = controls
        .iter()
        .map(|(i, t)| (i.to_string(), t.to_string()))
        .collect();
    assert_eq!(ours, theirs);
    for (id, title) in [
        ("ac-2", "Account Management"),
        (
            "ia-2.1",
            "Multi-factor Authentication to Privileged Accounts",
        ),
    ] {
        let m = json_of(
            cw(
                &site,
                &[
                    "map",
                    &format!("nist80053-low:{id}"),
                    "--root",
                    s(&site),
                    "--format",
                    "json",
                ],
            )
            .assert_ok(),
        );
        assert_eq!(m["title"], title, "{m:#}");
    }
    // The catalog does not say it is in the public domain, so none of its prose came in.
    assert!(!yaml.contains("summary:"));
    assert!(!yaml.contains("Develop, document, and disseminate"));
    assert!(yaml.contains("parent: \"ia-2\""));
}

/// Writes `text` as `name` in `dir` and imports it into `site`.
fn import_text(site: &Path, dir: &Path, name: &str, text: &str) -> (common::Run, PathBuf) {
    let f = dir.join(name);
    std::fs::write(&f, text).unwrap();
    (import(site, &f, &[]), f)
}

#[test]
fn bad_files_are_named_with_their_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let site = empty_site(tmp.path());
    let before = snapshot(&site);

    let (r, f) = import_text(
        &site,
        tmp.path(),
        "bad.json",
        "{\n  \"catalog\": {\n    \"uuid\": \"x\",,\n",
    );
    r.assert_failed()
        .assert_stderr_has(&format!("{}:3:17: error: invalid JSON", f.display()));

    let (r, f) = import_text(
        &site,
        tmp.path(),
        "no-title.json",
        "{\"catalog\": {\n  \"uuid\": \"6c1b5b4e-3f7a-4d2e-9a1b-2c3d4e5f6a7b\",\n  \"metadata\": {\n    \"version\": \"1\", \"last-modified\": \"2026-01-01T00:00:00Z\", \"oscal-version\": \"1.2.1\"\n  }\n}}\n",
    );
    r.assert_failed().assert_stderr_has(&format!(
        "{}:5:3: error: not a valid OSCAL catalog: missing field `title`",
        f.display()
    ));

    let (r, f) = import_text(
        &site,
        tmp.path(),
        "profile.json",
        "{\"profile\": {\"uuid\": \"x\"}}",
    );
    r.assert_failed()
        .assert_stderr_has(&format!(
            "{}:1:2: error: this is an OSCAL profile",
            f.display()
        ))
        .assert_stderr_has("resolve the profile into a catalog first");
    let (r, _) = import_text(&site, tmp.path(), "other.json", "{\"hello\": 1}");
    r.assert_failed()
        .assert_stderr_has("not an OSCAL catalog or mapping-collection");

    // A map naming a control SOC 2 does not have: named at the id-ref, with a suggestion.
    let mapping = r#"{"mapping-collection": {
  "uuid": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
  "metadata": {"title": "Test", "last-modified": "2026-01-01T00:00:00Z", "version": "1", "oscal-version": "1.2.1"},
  "provenance": {"method": "human", "matching-rationale": "semantic", "status": "complete", "mapping-description": "Test."},
  "mappings": [{
    "uuid": "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d",
    "source-resource": {"type": "catalog", "href": "soc2.json"},
    "target-resource": {"type": "catalog", "href": "iso27001.json"},
    "maps": [{
      "uuid": "2b3c4d5e-6f7a-4b2c-9d3e-4f5a6b7c8d9e",
      "relationship": "subset-of",
      "sources": [{"type": "control", "id-ref": "CC6.10"}],
      "targets": [{"type": "control", "id-ref": "A.5.15"}]
    }]
  }]
}}
"#;
    let (r, f) = import_text(&site, tmp.path(), "unknown.json", mapping);
    r.assert_failed()
        .assert_stderr_has(&format!(
            "{}:12:49: error: `CC6.10` is not a control of soc2",
            f.display()
        ))
        .assert_stderr_has("did you mean CC6.1");
    let (r, f) = import_text(
        &site,
        tmp.path(),
        "relationship.json",
        &mapping
            .replace("CC6.10", "CC6.1")
            .replace("subset-of", "same-as"),
    );
    r.assert_failed().assert_stderr_has(&format!(
        "{}:11:23: error: unknown relationship `same-as`",
        f.display()
    ));
    // A catalog that would not pass `check` (a control without a title) is not written.
    let (r, _) = import_text(
        &site,
        tmp.path(),
        "untitled.json",
        r#"{"catalog": {"uuid": "6c1b5b4e-3f7a-4d2e-9a1b-2c3d4e5f6a7b",
  "metadata": {"title": "Untitled", "last-modified": "2026-01-01T00:00:00Z", "version": "1", "oscal-version": "1.2.1"},
  "groups": [{"id": "g", "title": "G", "controls": [{"id": "c-1", "title": " "}]}]}}"#,
    );
    r.assert_failed()
        .assert_stderr_has("nothing was written")
        .assert_stderr_has("mappings/frameworks/untitled.yaml")
        .assert_stderr_has("control `c-1` has an empty title");
    assert_eq!(snapshot(&site), before, "nothing was written");

    // The same map with a real control imports; a second import refuses to overwrite it.
    let good = mapping
        .replace("CC6.10", "CC6.1")
        .replace("subset-of", "intersects-with");
    let (r, f) = import_text(&site, tmp.path(), "good.json", &good);
    r.assert_ok();
    let written = site.join("mappings/crosswalks/soc2__iso27001.yaml");
    let text = std::fs::read_to_string(&written).unwrap();
    assert!(text.contains("  - from: \"CC6.1\"\n    to: \"A.5.15\"\n    relationship: intersects\n    rationale: semantic\n"), "{text}");
    std::fs::write(&written, "# mine\n").unwrap();
    import(&site, &f, &[])
        .assert_failed()
        .assert_stderr_has("mappings/crosswalks/soc2__iso27001.yaml: error: already exists")
        .assert_stderr_has("--force");
    assert_eq!(std::fs::read_to_string(&written).unwrap(), "# mine\n");
    import(&site, &f, &["--force"]).assert_ok();
    assert_eq!(std::fs::read_to_string(&written).unwrap(), text);
    let leftovers: Vec<_> = std::fs::read_dir(written.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary files left: {leftovers:?}");

    import(&site, &f, &["--slug", "Bad Slug"]).assert_code(2);
    import(&site, &f, &["--slug", "fine"])
        .assert_failed()
        .assert_stderr_has("--slug is for a catalog");
}
