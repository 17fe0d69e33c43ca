// Follows one run from many WebSocket clients at once, as browsers do, and keeps when each
// result arrived: opens the clients on each server, starts the run on the first, subscribes
// them all, and writes every client's (seq, target, arrival ms) to OUT once each has the run's
// end. Node 20 with --experimental-websocket.
// Usage: node --experimental-websocket agents-follow.mjs OUT RUN_BODY_JSON URL_A:N URL_B:N ...
import { writeFileSync } from "node:fs";

const [out, body, ...servers] = process.argv.slice(2);
const now = () => performance.timeOrigin + performance.now();
const clients = [];
for (const spec of servers) {
  const at = spec.lastIndexOf(":");
  const base = spec.slice(0, at);
  const n = Number(spec.slice(at + 1));
  for (let i = 0; i < n; i++) clients.push({ base, results: [], end: null });
}
await Promise.all(
  clients.map(
    (c) =>
      new Promise((resolve, reject) => {
        c.ws = new WebSocket(c.base.replace("http", "ws") + "/api/ws");
        c.ws.onopen = resolve;
        c.ws.onerror = () => reject(new Error("cannot open a WebSocket to " + c.base));
      }),
  ),
);
const made = await fetch(clients[0].base + "/api/runs", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body,
});
const run = await made.json();
if (made.status !== 201) {
  console.error("bench: the run was refused:", JSON.stringify(run));
  process.exit(1);
}
const started = now();
const done = clients.map(
  (c) =>
    new Promise((resolve) => {
      // Kept as they came, with when; read once every client has the run's end (parsing on
      // the way would make this one process the slowest "browser" of the twenty).
      c.raw = [];
      c.ws.onmessage = (e) => {
        const t = now();
        c.raw.push([t, e.data]);
        if (e.data.startsWith('{"type":"status"')) {
          const m = JSON.parse(e.data);
          if (m.run === run.id && !["queued", "running"].includes(m.status)) {
            c.end = { status: m.status, at: t };
            c.ws.close();
            resolve();
          }
        }
      };
      c.ws.send(JSON.stringify({ type: "subscribe", run: run.id }));
    }),
);
const limit = setTimeout(() => {
  console.error("bench: not every client had the run's end within 600 s");
  process.exit(1);
}, 600_000);
await Promise.all(done);
clearTimeout(limit);
for (const c of clients) {
  for (const [t, text] of c.raw) {
    const m = JSON.parse(text);
    if (m.type === "result" && m.run === run.id) c.results.push([m.seq, m.result.target, t]);
  }
}
writeFileSync(
  out,
  JSON.stringify({
    run: run.id,
    started,
    clients: clients.map((c) => ({ base: c.base, end: c.end, results: c.results })),
  }),
);
