// A static file server on 127.0.0.1 for the browser tests: .wasm as application/wasm, and
// cross-origin isolation headers (COOP/COEP) as threaded builds will need.
//   ?type=octet on any file sends application/octet-stream instead (to test the fallback);
//   ?csp=no-wasm on a page sends a Content-Security-Policy without 'wasm-unsafe-eval';
//   ?isolate=no on a page leaves out COOP/COEP (a page that is not cross-origin isolated).
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".svg": "image/svg+xml",
};

/** Serves `root` on 127.0.0.1 at a free port; resolves to { url, close }. */
export function serve(root) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    let path = normalize(join(root, decodeURIComponent(url.pathname)));
    if (path !== root && !path.startsWith(root.endsWith(sep) ? root : root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if ((await stat(path)).isDirectory()) path = join(path, "index.html");
      const body = await readFile(path);
      const headers = {
        "content-type": url.searchParams.get("type") === "octet"
          ? "application/octet-stream"
          : (TYPES[extname(path)] ?? "application/octet-stream"),
        "cache-control": "no-store",
      };
      if (url.searchParams.get("isolate") !== "no") {
        headers["cross-origin-opener-policy"] = "same-origin";
        headers["cross-origin-embedder-policy"] = "require-corp";
      }
      if (url.searchParams.get("csp") === "no-wasm") {
        headers["content-security-policy"] = "script-src 'self' 'unsafe-inline'";
      }
      res.writeHead(200, headers).end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}
