// `npm run playground -- --port N`: builds the playground (playground/, with Vite) into
// playground/dist/ and serves it on 127.0.0.1, printing the URL. --host H serves elsewhere;
// --no-build serves the last build. Builds kanwasm's dist/ first when it is missing or stale.
import { execFileSync } from "node:child_process";
import { build, preview } from "vite";

const root = new URL("..", import.meta.url).pathname;
const config = new URL("../playground/vite.config.js", import.meta.url).pathname;

function args(argv) {
  const o = { port: 5173, host: "127.0.0.1", build: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--port") o.port = Number(value());
    else if (a.startsWith("--port=")) o.port = Number(a.slice(7));
    else if (a === "--host") o.host = value();
    else if (a === "--no-build") o.build = false;
    else throw new Error(`unknown option ${a}; the options are --port N, --host H, --no-build`);
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    throw new Error("--port must be an integer in 0..65535");
  }
  return o;
}

let o;
try {
  o = args(process.argv.slice(2));
} catch (e) {
  console.error(`npm run playground: ${e.message}`);
  process.exit(2);
}
execFileSync(process.execPath, ["scripts/ensure-built.mjs"], { cwd: root, stdio: "inherit" });
if (o.build) {
  console.log("building the playground (vite build) …");
  await build({ configFile: config });
}
const server = await preview({
  configFile: config,
  preview: { port: o.port, host: o.host, strictPort: true, open: false },
});
const url = server.resolvedUrls?.local?.[0] ?? `http://${o.host}:${o.port}/`;
console.log(`kanwasm playground: ${url}  (Ctrl-C stops it)`);
