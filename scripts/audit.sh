#!/usr/bin/env bash
# Dependency audit: `npm audit` over package-lock.json and `pip-audit` over training/requirements.txt, summarised
# by severity into bench/results/audit.json (raw reports next to it under var/audit/).
#   bash scripts/audit.sh
# Both tools ask an online vulnerability service (the npm registry's advisories endpoint; PyPI's per-release JSON
# API or OSV). When a service cannot be reached the summary says so for that tool instead of reporting "0 found".
# pip-audit runs from its own venv (var/audit-venv, pinned by training/requirements-dev.txt) so that it neither
# changes the training environment nor audits its own dependencies.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p var/audit bench/results

npm audit --json >var/audit/npm-audit.json 2>var/audit/npm-audit.err
echo "npm audit exit $?"

if [ ! -x var/audit-venv/bin/pip-audit ]; then
  python3 -m venv var/audit-venv && var/audit-venv/bin/pip install -q -r training/requirements-dev.txt
fi
# --no-deps --disable-pip: requirements.txt is a full pinned lock, so nothing needs resolving or installing.
var/audit-venv/bin/pip-audit -r training/requirements.txt --no-deps --disable-pip --format json -o var/audit/pip-audit.json 2>var/audit/pip-audit.err
echo "pip-audit exit $?"

python3 - <<'EOF'
import json, datetime, pathlib, re

def host_free(text):
    # Keep the reason (status, endpoint path), not the registry's address.
    return re.sub(r'https?://[^/\s]+', '<registry>', text)

def npm_summary():
    try:
        d = json.load(open('var/audit/npm-audit.json'))
    except Exception as e:  # no JSON at all
        return {'status': 'failed', 'reason': f'no report: {e}'}
    meta = d.get('metadata')
    if not meta:
        reason = d.get('message') or d.get('error', {}).get('summary') or 'no metadata in report'
        return {'status': 'unavailable', 'reason': host_free(reason)}
    return {
        'status': 'ok',
        'dependencies': meta.get('dependencies', {}).get('total'),
        'vulnerabilities': meta.get('vulnerabilities'),
        'advisories': sorted({v['name'] for v in d.get('vulnerabilities', {}).values()}),
    }

def pip_summary():
    try:
        d = json.load(open('var/audit/pip-audit.json'))
    except Exception as e:
        return {'status': 'failed', 'reason': f"no report: {e}; {pathlib.Path('var/audit/pip-audit.err').read_text()[-500:]}"}
    deps = d.get('dependencies', [])
    audited = [x for x in deps if not x.get('skip_reason')]
    skipped = [x for x in deps if x.get('skip_reason')]
    vulnerable = [{'name': x['name'], 'version': x['version'], 'ids': [v['id'] for v in x.get('vulns', [])]} for x in audited if x.get('vulns')]
    out = {'status': 'ok' if audited else 'unavailable', 'packages': len(deps), 'audited': len(audited), 'skipped': len(skipped), 'vulnerable': vulnerable}
    if skipped:
        out['skipReason'] = host_free(skipped[0]['skip_reason'])
    return out

summary = {'date': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'), 'npm': npm_summary(), 'pip': pip_summary()}
pathlib.Path('bench/results/audit.json').write_text(json.dumps(summary, indent=2) + '\n')
print(json.dumps(summary, indent=2))
EOF
