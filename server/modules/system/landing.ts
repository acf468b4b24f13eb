/** The front page until the web client arrives: what is running and where to go next. */
export function landingPage(): string {
  return `<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Redline</title>
<style>body{font-family:system-ui,Arial,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#0b0c0c}
h1{border-bottom:4px solid #d4351c;padding-bottom:.3rem}code{background:#f3f2f1;padding:0 .2rem}</style></head>
<body>
<h1>Redline</h1>
<p>Planning cases and their sites on a map, in British National Grid (EPSG:27700), on PostGIS.</p>
<h2>For staff and their tools</h2>
<ul>
<li><a href="/api/openapi.json">The API (OpenAPI 3 document)</a></li>
<li><a href="/healthz">Health: database and PostGIS versions</a></li>
<li><a href="/api/codelists/application-types">Application types (planning.data.gov.uk code list)</a></li>
</ul>
<p>Sign in with <code>POST /api/auth/login</code>; the demo accounts and their passwords are in <code>data/demo-users.txt</code>.</p>
<p>Contains public sector information licensed under the Open Government Licence v3.0.</p>
</body></html>`;
}
