/**
 * A self-contained API reference (no CDN: deployments and local machines may be offline).
 * It reads the OpenAPI document, lists every operation with its schemas and lets a person
 * try a call with their own token.
 */
export const docsPage = (specUrl: string, nonce: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>AnyChat Edge API</title>
<style nonce="${nonce}">
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:12px 20px;display:flex;gap:12px;align-items:center;flex-wrap:wrap}
header input{flex:1;min-width:200px;padding:6px;border-radius:4px;border:0}
main{max-width:1000px;margin:0 auto;padding:16px}
details{background:#fff;border:1px solid #dde1e7;border-radius:6px;margin:6px 0}
summary{cursor:pointer;padding:8px 12px;display:flex;gap:10px;align-items:center}
.m{font-weight:700;width:60px;text-transform:uppercase;font-size:12px}
.get{color:#0a7}.post{color:#27c}.put{color:#c80}.delete{color:#c33}
.lock{margin-left:auto;font-size:12px;color:#888}
.body{padding:0 12px 12px}pre{background:#f0f2f5;padding:8px;overflow:auto;max-height:320px;border-radius:4px}
textarea{width:100%;min-height:80px;font-family:monospace}h2{margin:18px 0 6px;font-size:16px}
button{padding:5px 12px}
header a{color:#9cf}.p{width:100%}
</style></head><body>
<header><strong>AnyChat Edge API</strong><input id="token" placeholder="Bearer access token (for “Try it”)"><a href="${specUrl}">openapi.json</a></header>
<main id="root">Loading…</main>
<script nonce="${nonce}">
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));
fetch(${JSON.stringify(specUrl)}).then((r) => r.json()).then((spec) => {
  const byTag = {};
  for (const [path, ops] of Object.entries(spec.paths)) for (const [method, op] of Object.entries(ops)) {
    (byTag[(op.tags && op.tags[0]) || "other"] ??= []).push({ path, method, op });
  }
  const root = document.getElementById("root");
  root.innerHTML = "<p>" + esc(spec.info.description || "") + "</p>";
  for (const [tag, ops] of Object.entries(byTag)) {
    root.insertAdjacentHTML("beforeend", "<h2>" + esc(tag) + "</h2>");
    for (const { path, method, op } of ops) {
      const d = document.createElement("details");
      const params = (op.parameters || []).map((p) => p.name + " (" + p.in + (p.required ? ", required" : "") + ")").join(", ");
      const reqSchema = op.requestBody ? JSON.stringify(op.requestBody.content["application/json"].schema, null, 2) : "";
      const success = Object.entries(op.responses || {}).find(([code]) => code.startsWith("2"))?.[1];
      const okSchema = success?.content?.["application/json"]?.schema;
      const resSchema = JSON.stringify(okSchema?.properties?.data ?? okSchema ?? null, null, 2);
      d.innerHTML = '<summary><span class="m ' + method + '">' + method + "</span><code>" + esc(path) + "</code> " + esc(op.summary || "") +
        (op.security ? '<span class="lock">🔒 token</span>' : "") + "</summary><div class=body>" +
        (params ? "<p><b>Parameters:</b> " + esc(params) + "</p>" : "") +
        (reqSchema ? "<p><b>Request body</b></p><pre>" + esc(reqSchema) + "</pre>" : "") +
        "<p><b>Response data</b></p><pre>" + esc(resSchema) + "</pre>" +
        "<p><b>Try it</b> — path:</p><input class=p value='" + esc(path) + "'>" +
        (op.requestBody ? "<p>body:</p><textarea class=b>{}</textarea>" : "") +
        "<p><button>Send</button></p><pre class=out></pre></div>";
      d.querySelector("button").onclick = async () => {
        const token = document.getElementById("token").value.trim();
        const init = { method: method.toUpperCase(), headers: {} };
        if (token) init.headers.Authorization = "Bearer " + token.replace(/^Bearer /, "");
        const b = d.querySelector(".b");
        if (b) { init.headers["Content-Type"] = "application/json"; init.body = b.value; }
        const res = await fetch(d.querySelector(".p").value, init);
        d.querySelector(".out").textContent = res.status + "\\n" + JSON.stringify(await res.json().catch(() => null), null, 2);
      };
      root.appendChild(d);
    }
  }
});
</script></body></html>`;
